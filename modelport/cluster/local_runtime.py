"""The local runtime: each replica is the engine's process on this host, started through the
engine plug-in (``factory.start``) and supervised by this process, as ``modelport up`` always
did. Gateways in this process use the engine object itself (:meth:`LocalRuntime.engine`);
gateways in other processes on this host reach it at its endpoint (127.0.0.1 and its key).

Replicas die with this process (the engines' lifeline): a controller that takes over finds
the former holder's local replicas gone and starts new ones.

The host is shared, so starts are admitted: at most one engine loads per core at a time (a scale
to dozens of replicas on a small host used to start them all at once, and the load starved the
gateway in the same process; ``bench/local_starts.py`` measures the choice), and a replica whose
engine plans more memory than the host has available once the earlier ones loaded is refused
with both figures.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from modelport.cluster.runtime import JobOrder, NodeView, ReplicaOrder
from modelport.domain.replicas import Endpoint, Replica, ReplicaState, Resources
from modelport.engines.base import Engine, EngineStartError, EngineState
from modelport.engines.host import available_memory, gib

_STATE = {
    EngineState.STARTING: ReplicaState.STARTING,
    EngineState.READY: ReplicaState.READY,
    EngineState.RESTARTING: ReplicaState.RESTARTING,
    EngineState.FAILED: ReplicaState.FAILED,
    EngineState.STOPPED: ReplicaState.STOPPED,
}


@dataclass
class LocalReplica:
    replica_id: str
    local_engine: Engine
    node: str | None
    handle: str | None = None
    restarts: int = 0
    last_error: str | None = None
    _runtime: LocalRuntime | None = field(default=None, repr=False)

    @property
    def state(self) -> ReplicaState:
        return _STATE[self.local_engine.state]

    @property
    def endpoint(self) -> Endpoint | None:
        found = getattr(self.local_engine, "endpoint", None)
        return found if isinstance(found, Endpoint) else None

    @property
    def engine(self) -> Engine | None:
        return self.local_engine

    async def refresh(self) -> None:
        status = self.local_engine.describe()
        restarts = status.get("restarts")
        self.restarts = restarts if isinstance(restarts, int) else self.restarts
        self.last_error = self.local_engine.last_error
        pid = status.get("pid")
        self.handle = f"pid {pid}" if pid else self.handle

    async def stop(self) -> None:
        if self._runtime is not None:
            self._runtime.engines.pop(self.replica_id, None)
        await self.local_engine.stop()


@dataclass
class LocalJob:
    name: str
    proc: asyncio.subprocess.Process
    node: str | None

    async def wait(self) -> int:
        return await self.proc.wait()

    async def cancel(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


class LocalRuntime:
    name = "local"

    def __init__(
        self,
        *,
        concurrent_starts: int | None = None,
        memory_available: Callable[[], int] = available_memory,
    ) -> None:
        self.node = socket.gethostname()
        self.engines: dict[str, Engine] = {}  # replica id -> its engine, driven here
        self.concurrent_starts = concurrent_starts or max(1, os.cpu_count() or 1)
        self._starts = asyncio.Semaphore(self.concurrent_starts)
        self.memory_available = memory_available  # the engine host's measure

    def engine(self, replica_id: str) -> Engine | None:
        return self.engines.get(replica_id)

    async def start(self, order: ReplicaOrder) -> LocalReplica:
        """Start the replica's engine once a start slot is free (see the module's notes)."""
        async with self._starts:
            need = order.resources.memory_bytes
            free = self.memory_available()
            if need > free:
                raise EngineStartError(
                    f"replica {order.ordinal} of {order.deployment} does not fit on this host: "
                    f"its engine plans {gib(need)} and {gib(free)} is available (fewer "
                    "instances, a smaller context or fewer slots would fit)"
                )
            engine = await order.factory.start(order.spec)
        self.engines[order.replica_id] = engine
        replica = LocalReplica(order.replica_id, engine, self.node, _runtime=self)
        await replica.refresh()
        return replica

    async def adopt(self, replica: Replica, api_key: str) -> LocalReplica | None:
        """Only this process's own replicas survive (a former holder's died with it)."""
        engine = self.engines.get(replica.id)
        if engine is None:
            return None
        return LocalReplica(replica.id, engine, self.node, _runtime=self)

    async def nodes(self) -> list[NodeView]:
        cpus = float(os.cpu_count() or 1)
        memory = available_memory()
        return [
            NodeView(
                name=self.node,
                alive=True,
                total=Resources(cpus=cpus, memory_bytes=memory),
                free=Resources(cpus=cpus, memory_bytes=memory),
                labels={"runtime": "local"},
            )
        ]

    async def run_job(self, job: JobOrder) -> LocalJob:
        argv = list(job.argv)
        if argv and argv[0] == "python":
            argv[0] = sys.executable
        proc = await asyncio.create_subprocess_exec(
            *argv, env=dict(job.env) or None, cwd=job.cwd, start_new_session=True
        )
        return LocalJob(job.name, proc, self.node)

    async def close(self) -> None:
        return None
