"""Keeping a gateway's live registry in step with the store (changes seen within a second).

At start the sync loads every deployment; afterwards it follows the change feed: for each new
revision it reads the changes after its cursor and reloads the deployments they name (its row,
keys, content-safety policy and replicas). When the log no longer reaches back to its cursor (it
was pruned while this gateway was away) it reloads everything. A reloaded deployment is updated
in place, so requests holding it see the change. What is not a deployment (managed endpoints,
custom blocklists) is reloaded by the callback given for its change kind (``reloads``).

Each deployment's engine is assembled from its replicas:

- replicas placed by this process's local runtime are its engine objects themselves; a
  deployment with exactly one such replica (``modelport up``) is served by that engine directly;
- other replicas (another process's, a Ray actor's) get a client of the engine plug-in at their
  endpoint (``connect``), and the deployment a :class:`~modelport.cluster.routing.ReplicaRouter`
  over them (always for scale-to-zero deployments, which must wake);
- an attached server (an engine that places nothing) is started as a client by each gateway.

Entries this sync did not load (put in the registry by other code) are left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from modelport.cluster.changes import ChangeFeed
from modelport.cluster.reconciler import OfferOf
from modelport.cluster.routing import Member, ReplicaRouter
from modelport.cluster.specs import resolve, spec_from_json
from modelport.cluster.threads import in_thread_read
from modelport.control.content_safety import default_policy, restore_policy
from modelport.domain.catalog import Catalog, Offer
from modelport.domain.deployments import Deployment, DeploymentState, KeySlot
from modelport.domain.keys import KeyVault
from modelport.domain.replicas import Endpoint, Replica, ReplicaState
from modelport.engines.base import Engine, EngineSpec, EngineStartError, EngineState
from modelport.engines.host import EngineHost
from modelport.engines.plugin import PlacedEngineFactory, placeable
from modelport.engines.registry import EngineFactories
from modelport.inference.live import DeploymentRegistry, LiveDeployment
from modelport.store import cluster as sql
from modelport.store.content_filters import stored_content_filters
from modelport.store.repositories import Store

log = logging.getLogger("modelport.cluster")

LocalEngines = Callable[[str], Engine | None]
# Reloads of what is not a deployment, by the change-log kind that announces a change of it
# (managed endpoints: "endpoint"; custom blocklists: "blocklists"): each reads it all again.
Reload = Callable[[], Awaitable[None]]
WakeFor = Callable[[str], Awaitable[None]]


class _Loaded:
    """What one read of the store says about one deployment."""

    def __init__(
        self,
        deployment: Deployment,
        keys: dict[KeySlot, str],
        safety: dict[str, object] | None,
        replicas: list[Replica],
        offer: Offer | None,
        adapter: Path | None,
    ) -> None:
        self.offer = offer
        self.adapter = adapter
        self.deployment = deployment
        self.keys = keys
        self.safety = safety
        self.replicas = replicas


class RegistrySync:
    def __init__(
        self,
        *,
        store: Store,
        catalog: Catalog,
        vault: KeyVault,
        registry: DeploymentRegistry,
        engines: EngineFactories,
        host: EngineHost,
        feed: ChangeFeed,
        local: LocalEngines | None = None,
        wake: WakeFor | None = None,
        cold_start_wait: float = 120.0,
        offer_of: OfferOf | None = None,
        offer_here: OfferOf | None = None,
        reloads: Mapping[str, Reload] | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.vault = vault
        self.registry = registry
        self.engines = engines
        self.host = host
        self.feed = feed
        self.local = local or (lambda _: None)
        self.wake = wake
        self.cold_start_wait = cold_start_wait
        self.offer_of: OfferOf = offer_of or (lambda _, d: (catalog.get(d.offer_id), None))
        # The same, with a fine-tuned model's adapter written here from the database when this
        # machine lacks it: asked only before this gateway starts an engine itself.
        self.offer_here: OfferOf = offer_here or self.offer_of
        self.reloads: dict[str, Reload] = dict(reloads or {})
        self.cursor = 0
        self.synced_at = 0  # the revision the registry reflects
        self._managed: dict[str, tuple[str, str]] = {}  # deployment id -> (region, name)
        self._clients: dict[str, tuple[Endpoint, Engine]] = {}  # replica id -> its client
        self._attached: dict[str, tuple[int, Engine]] = {}  # deployment id -> own client
        self._assigned: dict[str, Engine] = {}  # deployment id -> the engine this sync set
        self._preparing: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._lock = asyncio.Lock()

    # -- running ------------------------------------------------------------------------------
    async def start(self) -> None:
        self.cursor = self.feed.latest
        await self.load_all()
        self._task = asyncio.create_task(self._follow(), name="registry-sync")

    async def close(self) -> None:
        self._closing = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for preparing in list(self._preparing):
            preparing.cancel()
        await asyncio.gather(*self._preparing, return_exceptions=True)
        for live in self.registry.all():
            if isinstance(live.engine, ReplicaRouter):
                await live.engine.stop()
        for _, engine in self._attached.values():
            with contextlib.suppress(Exception):
                await engine.stop()
        self._attached.clear()

    async def _follow(self) -> None:
        while not self._closing:
            latest = await self.feed.wait_beyond(self.cursor, within=5.0)
            if latest <= self.cursor:
                continue
            try:
                await self.catch_up()
            except SQLAlchemyError as exc:
                log.warning("could not read changes (%s); retrying", type(exc).__name__)
                await asyncio.sleep(1.0)
            except Exception:  # a defect: keep following, say so
                log.exception("registry sync failed; retrying")
                await asyncio.sleep(1.0)

    async def catch_up(self) -> None:
        """Apply the changes after the cursor (everything, when the log lost some)."""
        async with self._lock:
            oldest, changes = await in_thread_read(
                self.store, lambda c: sql.changes_since(c, self.cursor)
            )
            if not changes:
                return
            gap = oldest is not None and oldest > self.cursor + 1 and self.cursor > 0
            others = [c for c in changes if c[1] not in self.reloads]
            if gap or any(deployment_id is None for _, _, deployment_id in others):
                await self._load_all()
            else:
                for kind in dict.fromkeys(k for _, k, _ in changes if k in self.reloads):
                    await self.reloads[kind]()
                for deployment_id in dict.fromkeys(d for _, _, d in others if d is not None):
                    await self._reload(deployment_id)
            self.cursor = changes[-1][0]
            self.synced_at = self.cursor

    async def load_all(self) -> None:
        async with self._lock:
            await self._load_all()

    async def reload(self, deployment_id: str) -> None:
        async with self._lock:
            await self._reload(deployment_id)

    # -- reading ------------------------------------------------------------------------------
    def _read(self, conn: Connection, deployment_id: str | None) -> list[_Loaded]:
        if deployment_id is None:
            deployments = self.store.list_deployments(conn)
        else:
            found = self.store.deployment_by_id(conn, deployment_id)
            deployments = [found] if found is not None else []
        filters = stored_content_filters(conn)
        replicas = sql.active_replicas(conn, deployment_id)
        loaded = []
        for d in deployments:
            keys = {slot: fp for slot, (fp, _) in self.store.keys_of(conn, d.id).items()}
            mine = [r for r in replicas if r.deployment_id == d.id]
            offer, adapter = self.offer_of(conn, d)
            loaded.append(_Loaded(d, keys, filters.get(d.id), mine, offer, adapter))
        return loaded

    async def _load_all(self) -> None:
        for reload in self.reloads.values():
            await reload()
        loaded = await in_thread_read(self.store, lambda c: self._read(c, None))
        seen = set()
        for item in loaded:
            seen.add(item.deployment.id)
            await self._apply(item)
        for deployment_id in [d for d in self._managed if d not in seen]:
            await self._forget(deployment_id)

    async def _reload(self, deployment_id: str) -> None:
        loaded = await in_thread_read(self.store, lambda c: self._read(c, deployment_id))
        if not loaded:
            await self._forget(deployment_id)
            return
        await self._apply(loaded[0])

    async def _forget(self, deployment_id: str) -> None:
        where = self._managed.pop(deployment_id, None)
        if where is None:
            return
        live = self.registry.get(*where)
        if live is not None and live.deployment.id == deployment_id:
            self.registry.remove(*where)
            await self._drop_engine(live)

    async def _drop_engine(self, live: LiveDeployment) -> None:
        engine, live.engine = live.engine, None
        if isinstance(engine, ReplicaRouter):
            await engine.stop()
        attached = self._attached.pop(live.deployment.id, None)
        if attached is not None:
            with contextlib.suppress(Exception):
                await attached[1].stop()

    # -- applying -----------------------------------------------------------------------------
    async def _apply(self, item: _Loaded) -> None:
        d = item.deployment
        offer = item.offer
        if offer is None:
            log.error("deployment %s: offer %s is not in the catalog", d.name, d.offer_id)
            return
        where = (d.region, d.name)
        live = self.registry.get(*where)
        if live is None or live.deployment.id != d.id:
            live = LiveDeployment(d, offer, dict(item.keys))
            self.registry.put(live)
        self._managed[d.id] = where
        live.deployment = d
        live.adapter = item.adapter
        live.fingerprints = dict(item.keys)
        live.progress = d.progress or live.progress
        live.safety = (
            default_policy(live) if item.safety is None else restore_policy(live, item.safety)
        )
        live.replicas = item.replicas
        live.starting = any(r.state is ReplicaState.STARTING for r in item.replicas)
        if d.state is DeploymentState.DELETING:
            await self._drop_engine(live)
            return
        await self._assemble(live, item.replicas)

    async def _assemble(self, live: LiveDeployment, replicas: list[Replica]) -> None:
        d = live.deployment
        current = live.engine
        if (
            current is not None
            and not isinstance(current, ReplicaRouter)
            and self._assigned.get(d.id) is not current
        ):
            return  # an engine this sync did not put there (a caller drives its own)
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
            if adapter is not None:
                adapter = (await in_thread_read(self.store, lambda c: self.offer_here(c, d)))[1]
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
