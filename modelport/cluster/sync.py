"""Keeping a gateway's live registry in step with the store (changes seen within a second).

At start the sync loads every deployment; afterwards it follows the change feed: for each new
revision it reads the changes after its cursor and reloads the deployments they name (its row,
keys, content-safety policy and replicas). When the log no longer reaches back to its cursor (it
was pruned while this gateway was away) it reloads everything. A reloaded deployment is updated
in place, so requests holding it see the change. What is not a deployment (managed endpoints,
custom blocklists) is reloaded by the callback given for its change kind (``reloads``).

Each deployment's engine is assembled from its replicas by an
:class:`~modelport.cluster.assembly.EngineAssembler`.

Entries this sync did not load (put in the registry by other code) are left alone.

This process's own changes are applied to the registry at once by the code that stored them
(the deployment service), while a read of the sync may be under way: a read that began before
such a change is older than it, and applying it would undo the change until the next one (the
regenerated key's predecessor opening the deployment again, a deployment whose DELETE answered
204 shown again). The registry records which entries were changed here since a mark
(:meth:`~modelport.inference.live.DeploymentRegistry.mark`); a deployment changed here after
its read began is read again instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from modelport.cluster.assembly import EngineAssembler, LocalEngines, WakeFor
from modelport.cluster.changes import ChangeFeed
from modelport.cluster.specs import OfferOf
from modelport.cluster.threads import in_thread_read
from modelport.control.content_safety import default_policy, restore_policy
from modelport.domain.catalog import Catalog, Offer
from modelport.domain.deployments import Deployment, DeploymentState, KeySlot
from modelport.domain.keys import KeyVault
from modelport.domain.replicas import Replica, ReplicaState
from modelport.engines.host import EngineHost
from modelport.engines.registry import EngineFactories
from modelport.inference.live import DeploymentRegistry, LiveDeployment
from modelport.store import cluster as sql
from modelport.store.content_filters import stored_content_filters
from modelport.store.repositories import Store

log = logging.getLogger("modelport.cluster")

# Reloads of what is not a deployment, by the change-log kind that announces a change of it
# (managed endpoints: "endpoint"; custom blocklists: "blocklists"): each reads it all again.
Reload = Callable[[], Awaitable[None]]

# Reads of one deployment before giving up on applying it, when each found it changed here
# after the read began (see ``_changed_here``).
_REREADS = 5


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
        self.registry = registry
        self.feed = feed
        self.assembler = EngineAssembler(
            vault=vault,
            engines=engines,
            host=host,
            local=local,
            wake=wake,
            cold_start_wait=cold_start_wait,
            adapter_here=self._adapter_here,
        )
        self.offer_of: OfferOf = offer_of or (lambda _, d: (catalog.get(d.offer_id), None))
        # The same, with a fine-tuned model's adapter written here from the database when this
        # machine lacks it: asked only before this gateway starts an engine itself.
        self.offer_here: OfferOf = offer_here or self.offer_of
        self.reloads: dict[str, Reload] = dict(reloads or {})
        self.cursor = 0
        self.synced_at = 0  # the revision the registry reflects
        self._managed: dict[str, tuple[str, str]] = {}  # deployment id -> (region, name)
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._lock = asyncio.Lock()

    # -- running ------------------------------------------------------------------------------

    async def _adapter_here(self, deployment: Deployment) -> Path | None:
        """A fine-tuned model's adapter on this machine (written from the database if missing)."""
        offer_here = self.offer_here
        return (await in_thread_read(self.store, lambda c: offer_here(c, deployment)))[1]

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
        await self.assembler.close(self.registry.all())

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
        async with self._lock, self._reading():
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
        async with self._lock, self._reading():
            await self._load_all()

    async def reload(self, deployment_id: str) -> None:
        async with self._lock, self._reading():
            await self._reload(deployment_id)

    @contextlib.asynccontextmanager
    async def _reading(self) -> AsyncIterator[None]:
        """One pass of reads and applies (under the lock): what the registry recorded as
        changed here before it began concerns none of its reads."""
        mark = self.registry.mark()
        try:
            yield
        finally:
            self.registry.settle(mark)

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
        mark = self.registry.mark()
        loaded = await in_thread_read(self.store, lambda c: self._read(c, None))
        seen = set()
        for item in loaded:
            seen.add(item.deployment.id)
            if self._changed_here(item, mark):
                await self._reload(item.deployment.id)
            else:
                await self._apply(item)
        for deployment_id in [d for d in self._managed if d not in seen]:
            await self._forget(deployment_id)

    async def _reload(self, deployment_id: str) -> None:
        for _ in range(_REREADS):
            mark = self.registry.mark()
            loaded = await in_thread_read(self.store, lambda c: self._read(c, deployment_id))
            if not loaded:  # forgotten in the store: for good (ids are never reused)
                await self._forget(deployment_id)
                return
            if not self._changed_here(loaded[0], mark):
                await self._apply(loaded[0])
                return
        # Changed here during every read (never seen in practice): what is live is newer.
        log.warning("deployment %s changed here during each read; not reloaded", deployment_id)

    def _changed_here(self, item: _Loaded, mark: int) -> bool:
        """Whether this process changed the deployment's entry after the read began (a key
        regenerated, a deletion completed, a new deployment of the name): the read is older
        than that change, and applying it would undo it until the next change."""
        d = item.deployment
        return self.registry.changed_since(mark, d.region, d.name)

    async def _forget(self, deployment_id: str) -> None:
        where = self._managed.pop(deployment_id, None)
        if where is None:
            return
        live = self.registry.get(*where)
        if live is not None and live.deployment.id == deployment_id:
            self.registry.remove(*where)
            await self.assembler.drop(live)

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
            await self.assembler.drop(live)
            return
        await self.assembler.assemble(live, item.replicas)
