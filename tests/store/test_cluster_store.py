"""The scale-out layer's SQL on SQLite and PostgreSQL: the controller lease, the change log,
replica lifetimes, members, and the lock migrations and first-start bootstrap run under."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from modelport.access.service import AccessService
from modelport.domain.replicas import Replica, ReplicaState, Resources
from modelport.store import cluster as sql
from modelport.store.access_tables import principals
from modelport.store.db import make_engine, upgrade
from modelport.store.locking import exclusive
from modelport.store.repositories import Store
from modelport.store.values import new_id, now


def test_one_holder_of_the_lease_until_it_expires(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The lease's clock is the test's: on a loaded machine the calls between taking a one-second
    # lease and checking it is still held could take longer than that second.
    clock = [now()]
    monkeypatch.setattr(sql, "now", lambda: clock[0])
    first = store.run(lambda c: sql.acquire_lease(c, "controller", "a", ttl=1.0))
    assert first == 1
    assert store.run(lambda c: sql.acquire_lease(c, "controller", "b", ttl=1.0)) is None
    assert store.run(lambda c: sql.acquire_lease(c, "controller", "a", ttl=1.0)) == 1  # renewed
    clock[0] += timedelta(seconds=1.1)
    taken = store.run(lambda c: sql.acquire_lease(c, "controller", "b", ttl=1.0))
    assert taken == 2  # a new epoch with every change of holder
    assert store.run(lambda c: sql.acquire_lease(c, "controller", "a", ttl=1.0)) is None
    store.run(lambda c: sql.release_lease(c, "controller", "b"))
    assert store.run(lambda c: sql.acquire_lease(c, "controller", "a", ttl=1.0)) == 3


def test_concurrent_candidates_get_one_lease(store: Store) -> None:
    won: list[str] = []

    def try_it(name: str) -> None:
        if store.run(lambda c: sql.acquire_lease(c, "controller", name, ttl=30)) is not None:
            won.append(name)

    threads = [threading.Thread(target=try_it, args=(f"c{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1


def test_the_change_log_orders_changes_and_is_pruned(store: Store) -> None:
    assert store.run(sql.revision) == 0
    r1 = store.run(lambda c: sql.publish(c, "keys", "d1"))
    r2 = store.run(lambda c: sql.publish(c, "deleting", "d2"))
    assert r2 > r1 == store.run(lambda c: sql.changes_since(c, 0))[1][0][0]
    oldest, changes = store.run(lambda c: sql.changes_since(c, r1))
    assert oldest == r1 and changes == [(r2, "deleting", "d2")]
    assert store.run(lambda c: sql.prune_changes(c, timedelta(0))) == 1  # the last one stays
    assert store.run(lambda c: sql.changes_since(c, 0))[0] == r2


def _replica(deployment_id: str, ordinal: int) -> Replica:
    return Replica(
        id=new_id(),
        deployment_id=deployment_id,
        deployment_name="chat",
        ordinal=ordinal,
        generation=0,
        runtime="ray",
        owner="controller-x",
        state=ReplicaState.STARTING,
        created_at=now(),
        updated_at=now(),
        resources=Resources(2.0, 1.0, 2**30),
    )


def test_replica_lifetimes_are_kept_after_they_stop(store: Store) -> None:
    a, b = _replica("d1", 0), _replica("d1", 1)
    store.run(lambda c: sql.insert_replica(c, a))
    store.run(lambda c: sql.insert_replica(c, b))
    store.run(
        lambda c: sql.update_replica(
            c,
            a.id,
            state=ReplicaState.READY,
            ready_at=now(),
            node="10.0.0.7",
            url="http://10.0.0.7:4000",
        )
    )
    store.run(lambda c: sql.update_replica(c, b.id, state=ReplicaState.STOPPED, stopped_at=now()))
    active = store.run(lambda c: sql.active_replicas(c, "d1"))
    assert [(r.id, r.state, r.node) for r in active] == [(a.id, ReplicaState.READY, "10.0.0.7")]
    history = store.run(lambda c: sql.replica_history(c, "d1"))
    assert {r.id for r in history} == {a.id, b.id}
    stopped = next(r for r in history if r.id == b.id)
    assert stopped.stopped_at is not None and stopped.resources == Resources(2.0, 1.0, 2**30)


def test_members_report_and_are_counted_while_alive(store: Store) -> None:
    started = now()
    store.run(lambda c: sql.heartbeat(c, "g1", "gateway", "http://a", {"in_flight": {}}, started))
    store.run(lambda c: sql.heartbeat(c, "g2", "gateway", "http://b", {}, started))
    assert {m["id"] for m in store.run(lambda c: sql.members(c, seen_within=5))} == {"g1", "g2"}
    store.run(lambda c: sql.leave(c, "g2"))
    assert [m["id"] for m in store.run(lambda c: sql.members(c, seen_within=5))] == ["g1"]


def test_first_starts_at_the_same_moment_create_one_owner(
    database_url: str, tmp_path: Path
) -> None:
    """Several processes migrating and bootstrapping one fresh database at once, each under the
    lock: the schema is migrated once and there is exactly one bootstrap owner."""
    engines = [make_engine(database_url) for _ in range(4)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(engines))

    def start(engine: Engine) -> None:
        try:
            barrier.wait(timeout=30)
            with exclusive(engine, "migrations"):
                upgrade(engine)
            with exclusive(engine):
                AccessService(Store(engine), b"k" * 32).bootstrap("mpadm-" + "x" * 40)
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert not errors, errors
        with engines[0].connect() as conn:
            owners = conn.execute(
                select(func.count()).select_from(principals).where(principals.c.bootstrap)
            ).scalar_one()
        assert owners == 1
    finally:
        for engine in engines:
            engine.dispose()


def test_the_lock_is_exclusive(database_url: str) -> None:
    engine = make_engine(database_url)
    inside: list[int] = []
    overlaps: list[int] = []

    def hold() -> None:
        with exclusive(engine, "test"):
            inside.append(1)
            if len(inside) > 1:
                overlaps.append(1)
            time.sleep(0.2)
            inside.pop()

    async def run() -> None:
        await asyncio.gather(*(asyncio.to_thread(hold) for _ in range(3)))

    try:
        asyncio.run(run())
    finally:
        engine.dispose()
    assert overlaps == []


def test_a_revision_is_visible_only_after_every_earlier_one(store: Store) -> None:
    """A follower that has read revision N never gets an older one later: a transaction that
    publishes while an earlier publisher is still open waits for it to end."""
    published = threading.Event()
    release = threading.Event()
    revisions: dict[str, int] = {}

    def slow(conn: object) -> None:
        revisions["slow"] = sql.publish(conn, "keys", "d1")  # type: ignore[arg-type]
        published.set()
        assert release.wait(10)

    def fast() -> None:
        revisions["fast"] = store.run(lambda c: sql.publish(c, "state", "d2"))

    first = threading.Thread(target=lambda: store.run(slow))
    first.start()
    assert published.wait(10)
    second = threading.Thread(target=fast)
    second.start()
    time.sleep(0.5)
    # While the first publisher is open, nothing newer is visible to a follower.
    assert store.read(lambda c: sql.changes_since(c, 0))[1] == []
    release.set()
    first.join(10)
    second.join(10)
    assert revisions["fast"] > revisions["slow"]
    changes = store.read(lambda c: sql.changes_since(c, 0))[1]
    assert [r for r, _, _ in changes] == [revisions["slow"], revisions["fast"]]
