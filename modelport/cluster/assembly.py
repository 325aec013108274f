"""A gateway's engine for each deployment, assembled from the deployment's replicas:

- replicas placed by this process's local runtime are its engine objects themselves; a
  deployment with exactly one such replica (``modelport up``) is served by that engine directly;
- other replicas (another process's, a Ray actor's) get a client of the engine plug-in at their
  endpoint (``connect``), and the deployment a :class:`~modelport.cluster.routing.ReplicaRouter`
  over them (always for scale-to-zero deployments, which must wake);
- an attached server (an engine that places nothing) is started as a client by each gateway.

An engine this assembler did not set (put on the deployment by other code) is left alone. The
registry sync (:mod:`modelport.cluster.sync`) decides when; this decides what.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from pathlib import Path

from modelport.cluster.routing import Member, ReplicaRouter
from modelport.cluster.specs import resolve, spec_from_json
from modelport.domain.deployments import Deployment, DeploymentState
from modelport.domain.keys import KeyVault
from modelport.domain.replicas import Endpoint, Replica, ReplicaState
from modelport.engines.base import Engine, EngineSpec, EngineStartError, EngineState
from modelport.engines.host import EngineHost
from modelport.engines.plugin import PlacedEngineFactory, placeable
from modelport.engines.registry import EngineFactories
from modelport.inference.live import LiveDeployment

log = logging.getLogger("modelport.cluster")

LocalEngines = Callable[[str], Engine | None]
WakeFor = Callable[[str], Awaitable[None]]
AdapterHere = Callable[[Deployment], Awaitable[Path | None]]
"""A fine-tuned deployment's adapter on this machine (written from the database if missing)."""


class EngineAssembler:
    def __init__(
        self,
        *,
        vault: KeyVault,
        engines: EngineFactories,
        host: EngineHost,
        local: LocalEngines | None = None,
        wake: WakeFor | None = None,
        cold_start_wait: float = 120.0,
        adapter_here: AdapterHere | None = None,
    ) -> None:
        self.vault = vault
        self.adapter_here = adapter_here
        self.engines = engines
        self.host = host
        self.local = local or (lambda _: None)
        self.wake = wake
        self.cold_start_wait = cold_start_wait
        self._clients: dict[str, tuple[Endpoint, Engine]] = {}  # replica id -> its client
        self._attached: dict[str, tuple[int, Engine]] = {}  # deployment id -> own client
        self._assigned: dict[str, Engine] = {}  # deployment id -> the engine this set
        self._preparing: set[asyncio.Task[None]] = set()

    async def close(self, lives: Iterable[LiveDeployment]) -> None:
        """Stop what this assembled: clients being prepared, the routers of ``lives``, the
        attached servers' clients."""
        for preparing in list(self._preparing):
            preparing.cancel()
        await asyncio.gather(*self._preparing, return_exceptions=True)
        for live in lives:
            if isinstance(live.engine, ReplicaRouter):
                await live.engine.stop()
        for _, engine in self._attached.values():
            with contextlib.suppress(Exception):
                await engine.stop()
        self._attached.clear()

    async def drop(self, live: LiveDeployment) -> None:
        """The deployment has no engine any more (deleted, being deleted)."""
        engine, live.engine = live.engine, None
        if isinstance(engine, ReplicaRouter):
            await engine.stop()
        attached = self._attached.pop(live.deployment.id, None)
        if attached is not None:
            with contextlib.suppress(Exception):
                await attached[1].stop()

    async def assemble(self, live: LiveDeployment, replicas: list[Replica]) -> None:
        d = live.deployment
        current = live.engine
        if (
            current is not None
            and not isinstance(current, ReplicaRouter)
            and self._assigned.get(d.id) is not current
        ):
            return  # an engine this assembler did not put there (a caller drives its own)
        factory = self.engines.get(d.engine)
        if factory is None:
            return
        placed = placeable(factory)
        if placed is None:  # an attached server: each gateway drives it itself
            await self._attach(live, replicas)
            return
        local = [(r, self.local(r.id)) for r in replicas]
        if (
            len(replicas) == 1
            and local[0][1] is not None
            and not d.scale.scales_to_zero
            and d.scale.instances == 1
        ):
            await self._drop_router(live)
            live.engine = self._assigned[d.id] = local[0][1]
            return
        spec = spec_from_json(dict(d.engine_spec)) if d.engine_spec else None
        members = []
        for replica, engine in local:
            if engine is None:
                if spec is None or replica.url is None or replica.key_ciphertext is None:
                    continue
                endpoint = Endpoint(replica.url, self.vault.decrypt(replica.key_ciphertext))
                engine = self._client(replica.id, endpoint, placed, spec)
                owned = True
            else:
                owned = False
            members.append(
                Member(replica.id, engine, replica.state, replica.node, replica.restarts, owned)
            )
        if not members and not d.scale.scales_to_zero and d.state is not DeploymentState.SUCCEEDED:
            # Nothing to route to yet (a first start, a failure): readiness says which. A
            # deployment that served before keeps its router: requests wait for its replicas.
            await self._drop_router(live)
            live.engine = None
            return
        router = live.engine if isinstance(live.engine, ReplicaRouter) else None
        if router is None:
            router = ReplicaRouter(
                d.name,
                context=spec.context if spec else (live.engine.context if live.engine else 0),
                wake=self._waker(d.id),
                cold_start_wait=self.cold_start_wait,
            )
            live.engine = router
        if spec is not None:
            router.context = spec.context
        router.idle = (
            EngineState.STOPPED
            if d.scale.scales_to_zero and not replicas
            else EngineState.RESTARTING
            if any(r.state is ReplicaState.RESTARTING for r in replicas)
            else EngineState.STARTING
        )
        left = router.update(members)
        for member in left:
            self._clients.pop(member.replica_id, None)
        await router.aclose_members([m for m in left if m.owned])

    def _client(
        self, replica_id: str, endpoint: Endpoint, factory: PlacedEngineFactory, spec: EngineSpec
    ) -> Engine:
        known = self._clients.get(replica_id)
        if known is not None and known[0] == endpoint:
            return known[1]
        engine = factory.connect(spec, endpoint)
        self._clients[replica_id] = (endpoint, engine)
        # Starting a client only prepares it (llama.cpp: counting prompts in this process once
        # proven against the replica); in the background, the replica serves meanwhile.
        task = asyncio.get_running_loop().create_task(self._prepare(engine))
        self._preparing.add(task)
        task.add_done_callback(self._preparing.discard)
        return engine

    @staticmethod
    async def _prepare(engine: Engine) -> None:
        try:
            await asyncio.wait_for(engine.start(), 60)
        except Exception as exc:  # an optimisation only: the engine counts otherwise
            log.debug("replica client not prepared: %s", type(exc).__name__)

    def _waker(self, deployment_id: str) -> Callable[[], Awaitable[None]] | None:
        wake = self.wake
        if wake is None:
            return None

        async def waker() -> None:
            await wake(deployment_id)

        return waker

    async def _drop_router(self, live: LiveDeployment) -> None:
        if isinstance(live.engine, ReplicaRouter):
            router = live.engine
            live.engine = None
            await router.stop()

    async def _attach(self, live: LiveDeployment, replicas: list[Replica]) -> None:
        """An attached server: the local runtime's engine when this process placed it, else a
        client of our own, started once per generation while the deployment has a replica."""
        d = live.deployment
        for replica in replicas:
            engine = self.local(replica.id)
            if engine is not None:
                live.engine = self._assigned[d.id] = engine
                return
        if not replicas:
            live.engine = None
            return
        known = self._attached.get(d.id)
        if known is not None and known[0] == d.generation:
            live.engine = self._assigned[d.id] = known[1]
            return
        offer, adapter = live.offer, live.adapter
        try:
            if adapter is not None and self.adapter_here is not None:
                adapter = await self.adapter_here(d)
            factory, spec = await asyncio.to_thread(
                resolve, replace(d), offer, self.engines, self.vault, self.host, adapter
            )
            engine = await factory.start(spec)
        except EngineStartError as exc:
            log.warning("deployment %s: cannot attach its server here: %s", d.name, exc)
            return
        if known is not None:
            with contextlib.suppress(Exception):
                await known[1].stop()
        self._attached[d.id] = (d.generation, engine)
        live.engine = self._assigned[d.id] = engine
