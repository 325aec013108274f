"""The controller: reconciles every deployment's desired replicas onto a runtime.

Any number of processes may run a controller (``modelport controller``, or the one inside
``modelport up``); one is active at a time: the holder of the ``controller`` lease in the
database, renewed every ``ttl / 3`` seconds. When the holder dies its lease expires and another
takes it over within ``ttl`` seconds; a holder that stops cleanly releases it at once.

The active controller runs one reconciler per deployment (:mod:`.reconciler`), kicked by the
change feed (created, deleted, restarted, scaled, woken) and every second for health. On
takeover it adopts the replicas the former holder placed that still run (Ray actors, by name)
and replaces those that died with it (local processes); nothing about a takeover marks a
deployment failed.

Every write a reconciler makes is fenced by the lease, at the epoch it was taken: a holder that
stalled past its lease and wakes up after a takeover has its writes refused, and stands by at
once rather than at its next renewal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from modelport.cluster.changes import ChangeFeed
from modelport.cluster.local_runtime import LocalRuntime
from modelport.cluster.members import Heartbeat
from modelport.cluster.reconciler import Reconciler
from modelport.cluster.reconciler_context import ReconcilerContext
from modelport.cluster.runtime import Runtime
from modelport.cluster.specs import OfferOf
from modelport.cluster.threads import in_thread_read, in_thread_run
from modelport.domain.catalog import Catalog
from modelport.domain.deployments import Deployment
from modelport.domain.keys import KeyVault
from modelport.engines.host import EngineHost
from modelport.engines.registry import EngineFactories
from modelport.engines.supervisor import Backoff
from modelport.store import cluster as sql
from modelport.store.repositories import Store

log = logging.getLogger("modelport.controller")

LEASE = "controller"
# Changes the controller itself makes, or that do not concern placement.
IGNORED = frozenset(
    {"replicas", "keys", "limits", "safety", "progress", "state", "deleted", "endpoint"}
)


@dataclass
class Controller:
    store: Store
    catalog: Catalog
    vault: KeyVault
    engines: EngineFactories
    host: EngineHost
    runtime: Runtime
    feed: ChangeFeed
    heartbeat: Heartbeat
    local: LocalRuntime  # attached servers (nothing to place) always go here
    offer_of: OfferOf
    retry: Backoff = field(default_factory=lambda: Backoff(5.0, 300.0))
    # Periodic work of the active controller, called every ``health_interval`` (each paces
    # itself): the compute meter, the endpoints' shared-quota deadlines.
    duties: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    on_forget: Callable[[Connection, Deployment], None] | None = None
    host_of: Callable[[Deployment], EngineHost] | None = None  # see ReconcilerContext
    ttl: float = 5.0
    health_interval: float = 1.0
    active: bool = False
    epoch: int = 0
    took_over_at: float | None = None
    _reconcilers: dict[str, Reconciler] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _lease_task: asyncio.Task[None] | None = None
    _lease_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _recheck: asyncio.Task[None] | None = None
    _cursor: int = 0
    closing: bool = False
    node_status: list[dict[str, Any]] = field(default_factory=list)

    @property
    def holder(self) -> str:
        return self.heartbeat.id

    def context(self) -> ReconcilerContext:
        holder, epoch = self.holder, self.epoch  # a takeover makes new reconcilers

        def fence(conn: Connection) -> bool:
            return sql.holds_lease(conn, LEASE, holder, epoch)

        return ReconcilerContext(
            store=self.store,
            catalog=self.catalog,
            vault=self.vault,
            engines=self.engines,
            host=self.host,
            runtime=self.runtime,
            local=self.local,
            feed=self.feed,
            owner=self.holder,
            retry=self.retry,
            members_within=self.heartbeat.live_within,
            offer_of=self.offer_of,
            on_forget=self.on_forget,
            host_of=self.host_of,
            fence=fence,
            lease_lost=self._lease_lost,
        )

    def _lease_lost(self) -> None:
        """A reconciler's write was refused: ask the lease now (standing by when it is lost)."""
        if self.closing or (self._recheck is not None and not self._recheck.done()):
            return
        self._recheck = asyncio.get_running_loop().create_task(
            self._lease_once(), name="controller-lease-recheck"
        )

    # -- lease ------------------------------------------------------------------------------
    async def start(self) -> None:
        await self._lease_once()
        self._lease_task = asyncio.create_task(self._lease_loop(), name="controller-lease")

    async def _lease_loop(self) -> None:
        while not self.closing:
            await asyncio.sleep(self.ttl / 3)
            await self._lease_once()

    async def _lease_once(self) -> None:
        async with self._lease_lock:
            await self._lease_once_locked()

    async def _lease_once_locked(self) -> None:
        try:
            epoch = await in_thread_run(
                self.store, lambda c: sql.acquire_lease(c, LEASE, self.holder, self.ttl)
            )
        except SQLAlchemyError as exc:
            # Not lost: nobody else can renew it either while the database is away. Keep the
            # replicas serving; the lease says who acts once it is back.
            log.warning("controller lease not renewed (%s)", type(exc).__name__)
            return
        if epoch is not None and self.active and epoch != self.epoch:
            # Lost and taken back between two renewals: the reconcilers' writes are fenced by
            # the former epoch; new ones, after a takeover of our own.
            log.warning("controller lease lost and taken back (epoch %d): taking over", epoch)
            await self._stand_down(stop_local=True)
        if epoch is not None and not self.active:
            self.epoch = epoch
            await self._take_over()
        elif epoch is None and self.active:
            log.warning("controller lease lost to another holder: standing by")
            await self._stand_down(stop_local=True)

    async def _take_over(self) -> None:
        self.active = True
        self.took_over_at = time.monotonic()
        log.info(
            "controller %s is active (epoch %d, runtime %s)",
            self.holder,
            self.epoch,
            self.runtime.name,
        )
        self._cursor = self.feed.latest
        deployments = await in_thread_read(self.store, self.store.list_deployments)
        for d in deployments:
            self._reconciler(d.id).kick()
        self._tasks = [
            asyncio.create_task(self._follow(), name="controller-follow"),
            asyncio.create_task(self._sweep(), name="controller-sweep"),
        ]

    async def _stand_down(self, *, stop_local: bool) -> None:
        self.active = False
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        reconcilers, self._reconcilers = list(self._reconcilers.values()), {}
        await asyncio.gather(
            *(r.close(stop_replicas=stop_local) for r in reconcilers), return_exceptions=True
        )

    # -- following --------------------------------------------------------------------------
    def _reconciler(self, deployment_id: str) -> Reconciler:
        found = self._reconcilers.get(deployment_id)
        if found is None or found.done:
            found = self._reconcilers[deployment_id] = Reconciler(deployment_id, self.context())
            found.start()
        return found

    async def _follow(self) -> None:
        while self.active:
            latest = await self.feed.wait_beyond(self._cursor, within=5.0)
            if latest <= self._cursor:
                continue
            try:
                _, changes = await in_thread_read(
                    self.store, lambda c: sql.changes_since(c, self._cursor)
                )
            except SQLAlchemyError:
                await asyncio.sleep(1.0)
                continue
            for _, kind, deployment_id in changes:
                if kind in IGNORED:
                    continue
                if deployment_id is None:
                    for d in await in_thread_read(self.store, self.store.list_deployments):
                        self._reconciler(d.id).kick()
                else:
                    self._reconciler(deployment_id).kick()
            if changes:
                self._cursor = changes[-1][0]

    async def _sweep(self) -> None:
        """Health: every reconciler looks at its replicas every ``health_interval`` seconds;
        finished ones are dropped; old changes are pruned now and then."""
        pruned_at = time.monotonic()
        nodes_at = 0.0
        while self.active:
            if time.monotonic() - nodes_at > 10:
                nodes_at = time.monotonic()
                with contextlib.suppress(Exception):
                    self.node_status = await asyncio.wait_for(self.nodes(), 10)
            await asyncio.sleep(self.health_interval)
            for duty in self.duties:
                try:
                    await duty()
                except SQLAlchemyError as exc:
                    log.warning("controller duty deferred (%s)", type(exc).__name__)
            for deployment_id, reconciler in list(self._reconcilers.items()):
                if reconciler.done:
                    self._reconcilers.pop(deployment_id, None)
                else:
                    reconciler.kick()
            if time.monotonic() - pruned_at > 600:
                pruned_at = time.monotonic()
                with contextlib.suppress(SQLAlchemyError):
                    from datetime import timedelta

                    await in_thread_run(
                        self.store, lambda c: sql.prune_changes(c, timedelta(days=1))
                    )

    # -- status -----------------------------------------------------------------------------
    async def nodes(self) -> list[dict[str, Any]]:
        found = []
        for node in await self.runtime.nodes():
            found.append(
                {
                    "name": node.name,
                    "alive": node.alive,
                    "cpus": node.total.cpus,
                    "gpus": node.total.gpus,
                    "memory_bytes": node.total.memory_bytes,
                    "free_cpus": node.free.cpus,
                    "free_gpus": node.free.gpus,
                    "free_memory_bytes": node.free.memory_bytes,
                    "labels": dict(node.labels),
                }
            )
        return found

    def replica_count(self) -> int:
        return sum(len(r.handles) for r in self._reconcilers.values())

    # -- stopping ---------------------------------------------------------------------------
    async def close(self) -> None:
        """Stop reconciling; replicas on this host stop with us (local runtime), replicas on a
        cluster keep serving for the next controller; the lease is released at once."""
        self.closing = True
        for task in (self._lease_task, self._recheck):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._lease_task = self._recheck = None
        was_active = self.active
        await self._stand_down(stop_local=True)
        if was_active:
            with contextlib.suppress(SQLAlchemyError):
                await in_thread_run(self.store, lambda c: sql.release_lease(c, LEASE, self.holder))
        await self.runtime.close()
