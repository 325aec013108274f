"""Two controllers' reconcilers on one deployment at once, on SQLite and PostgreSQL: the moment
of a takeover while the former holder, stalled, has not noticed it lost the lease yet.

- both read the deployment's replicas before either inserted one, both find ordinal 0 missing:
  one replica is placed, the new holder's (the former holder's insert is fenced by the lease it
  lost; the database's unique index of live ordinals would refuse it too), the former holder
  starts nothing, and its next look does not record the new holder's replica gone (the write
  is refused: it stops acting);
- the new holder looks at a replica the former one is still starting, finds no process for it
  yet and records it gone, then places its own: the former holder's start, once finished, is
  stopped rather than left serving beside it, unmanaged.

The runtimes are fakes (:mod:`tests.store.takeover_support`); the store, the reconciler and its
record are the product's.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from typing import Any, cast

import pytest

from modelport.cluster.record import LeaseLost
from modelport.domain.replicas import ReplicaState, Scale
from modelport.store import cluster as sql
from modelport.store.repositories import Store
from tests.store.takeover_support import (
    live_rows,
    make_deployment,
    make_reconciler,
    runtime_of,
    settle,
)

pytestmark = pytest.mark.anyio


async def test_two_controllers_that_both_found_ordinal_0_missing_place_one(store: Store) -> None:
    d = make_deployment(store)
    resolving = threading.Event()  # both decide before either inserts its row
    old = make_reconciler(store, d, "old", resolving)
    runtime_of(old).gate.set()
    await old._pass()
    new = make_reconciler(store, d, "new", resolving)  # the lease taken over
    runtime_of(new).gate.set()
    await new._pass()
    assert [o for o, _, _ in old.pending.values()] == [o for o, _, _ in new.pending.values()] == [0]
    resolving.set()
    await settle(old, new)

    assert live_rows(store, d) == [(0, "new", ReplicaState.READY)]
    assert len(runtime_of(new).started) == 1 and len(new.handles) == 1
    assert runtime_of(old).started == {} and old.handles == {}  # it started nothing
    assert len(store.read(lambda c: sql.replica_history(c, d.id))) == 1
    # Its next pass: no process of that replica here, but not its to record gone any more.
    with pytest.raises(LeaseLost):
        await old._pass()
    assert live_rows(store, d) == [(0, "new", ReplicaState.READY)]
    assert runtime_of(old).started == {} and not old.pending


async def test_a_replica_the_new_holder_recorded_gone_is_stopped_by_the_former_one(
    store: Store,
) -> None:
    d = make_deployment(store)
    resolving = threading.Event()
    resolving.set()
    old = make_reconciler(store, d, "old", resolving)
    await old._pass()  # its start: the row inserted, the engine still loading
    for _ in range(1500):  # its engine asked for (its last write before that made)
        if runtime_of(old).asked:
            break
        await asyncio.sleep(0.01)
    assert runtime_of(old).asked
    assert [(o, owner) for o, owner, _ in live_rows(store, d)] == [(0, "old")]

    new = make_reconciler(store, d, "new", resolving)  # the lease taken over
    runtime_of(new).gate.set()
    await new._pass()  # no process for that row in its runtime: gone; it places its own
    await settle(new)
    assert [(o, owner) for o, owner, _ in live_rows(store, d)] == [(0, "new")]

    runtime_of(old).gate.set()  # the former holder's engine is loaded now
    await settle(old)
    (handle,) = runtime_of(old).started.values()
    assert handle.stopped and old.handles == {}
    assert live_rows(store, d) == [(0, "new", ReplicaState.READY)]


async def test_a_scale_up_does_not_reuse_an_ordinal_whose_cancelled_start_still_runs(
    store: Store,
) -> None:
    """Scaled 2 -> 1 -> 2 quickly: ordinal 1's cancelled start has not recorded its replica
    stopped yet, so its row still holds the ordinal; the scale-up waits for it."""
    d = replace(make_deployment(store), scale=Scale(instances=2))
    resolving = threading.Event()
    r = make_reconciler(store, d, "c", resolving)
    stopping: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    r.pending["cancelled"] = (1, d.generation, cast(Any, stopping))
    r._dropped.add("cancelled")
    launched: list[int] = []
    r._launch = lambda _, ordinal: launched.append(ordinal)  # type: ignore[method-assign]
    await r._scale(d, None)
    assert launched == [0]
    stopping.set_result(None)
