"""Keeping a gateway's live registry in step with the store (changes seen within a second).

At start the sync loads every deployment; afterwards it follows the change feed: for each new
revision it reads the changes after its cursor and reloads the deployments they name (its row,
keys, content-safety policy and replicas). When the log no longer reaches back to its cursor (it
was pruned while this gateway was away) it reloads everything. A reloaded deployment is updated
in place, so requests holding it see the change. What is not a deployment (managed endpoints,
custom blocklists) is read by the reader given for its change kind (``reloads``).

One pass shows one state of the store, never a mix: it reads the changes, the deployments they
name and what else they name in one snapshot (:meth:`Store.snapshot`), then puts all of it in
place in one step without an await, so a request sees the registries as they were before the
pass or as they are after it (never, say, an expired endpoint gone while its deployment still
answers). Only then are engines assembled or stopped (which awaits); a request routed meanwhile
meets the new state with the engine it had, as it would while any engine starts.

The registry's own changes are applied by the code that stored them (the deployment service),
while a pass may be reading: a pass whose snapshot began before such a change is older than it,
and putting its read of that deployment in place would undo the change until the next pass (a
regenerated key's predecessor opening the deployment again, a deployment whose DELETE answered
204 shown again). The registry records which entries were changed here since a mark
(:meth:`~modelport.inference.live.DeploymentRegistry.mark`); a pass leaves such an entry as it
is and reads that deployment again in a snapshot of its own.

Each deployment's engine is assembled from its replicas by an
:class:`~modelport.cluster.assembly.EngineAssembler`.

Entries this sync did not load (put in the registry by other code) are left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from modelport.cluster.assembly import EngineAssembler, LocalEngines, WakeFor
from modelport.cluster.changes import ChangeFeed
from modelport.cluster.snapshots import Apply, SnapshotRead
from modelport.cluster.specs import OfferOf
from modelport.cluster.threads import in_thread_read, in_thread_snapshot
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

_CHANGES_A_PASS = 10_000
# Further reads of a deployment changed here while a pass read it, before the pass leaves it as
# it is (each read finding it changed here again: never seen in practice).
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


class _Pass:
    """What one pass read in its snapshot: what puts the other kinds' reads in place, the
    deployments read, and those named but gone (``None``: every deployment was read)."""

    def __init__(self, others: list[Apply], loaded: list[_Loaded], gone: list[str] | None) -> None:
        self.others = others
        self.loaded = loaded
        self.gone = gone
        self.revision = 0  # the last change it read (a pass that follows the change log)


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
        reloads: Mapping[str, SnapshotRead] | None = None,
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
        # Readers of what is not a deployment, by the change-log kind that announces a change of
        # it (managed endpoints: "endpoint"; custom blocklists: "blocklists"): each reads all of
        # it in the pass's snapshot.
        self.reloads: dict[str, SnapshotRead] = dict(reloads or {})
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
        async with self._lock:
            cursor = self.cursor
            mark = self.registry.mark()
            try:
                read = await in_thread_snapshot(self.store, lambda c: self._read_changes(c, cursor))
                if read is None:
                    return
                await self._put_in_place(read, mark)
            finally:
                self.registry.settle(mark)
            self.cursor = read.revision
            self.synced_at = self.cursor

    async def load_all(self) -> None:
        async with self._lock:
            mark = self.registry.mark()
            try:
                await self._put_in_place(await in_thread_snapshot(self.store, self._read_all), mark)
            finally:
                self.registry.settle(mark)

    async def reload(self, deployment_id: str) -> None:
        """Show ``deployment_id`` as stored now (after a change made here): with every change
        before it, in one pass, never the deployment alone ahead of what it belongs with."""
        del deployment_id  # the pass reads it: its change is in the log
        await self.catch_up()

    # -- reading (one snapshot a pass) -------------------------------------------------------
    def _read_changes(self, conn: Connection, cursor: int) -> _Pass | None:
        oldest, changes = sql.changes_since(conn, cursor, limit=_CHANGES_A_PASS)
        if not changes:
            return None
        gap = oldest is not None and oldest > cursor + 1 and cursor > 0
        # More changes than a pass reads: what the rest name is read too (the snapshot has it).
        more = len(changes) >= _CHANGES_A_PASS
        others = [c for c in changes if c[1] not in self.reloads]
        if gap or more or any(deployment_id is None for _, _, deployment_id in others):
            read = self._read_all(conn)
        else:
            kinds = list(dict.fromkeys(k for _, k, _ in changes if k in self.reloads))
            ids = list(dict.fromkeys(d for _, _, d in others if d is not None))
            read = self._read_some(conn, ids, kinds)
        read.revision = changes[-1][0]
        return read

    def _read_all(self, conn: Connection) -> _Pass:
        others = [reader(conn) for reader in self.reloads.values()]
        return _Pass(others, self._read(conn, None), gone=None)

    def _read_some(self, conn: Connection, ids: list[str], kinds: Sequence[str] = ()) -> _Pass:
        others = [self.reloads[kind](conn) for kind in kinds]
        loaded = [item for i in ids for item in self._read(conn, i)]
        found = {item.deployment.id for item in loaded}
        return _Pass(others, loaded, gone=[i for i in ids if i not in found])

    def _read(self, conn: Connection, deployment_id: str | None) -> list[_Loaded]:
        if deployment_id is None:
            deployments = self.store.list_deployments(conn)
        else:
            found = self.store.deployment_by_id(conn, deployment_id)
            deployments = [found] if found is not None else []
        if not deployments:
            return []
        filters = stored_content_filters(conn)
        replicas = sql.active_replicas(conn, deployment_id)
        loaded = []
        for d in deployments:
            keys = {slot: fp for slot, (fp, _) in self.store.keys_of(conn, d.id).items()}
            mine = [r for r in replicas if r.deployment_id == d.id]
            offer, adapter = self.offer_of(conn, d)
            loaded.append(_Loaded(d, keys, filters.get(d.id), mine, offer, adapter))
        return loaded

    # -- applying -----------------------------------------------------------------------------
    async def _put_in_place(self, read: _Pass, mark: int) -> None:
        """What ``read`` says, then what a deployment changed here meanwhile (since ``mark``)
        says when read again."""
        changed_here = await self._apply(read, mark)
        for _ in range(_REREADS):
            if not changed_here:
                return
            mark = self.registry.mark()
            again = await in_thread_snapshot(self.store, partial(self._read_some, ids=changed_here))
            changed_here = await self._apply(again, mark)
        log.warning("deployments %s changed here during each read; left as they are", changed_here)

    async def _apply(self, read: _Pass, mark: int) -> list[str]:
        """Everything a request sees, in one step (no await); then the engines. The ids of
        the deployments left as they are because they were changed here after ``mark``."""
        for apply in read.others:
            apply()
        changed_here = [
            item.deployment.id
            for item in read.loaded
            if self.registry.changed_since(mark, item.deployment.region, item.deployment.name)
        ]
        assemble = [
            (live, item)
            for item in read.loaded
            if item.deployment.id not in changed_here and (live := self._show(item))
        ]
        gone = read.gone
        if gone is None:  # everything was read: what is not there any more is gone
            seen = {item.deployment.id for item in read.loaded}
            gone = [d for d in self._managed if d not in seen]
        dropped = [live for d in gone if (live := self._hide(d)) is not None]
        # The engines: assembled or stopped now that the registry shows the new state.
        for live in dropped:
            await self.assembler.drop(live)
        for live, item in assemble:
            if live.deployment.state is DeploymentState.DELETING:
                await self.assembler.drop(live)
            else:
                await self.assembler.assemble(live, item.replicas)
        return changed_here

    def _hide(self, deployment_id: str) -> LiveDeployment | None:
        """Out of the registry (its engine is the caller's to drop)."""
        where = self._managed.pop(deployment_id, None)
        if where is None:
            return None
        live = self.registry.get(*where)
        if live is None or live.deployment.id != deployment_id:
            return None
        self.registry.remove(*where)
        return live

    def _show(self, item: _Loaded) -> LiveDeployment | None:
        """The registry's entry updated to ``item`` (its engine is the caller's to assemble)."""
        d = item.deployment
        offer = item.offer
        if offer is None:
            log.error("deployment %s: offer %s is not in the catalog", d.name, d.offer_id)
            return None
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
        return live
