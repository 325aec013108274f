"""Two controllers' reconcilers on one deployment at once, on SQLite and PostgreSQL: the moment
of a takeover while the former holder, stalled, has not noticed it lost the lease yet.

- both read the deployment's replicas before either inserted one, both find ordinal 0 missing:
  one replica is placed, the new holder's (the former holder's insert is fenced by the lease it
  lost; the database's unique index of live ordinals would refuse it too), the former holder
  starts nothing, and its next look does not record the new holder's replica gone;
- the new holder looks at a replica the former one is still starting, finds no process for it
  yet and records it gone, then places its own: the former holder's start, once finished, is
  stopped rather than left serving beside it, unmanaged.

The runtimes are fakes; the store, the reconciler and its record are the product's.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, cast

import pytest
import sqlalchemy as sa

from modelport.cluster.changes import ChangeFeed
from modelport.cluster.controller import LEASE
from modelport.cluster.reconciler import Reconciler
from modelport.cluster.reconciler_context import ReconcilerContext
from modelport.cluster.runtime import ReplicaOrder
from modelport.domain.deployments import Deployment, DeploymentState
from modelport.domain.replicas import Endpoint, Replica, ReplicaState, Scale
from modelport.engines.base import EngineSpec
from modelport.engines.supervisor import Backoff
from modelport.store import cluster as sql
from modelport.store.cluster_tables import cluster_leases
from modelport.store.repositories import Store
from modelport.store.values import new_id, now

pytestmark = pytest.mark.anyio


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

    async def start(self, order: ReplicaOrder) -> FakeHandle:
        await self.gate.wait()
        self.started[order.replica_id] = found = FakeHandle(order.replica_id)
        return found

    async def adopt(self, replica: Replica, api_key: str) -> FakeHandle | None:
        return self.started.get(replica.id)


class Factory:
    name = label = "fake"


def _take_lease(store: Store, holder: str) -> int:
    """``holder`` takes the controller lease over (the former holder's expired)."""

    def take(conn: Any) -> int | None:
        conn.execute(sa.update(cluster_leases).values(expires_at=now() - timedelta(seconds=1)))
        return sql.acquire_lease(conn, LEASE, holder, ttl=3600)

    epoch = store.run(take)
    assert epoch is not None
    return epoch


def _reconciler(store: Store, d: Deployment, owner: str, resolving: threading.Event) -> Reconciler:
    runtime = FakeRuntime()
    epoch = _take_lease(store, owner)

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
    )
    reconciler = Reconciler(d.id, ctx)
    spec = EngineSpec(deployment=d.name, engine="fake", model="m", context=512)

    def resolve(_: Deployment) -> tuple[Any, EngineSpec]:
        assert resolving.wait(30)
        return Factory(), spec

    reconciler._resolve = resolve  # type: ignore[method-assign]
    return reconciler


def _runtime(r: Reconciler) -> FakeRuntime:
    return cast(FakeRuntime, r.ctx.runtime)


def _deployment(store: Store) -> Deployment:
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


async def _settle(*reconcilers: Reconciler) -> None:
    for r in reconcilers:
        await asyncio.gather(*(t for _, _, t in list(r.pending.values())))


def _live(store: Store, d: Deployment) -> list[tuple[int, str, ReplicaState]]:
    rows = store.read(lambda c: sql.active_replicas(c, d.id))
    return [(r.ordinal, r.owner, r.state) for r in rows]


async def test_two_controllers_that_both_found_ordinal_0_missing_place_one(store: Store) -> None:
    d = _deployment(store)
    resolving = threading.Event()  # both decide before either inserts its row
    old = _reconciler(store, d, "old", resolving)
    _runtime(old).gate.set()
    await old._pass()
    new = _reconciler(store, d, "new", resolving)  # the lease taken over
    _runtime(new).gate.set()
    await new._pass()
    assert [o for o, _, _ in old.pending.values()] == [o for o, _, _ in new.pending.values()] == [0]
    resolving.set()
    await _settle(old, new)

    assert _live(store, d) == [(0, "new", ReplicaState.READY)]
    assert len(_runtime(new).started) == 1 and len(new.handles) == 1
    assert _runtime(old).started == {} and old.handles == {}  # it started nothing
    assert len(store.read(lambda c: sql.replica_history(c, d.id))) == 1
    # Its next pass: no process of that replica here, but not its to record gone any more.
    await old._pass()
    assert _live(store, d) == [(0, "new", ReplicaState.READY)]
    assert _runtime(old).started == {} and not old.pending


async def test_a_replica_the_new_holder_recorded_gone_is_stopped_by_the_former_one(
    store: Store,
) -> None:
    d = _deployment(store)
    resolving = threading.Event()
    resolving.set()
    old = _reconciler(store, d, "old", resolving)
    await old._pass()  # its start: the row inserted, the engine still loading
    for _ in range(200):
        if _live(store, d):
            break
        await asyncio.sleep(0.01)
    assert [(o, owner) for o, owner, _ in _live(store, d)] == [(0, "old")]

    new = _reconciler(store, d, "new", resolving)  # the lease taken over
    _runtime(new).gate.set()
    await new._pass()  # no process for that row in its runtime: gone; it places its own
    await _settle(new)
    assert [(o, owner) for o, owner, _ in _live(store, d)] == [(0, "new")]

    _runtime(old).gate.set()  # the former holder's engine is loaded now
    await _settle(old)
    (handle,) = _runtime(old).started.values()
    assert handle.stopped and old.handles == {}
    assert _live(store, d) == [(0, "new", ReplicaState.READY)]


async def test_a_scale_up_does_not_reuse_an_ordinal_whose_cancelled_start_still_runs(
    store: Store,
) -> None:
    """Scaled 2 -> 1 -> 2 quickly: ordinal 1's cancelled start has not recorded its replica
    stopped yet, so its row still holds the ordinal; the scale-up waits for it."""
    d = replace(_deployment(store), scale=Scale(instances=2))
    resolving = threading.Event()
    r = _reconciler(store, d, "c", resolving)
    stopping: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    r.pending["cancelled"] = (1, d.generation, cast(Any, stopping))
    r._dropped.add("cancelled")
    launched: list[int] = []
    r._launch = lambda _, ordinal: launched.append(ordinal)  # type: ignore[method-assign]
    await r._scale(d, None)
    assert launched == [0]
    stopping.set_result(None)
