"""One live replica per ordinal of a deployment's generation, decided by the database (migration
0070), on SQLite and PostgreSQL.

The race it closes: at a controller takeover the former holder, stalled, is still active for a
moment. Each controller's reconciler reads the deployment's live replicas in one transaction,
finds ordinal 0 missing, and inserts its replica's row in a later one; without the index both
rows were inserted, and two ordinal-0 replicas ran and were routed to.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Engine

from modelport.domain.replicas import Replica, ReplicaState, Resources
from modelport.store import cluster as sql
from modelport.store.db import upgrade
from modelport.store.repositories import Store
from modelport.store.values import new_id, now


def _replica(ordinal: int, *, owner: str, generation: int = 0, deployment: str = "d1") -> Replica:
    return Replica(
        id=new_id(),
        deployment_id=deployment,
        deployment_name="chat",
        ordinal=ordinal,
        generation=generation,
        runtime="ray",
        owner=owner,
        state=ReplicaState.STARTING,
        created_at=now(),
        updated_at=now(),
        resources=Resources(1.0),
    )


def _live(store: Store) -> list[tuple[int, int, str]]:
    rows = store.read(lambda c: sql.active_replicas(c, "d1"))
    return [(r.generation, r.ordinal, r.owner) for r in rows]


def test_two_controllers_that_both_found_ordinal_0_missing_place_it_once(store: Store) -> None:
    """The reconciler's steps, interleaved as at a takeover: both read, both insert."""
    old_sees = store.read(lambda c: sql.active_replicas(c, "d1"))
    new_sees = store.read(lambda c: sql.active_replicas(c, "d1"))
    assert old_sees == new_sees == []  # each decides that ordinal 0 is missing
    assert store.run(lambda c: sql.insert_replica(c, _replica(0, owner="new"))) is True
    assert store.run(lambda c: sql.insert_replica(c, _replica(0, owner="old"))) is False
    assert _live(store) == [(0, 0, "new")]


def test_a_refused_insert_leaves_the_transaction_usable(store: Store) -> None:
    first = _replica(0, owner="a")

    def place(conn: sa.Connection) -> list[bool]:
        placed = [sql.insert_replica(conn, first), sql.insert_replica(conn, _replica(0, owner="b"))]
        placed.append(sql.insert_replica(conn, _replica(1, owner="b")))
        return placed

    assert store.run(place) == [True, False, True]
    assert _live(store) == [(0, 0, "a"), (0, 1, "b")]


def test_the_ordinal_is_free_again_once_its_replica_stopped_and_per_generation(
    store: Store,
) -> None:
    first = _replica(0, owner="a")
    assert store.run(lambda c: sql.insert_replica(c, first))
    # a restart's next generation may start beside the one stopping
    assert store.run(lambda c: sql.insert_replica(c, _replica(0, owner="a", generation=1)))
    assert store.run(lambda c: sql.insert_replica(c, _replica(0, owner="a", deployment="d2")))
    store.run(
        lambda c: sql.update_replica(c, first.id, state=ReplicaState.STOPPED, stopped_at=now())
    )
    assert store.run(lambda c: sql.insert_replica(c, _replica(0, owner="b")))
    assert sorted(_live(store)) == [(0, 0, "b"), (1, 0, "a")]
    assert len(store.read(lambda c: sql.replica_history(c, "d1"))) == 3


def test_concurrent_inserts_of_one_ordinal_place_one(store: Store) -> None:
    barrier = threading.Barrier(6)
    placed: list[str] = []
    errors: list[BaseException] = []

    def place(owner: str) -> None:
        try:
            barrier.wait(timeout=30)
            if store.run(lambda c: sql.insert_replica(c, _replica(0, owner=owner))):
                placed.append(owner)
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=place, args=(f"c{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(placed) == 1
    assert _live(store) == [(0, 0, placed[0])]


def test_a_replica_recorded_gone_is_not_brought_back_by_its_former_controller(
    store: Store,
) -> None:
    """The former holder's start finishes after the new holder recorded the row stopped (its
    process was not there yet when it looked): the ready write only applies to a live row."""
    row = _replica(0, owner="old")
    store.run(lambda c: sql.insert_replica(c, row))
    store.run(lambda c: sql.update_replica(c, row.id, state=ReplicaState.STOPPED, stopped_at=now()))
    ready = store.run(
        lambda c: sql.update_replica(c, row.id, live_only=True, state=ReplicaState.READY)
    )
    assert ready is False
    (found,) = store.read(lambda c: sql.replica_history(c, "d1"))
    assert found.state is ReplicaState.STOPPED
    assert store.run(lambda c: sql.update_replica(c, row.id, node="n1")) is True


def test_the_migration_renumbers_live_duplicates_and_keeps_stopped_ones(engine: Engine) -> None:
    """Duplicates already in a database keep running under the next free ordinals, where the
    controller counts them and scales the surplus down."""
    upgrade(engine, "0060_finetune_checkpoint_files")
    at = datetime(2026, 12, 1, tzinfo=UTC)
    rows = [  # id, deployment, generation, ordinal, seconds after ``at``, stopped
        ("a", "d1", 0, 0, 1, False),
        ("b", "d1", 0, 0, 2, False),  # the duplicate of a takeover
        ("c", "d1", 0, 1, 3, False),
        ("d", "d1", 0, 0, 4, False),
        ("e", "d1", 0, 0, 0, True),  # stopped: left as it is
        ("f", "d2", 0, 0, 5, False),
        ("g", "d1", 1, 0, 6, False),  # another generation
    ]
    with engine.begin() as conn:
        for rid, dep, gen, ordinal, after, stopped in rows:
            created = at.replace(second=after)
            conn.execute(
                sa.text(
                    "INSERT INTO replicas (id, deployment_id, deployment_name, ordinal, "
                    "generation, runtime, owner, state, created_at, stopped_at, updated_at) "
                    "VALUES (:id, :dep, 'chat', :o, :g, 'ray', 'x', :s, :c, :stopped, :c)"
                ),
                {
                    "id": rid,
                    "dep": dep,
                    "o": ordinal,
                    "g": gen,
                    "s": "stopped" if stopped else "ready",
                    "c": created,
                    "stopped": created if stopped else None,
                },
            )
    upgrade(engine)
    with engine.connect() as conn:
        found = dict(conn.execute(sa.text("SELECT id, ordinal FROM replicas")).all())
    assert found == {"a": 0, "b": 2, "c": 1, "d": 3, "e": 0, "f": 0, "g": 0}
    store = Store(engine)
    assert store.run(lambda c: sql.insert_replica(c, _replica(1, owner="x"))) is False
