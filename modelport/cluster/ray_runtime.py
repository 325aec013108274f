"""The Ray runtime: each replica is a Ray actor that runs the engine's server on its node.

Ray's core API only (no Ray Serve, whose HTTP proxy would sit on the data path): the controller
creates one named, detached actor per replica with the engine's resource needs (``num_cpus`` =
llama.cpp threads, ``num_gpus`` for vLLM's tensor-parallel GPUs, ``memory``), and
``max_restarts=-1``. Inside it a :class:`~modelport.engines.supervisor.Supervisor` runs the
engine plug-in's :class:`~modelport.engines.supervisor.ProcessPlan` on the node's address and a
port of its own; when the engine process dies the actor exits with it, and Ray starts the actor
again (the engine with it, on a new port). The controller polls each actor (``info``) and stores
its endpoint; gateways call the engine directly over HTTP with the replica's own key.

A controller that takes over finds the actors by name (``adopt``). Ray is imported lazily:
``pip install 'modelport[ray]'``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
from dataclasses import dataclass
from typing import Any

from modelport.cluster.runtime import JobOrder, NodeView, ReplicaOrder
from modelport.domain.replicas import Endpoint, Replica, ReplicaState, Resources
from modelport.engines.base import EngineStartError, EngineState
from modelport.engines.plugin import placeable
from modelport.engines.supervisor import ProcessPlan, Supervisor

log = logging.getLogger("modelport.cluster.ray")

INSTALL_HINT = "the Ray runtime needs Ray: pip install 'modelport[ray]' (ray==2.60.0)"


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - the extra is installed by make setup
        raise EngineStartError(INSTALL_HINT) from exc
    return ray


def _exit_with_engine(code: int) -> None:
    """The engine of this actor died: so does the actor, and Ray restarts the replica."""
    os._exit(1)


class ReplicaActor:
    """Runs one replica's engine server on the node Ray placed it on (an async actor)."""

    def __init__(self, name: str, plan: ProcessPlan) -> None:
        ray = _ray()
        self.name = name
        self.plan = plan
        self.node = ray.util.get_node_ip_address()
        self.reconstructed = bool(ray.get_runtime_context().was_current_actor_reconstructed)
        self.supervisor: Supervisor | None = None
        self.error: str | None = None
        self._lock: asyncio.Lock | None = None

    async def _ensure(self) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.supervisor is not None or self.error is not None:
                return
            supervisor = Supervisor(self.name, self.plan, host=self.node, on_exit=_exit_with_engine)
            try:
                await supervisor.start()
            except EngineStartError as exc:
                self.error = str(exc)
                return
            self.supervisor = supervisor

    async def info(self) -> dict[str, Any]:
        """Starts the engine the first time (and after Ray restarted this actor); then where
        it listens and how it is."""
        await self._ensure()
        supervisor = self.supervisor
        return {
            "node": self.node,
            "url": supervisor.base_url if supervisor else None,
            "pid": supervisor.pid if supervisor else None,
            "state": supervisor.state.value if supervisor else EngineState.FAILED.value,
            "error": self.error or (supervisor.last_error if supervisor else None),
            "reconstructed": self.reconstructed,
        }

    async def stop(self) -> None:
        if self.supervisor is not None:
            await self.supervisor.stop()


def _run_job(argv: list[str], env: dict[str, str], cwd: str | None) -> int:
    return subprocess.run(argv, env=env or None, cwd=cwd, check=False).returncode


@dataclass
class RayReplica:
    replica_id: str
    actor: Any
    api_key: str
    handle: str | None
    timeout: float = 10.0
    node: str | None = None
    restarts: int = 0
    last_error: str | None = None
    _state: ReplicaState = ReplicaState.STARTING
    _url: str | None = None
    _pid: int | None = None

    @property
    def state(self) -> ReplicaState:
        return self._state

    @property
    def endpoint(self) -> Endpoint | None:
        return Endpoint(self._url, self.api_key) if self._url else None

    @property
    def engine(self) -> None:
        return None

    def _apply(self, info: dict[str, Any]) -> None:
        pid = info.get("pid")
        if self._pid is not None and pid is not None and pid != self._pid:
            self.restarts += 1
        self._pid = pid if pid is not None else self._pid
        self.node = info.get("node") or self.node
        self._url = info.get("url") or self._url
        self.last_error = info.get("error")
        state = info.get("state")
        if state == EngineState.READY.value:
            self._state = ReplicaState.READY
        elif info.get("error") and info.get("url") is None:
            self._state = ReplicaState.FAILED
        else:
            self._state = ReplicaState.RESTARTING

    async def refresh(self) -> None:
        try:
            info = await asyncio.wait_for(self.actor.info.remote(), self.timeout)
        except Exception as exc:  # the actor is dead or being restarted by Ray
            if self._state is ReplicaState.READY:
                log.warning("replica %s unreachable (%s)", self.replica_id, type(exc).__name__)
            self._state = ReplicaState.RESTARTING
            self.last_error = f"the replica's actor is being restarted ({type(exc).__name__})"
            return
        self._apply(info)

    async def stop(self) -> None:
        ray = _ray()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.actor.stop.remote(), 30)
        with contextlib.suppress(Exception):
            ray.kill(self.actor, no_restart=True)
        self._state = ReplicaState.STOPPED


@dataclass
class RayJob:
    name: str
    ref: Any
    node: str | None = None

    async def wait(self) -> int:
        return int(await self.ref)

    async def cancel(self) -> None:
        with contextlib.suppress(Exception):
            _ray().cancel(self.ref, force=True)


class RayRuntime:
    name = "ray"

    def __init__(self, address: str, *, namespace: str = "modelport") -> None:
        self.address = address
        self.namespace = namespace
        self._connected = False
        self._connecting = asyncio.Lock()
        self._actor_class: Any = None
        self._job_fn: Any = None

    async def _connect(self) -> Any:
        ray = _ray()
        # One connection: a takeover adopts replicas and lists nodes at once, and a second
        # ray.init while the first one runs fails.
        async with self._connecting:
            if not self._connected:
                await asyncio.to_thread(
                    ray.init,
                    address=self.address,
                    namespace=self.namespace,
                    log_to_driver=False,
                    configure_logging=False,
                )
                self._connected = True
                self._actor_class = ray.remote(ReplicaActor)
                self._job_fn = ray.remote(_run_job)
        return ray

    @staticmethod
    def actor_name(replica_id: str) -> str:
        return f"mp-replica-{replica_id}"

    async def start(self, order: ReplicaOrder) -> RayReplica:
        factory = placeable(order.factory)
        if factory is None:
            raise EngineStartError(
                f"the {order.factory.label} engine cannot run on the Ray runtime (it places no "
                "server process)"
            )
        plan = factory.process(order.spec)
        await self._connect()
        resources = plan.resources
        options: dict[str, Any] = {
            "name": self.actor_name(order.replica_id),
            "namespace": self.namespace,
            "lifetime": "detached",
            "max_restarts": -1,
            "max_task_retries": 0,
            "num_cpus": resources.cpus,
            "num_gpus": resources.gpus,
            "max_concurrency": 8,
        }
        if resources.memory_bytes:
            options["memory"] = resources.memory_bytes
        actor = self._actor_class.options(**options).remote(order.deployment, plan)
        replica = RayReplica(
            order.replica_id,
            actor,
            plan.api_key,
            self.actor_name(order.replica_id),
            timeout=plan.start_timeout + 60,
        )
        try:
            await replica.refresh()
        except asyncio.CancelledError:
            await replica.stop()
            raise
        replica.timeout = 10.0
        if replica.state is not ReplicaState.READY:
            reason = replica.last_error or "the replica's engine did not become ready"
            await replica.stop()
            raise EngineStartError(reason)
        return replica

    async def adopt(self, replica: Replica, api_key: str) -> RayReplica | None:
        ray = await self._connect()
        name = replica.handle or self.actor_name(replica.id)
        try:
            actor = await asyncio.to_thread(ray.get_actor, name, namespace=self.namespace)
        except ValueError:
            return None
        found = RayReplica(replica.id, actor, api_key, name, restarts=replica.restarts)
        found._url, found.node = replica.url, replica.node
        await found.refresh()
        return found

    async def nodes(self) -> list[NodeView]:
        ray = await self._connect()
        listed = await asyncio.to_thread(ray.nodes)
        per_node: dict[str, dict[str, float]] = {}
        with contextlib.suppress(Exception):
            from ray._private.state import available_resources_per_node

            per_node = await asyncio.to_thread(available_resources_per_node)
        views = []
        for node in listed:
            total = node.get("Resources", {})
            free = per_node.get(node.get("NodeID", ""), {})
            views.append(
                NodeView(
                    name=str(node.get("NodeManagerAddress") or node.get("NodeID")),
                    alive=bool(node.get("Alive")),
                    total=Resources(
                        float(total.get("CPU", 0)),
                        float(total.get("GPU", 0)),
                        int(total.get("memory", 0)),
                    ),
                    free=Resources(
                        float(free.get("CPU", 0)),
                        float(free.get("GPU", 0)),
                        int(free.get("memory", 0)),
                    ),
                    labels={"node_id": str(node.get("NodeID", ""))},
                )
            )
        return views

    async def run_job(self, job: JobOrder) -> RayJob:
        await self._connect()
        options: dict[str, Any] = {
            "num_cpus": job.resources.cpus,
            "num_gpus": job.resources.gpus,
            "max_retries": 0,
        }
        if job.resources.memory_bytes:
            options["memory"] = job.resources.memory_bytes
        ref = self._job_fn.options(**options).remote(list(job.argv), dict(job.env), job.cwd)
        return RayJob(job.name, ref)

    async def close(self) -> None:
        if self._connected:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(_ray().shutdown)
            self._connected = False
