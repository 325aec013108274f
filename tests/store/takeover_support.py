"""Two controllers' reconcilers on one deployment, for the takeover tests: fake runtimes (each
controller's own replicas, as local processes), the controller lease taken over, a deployment,
and what the store holds of its live replicas. The store, the reconciler and its record are the
product's."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa

from modelport.cluster.changes import ChangeFeed
from modelport.cluster.controller import LEASE
from modelport.cluster.reconciler import Reconciler
from modelport.cluster.reconciler_context import ReconcilerContext
from modelport.cluster.runtime import ReplicaOrder
from modelport.domain.deployments import Deployment, DeploymentState
from modelport.domain.replicas import Endpoint, Replica, ReplicaState
from modelport.engines.base import EngineSpec, EngineStartError
from modelport.engines.supervisor import Backoff
from modelport.store import cluster as sql
from modelport.store.cluster_tables import cluster_leases
from modelport.store.repositories import Store
from modelport.store.values import new_id, now


@dataclass
class FakeHandle:
    replica_id: str
    handle: str | None = None
    node: str | None = "here"
    restarts: int = 0
    last_error: str | None = None
    stopped: bool = False

    @property
    def state(self) -> ReplicaState:
        return ReplicaState.STOPPED if self.stopped else ReplicaState.READY

    @property
    def endpoint(self) -> Endpoint | None:
        return None

    @property
    def engine(self) -> None:
        return None

    async def refresh(self) -> None:
        return None

    async def stop(self) -> None:
        self.stopped = True


@dataclass
class FakeRuntime:
    """One controller's runtime: its own replicas only (as the local runtime's processes)."""

    name: str = "local"
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    started: dict[str, FakeHandle] = field(default_factory=dict)
    fail: str | None = None  # the engine's start fails with this, once the gate opens
    asked: list[str] = field(default_factory=list)  # the replicas it was asked to start

    async def start(self, order: ReplicaOrder) -> FakeHandle:
        self.asked.append(order.replica_id)
        await self.gate.wait()
        if self.fail is not None:
            raise EngineStartError(self.fail)
        self.started[order.replica_id] = found = FakeHandle(order.replica_id)
        return found

    async def adopt(self, replica: Replica, api_key: str) -> FakeHandle | None:
        return self.started.get(replica.id)


class Factory:
    name = label = "fake"


def take_lease(store: Store, holder: str) -> int:
    """``holder`` takes the controller lease over (the former holder's expired)."""

    def take(conn: Any) -> int | None:
        conn.execute(sa.update(cluster_leases).values(expires_at=now() - timedelta(seconds=1)))
        return sql.acquire_lease(conn, LEASE, holder, ttl=3600)

    epoch = store.run(take)
    assert epoch is not None
    return epoch


def make_reconciler(
    store: Store,
    d: Deployment,
    owner: str,
    resolving: threading.Event,
    lost: list[str] | None = None,
) -> Reconciler:
    """``owner``'s reconciler of ``d``, under the lease it takes now (a takeover of the former
    holder's); ``lost`` is told its owner when a write was refused (the controller's hook)."""
    runtime = FakeRuntime()
    epoch = take_lease(store, owner)

    def fence(conn: Any) -> bool:
        return sql.holds_lease(conn, LEASE, owner, epoch)

    ctx = ReconcilerContext(
        store=store,
        catalog=cast(Any, None),
        vault=cast(Any, None),
        engines=cast(Any, None),
        host=cast(Any, None),
        runtime=cast(Any, runtime),
        local=cast(Any, runtime),
        feed=ChangeFeed(store),
        owner=owner,
        retry=Backoff(5.0, 300.0),
        members_within=10.0,
        offer_of=cast(Any, None),
        fence=fence,
        lease_lost=None if lost is None else lambda: lost.append(owner),
    )
    reconciler = Reconciler(d.id, ctx)
    spec = EngineSpec(deployment=d.name, engine="fake", model="m", context=512)

    def resolve(_: Deployment) -> tuple[Any, EngineSpec]:
        assert resolving.wait(30)
        return Factory(), spec

    reconciler._resolve = resolve  # type: ignore[method-assign]
    return reconciler


def runtime_of(r: Reconciler) -> FakeRuntime:
    return cast(FakeRuntime, r.ctx.runtime)


def make_deployment(store: Store) -> Deployment:
    def create(conn: Any) -> Deployment:
        project = store.create_project(conn, "p", "local")
        d = Deployment(
            id=new_id(),
            name="chat",
            project_id=project.id,
            region="local",
            offer_id="offer",
            subscription_id=None,
            state=DeploymentState.CREATING,
            created_at=now(),
        )
        store.create_deployment(conn, d)
        return d

    return store.run(create)


async def settle(*reconcilers: Reconciler) -> None:
    for r in reconcilers:
        await asyncio.gather(*(t for _, _, t in list(r.pending.values())))


def live_rows(store: Store, d: Deployment) -> list[tuple[int, str, ReplicaState]]:
    rows = store.read(lambda c: sql.active_replicas(c, d.id))
    return [(r.ordinal, r.owner, r.state) for r in rows]


async def until(condition: Callable[[], bool], within: float = 15.0) -> bool:
    """Whether ``condition`` came true within ``within`` seconds (asked every 10 ms)."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def former_holder_serving(
    store: Store, d: Deployment, lost: list[str]
) -> tuple[Reconciler, str, threading.Event]:
    """The controller "old" with one replica of ``d`` started and ready (its pass done), the
    id of that replica, and the event that lets reconcilers resolve their offer (set)."""
    resolving = threading.Event()
    resolving.set()
    old = make_reconciler(store, d, "old", resolving, lost)
    runtime_of(old).gate.set()
    await old._pass()
    await settle(old)
    (rid,) = old.handles
    return old, rid, resolving


async def former_holder_loading(
    store: Store, d: Deployment, lost: list[str], *, fail: str | None = None
) -> tuple[Reconciler, str, threading.Event]:
    """The controller "old" with the start of one replica of ``d`` under way (the row inserted,
    its engine loading until its runtime's gate opens; failing with ``fail`` then, if given),
    the id of that replica, and the event that lets reconcilers resolve their offer (set)."""
    resolving = threading.Event()
    resolving.set()
    old = make_reconciler(store, d, "old", resolving, lost)
    runtime_of(old).fail = fail
    await old._pass()
    assert await until(lambda: bool(runtime_of(old).asked))  # its engine loading
    (rid,) = old.pending
    return old, rid, resolving
