"""Every write of a reconciler is fenced by the controller lease, on SQLite and PostgreSQL: a
former controller that stalled past a takeover and wakes up has its writes refused, and the new
holder's progress, state and replica rows stand.

- its engine's start fails after the takeover: the deployment is not marked failed, the row the
  new holder recorded gone is not rewritten;
- its stale view of a replica the new holder adopted (restarts, an error) is not written, and its
  reconciler stops acting (no retry) and tells its controller;
- a start of its that is cancelled (a scale-down) does not record stopped a replica the new holder
  adopted meanwhile;
- a replica of its that the new holder recorded gone is noticed by its health look: dropped and
  its engine stopped, not kept as a ghost.

The runtimes are fakes (:mod:`tests.store.takeover_support`); the store, the reconciler and its
record are the product's.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from modelport.domain.deployments import Deployment, DeploymentState
from modelport.domain.replicas import Replica, ReplicaState
from modelport.store import cluster as sql
from modelport.store.repositories import Store
from tests.store.takeover_support import (
    FakeHandle,
    former_holder_loading,
    former_holder_serving,
    live_rows,
    make_deployment,
    make_reconciler,
    runtime_of,
    settle,
    until,
)

pytestmark = pytest.mark.anyio


def _deployment_now(store: Store, d: Deployment) -> Deployment:
    found = store.read(lambda c: store.deployment_by_id(c, d.id))
    assert found is not None
    return found


def _row(store: Store, d: Deployment, replica_id: str) -> Replica:
    rows = store.read(lambda c: sql.replica_history(c, d.id))
    (row,) = [r for r in rows if r.id == replica_id]
    return row


def _served_by_new(store: Store, d: Deployment) -> None:
    now = _deployment_now(store, d)
    assert (now.state, now.progress, now.failure_reason) == (
        DeploymentState.SUCCEEDED,
        "ready",
        None,
    )


async def test_a_start_failing_after_the_takeover_does_not_mark_the_deployment_failed(
    store: Store,
) -> None:
    d = make_deployment(store)
    lost: list[str] = []
    old, old_id, resolving = await former_holder_loading(
        store, d, lost, fail="the engine exited while loading"
    )

    new = make_reconciler(store, d, "new", resolving)  # the lease taken over
    runtime_of(new).gate.set()
    await new._pass()  # no process for the former's row here: gone; it places its own
    await settle(new)
    _served_by_new(store, d)

    runtime_of(old).gate.set()  # the former holder wakes up: its engine's start failed
    await settle(old)
    _served_by_new(store, d)
    assert [(o, owner) for o, owner, _ in live_rows(store, d)] == [(0, "new")]
    gone = _row(store, d, old_id)
    assert (gone.state, gone.last_error) == (ReplicaState.STOPPED, "gone with a former controller")
    assert old.lost and lost == ["old"]


async def test_a_stale_health_report_is_refused_and_the_former_holder_stops_acting(
    store: Store,
) -> None:
    d = make_deployment(store)
    lost: list[str] = []
    old, rid, resolving = await former_holder_serving(store, d, lost)

    new = make_reconciler(store, d, "new", resolving)  # the lease taken over
    runtime_of(new).started[rid] = FakeHandle(rid)  # found by name, as Ray's actors are
    await new._pass()
    assert set(new.handles) == {rid}
    _served_by_new(store, d)

    stale = old.handles[rid].handle
    assert isinstance(stale, FakeHandle)
    stale.restarts, stale.last_error = 3, "unreachable from the former holder"
    old.start()
    old.kick()
    task = old._task
    assert task is not None
    stopped_acting = await until(task.done)

    row = _row(store, d, rid)
    assert (row.state, row.restarts, row.last_error, row.stopped_at) == (
        ReplicaState.READY,
        0,
        None,
        None,
    )
    _served_by_new(store, d)
    assert stopped_acting and old.lost and lost == ["old"]  # no retry: the task ended
    # Its row is live (the new holder's now): left to the stand-down, not stopped here.
    assert not stale.stopped and set(old.handles) == {rid}
    await old.close(stop_replicas=False)


async def test_a_cancelled_start_does_not_stop_the_replica_the_new_holder_adopted(
    store: Store,
) -> None:
    d = make_deployment(store)
    lost: list[str] = []
    old, rid, resolving = await former_holder_loading(store, d, lost)  # its engine loading

    new = make_reconciler(store, d, "new", resolving)  # the lease taken over
    runtime_of(new).started[rid] = FakeHandle(rid)  # the loading actor, found by name
    await new._pass()  # adopted, ready
    assert set(new.handles) == {rid}
    _served_by_new(store, d)

    # The former holder, awake, acts on a scale-down it had decided: its start is cancelled.
    old._dropped.add(rid)
    old.pending[rid][2].cancel()
    await asyncio.gather(*(t for _, _, t in list(old.pending.values())), return_exceptions=True)

    assert live_rows(store, d) == [(0, "old", ReplicaState.READY)]  # placed by old, new's now
    _served_by_new(store, d)
    assert old.lost and lost == ["old"]


async def test_the_former_holder_notices_its_replica_recorded_gone(store: Store) -> None:
    d = make_deployment(store)
    lost: list[str] = []
    old, rid, _ = await former_holder_serving(store, d, lost)
    engine = runtime_of(old).started[rid]

    placing = threading.Event()  # the new holder's own start waits: nothing placed yet
    new = make_reconciler(store, d, "new", placing)  # the lease taken over
    runtime_of(new).gate.set()
    await new._pass()  # no process of that replica in its runtime: recorded gone
    assert live_rows(store, d) == []

    await old._pass()  # the former holder wakes up: its health look
    assert engine.stopped and old.handles == {}  # no ghost kept, its engine stopped once
    await settle(old)  # the start it then tried was refused: it stops acting
    assert old.lost and lost == ["old"]
    assert _row(store, d, rid).last_error == "gone with a former controller"

    placing.set()
    await settle(new)
    assert live_rows(store, d) == [(0, "new", ReplicaState.READY)]
    _served_by_new(store, d)
