"""The usage ledger on every store (SQLite and PostgreSQL): group commit, idempotency per request
id, rollups in the same transaction, and a ledger that never reports a failed batch durable."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from modelport.billing.ledger import UsageLedger
from modelport.billing.metrics import UsageMetrics
from modelport.errors import LedgerUnavailable
from modelport.settings import Settings
from modelport.store.db import ledger_engine
from modelport.store.usage import insert_usage, ledger_rows, rollup_rows
from tests.billing_support import database, record


@pytest.fixture
def db(database_url: str) -> Iterator[Engine]:
    engine = database(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _meters(db: Engine) -> dict[str, int]:
    totals: dict[str, int] = {}
    with db.connect() as conn:
        for row in rollup_rows(conn):
            totals[row.meter] = totals.get(row.meter, 0) + row.quantity
    return totals


def test_insert_counts_what_the_database_returned(db: Engine) -> None:
    with db.begin() as conn:
        assert insert_usage(conn, [record("a", 1, 2), record("b", 3, 4)]) == 2
    with db.begin() as conn:
        # A retried batch: the known rows are skipped, the new one goes in, nothing raises.
        again = [record("a", 1, 2), record("c", 5, 6), record("b", 3, 4), record("c", 5, 6)]
        assert insert_usage(conn, again) == 1
    with db.begin() as conn:
        assert insert_usage(conn, [record("a", 1, 2)]) == 0
        assert insert_usage(conn, []) == 0
    with db.connect() as conn:
        assert sorted(r.request_id for r in ledger_rows(conn)) == ["a", "b", "c"]
    assert _meters(db) == {
        "inference-input-tokens": 9,
        "inference-output-tokens": 12,
        "inference-requests": 3,
    }


def test_one_commit_serves_many_concurrent_requests(db: Engine) -> None:
    ledger = UsageLedger(db)
    ledger.start()

    async def go() -> None:
        await asyncio.gather(*(ledger.write(record(f"req-{i}")) for i in range(2000)))

    try:
        asyncio.run(go())
    finally:
        ledger.close()
    with db.connect() as conn:
        assert len(ledger_rows(conn)) == 2000
    assert ledger.records == 2000 and ledger.failed_records == 0
    assert ledger.commits < 200, f"{ledger.commits} commits for 2000 records: no group commit"
    assert _meters(db)["inference-requests"] == 2000


def test_written_twice_billed_once(db: Engine) -> None:
    ledger = UsageLedger(db)
    ledger.start()

    async def go() -> None:
        await ledger.write(record("req-a", 10, 5))
        # The same request again (a retried batch), alone and within a batch.
        await asyncio.gather(
            ledger.write(record("req-a", 10, 5)), ledger.write(record("req-b", 1, 2))
        )
        await ledger.write(record("req-b", 1, 2))

    try:
        asyncio.run(go())
    finally:
        ledger.close()
    with db.connect() as conn:
        assert sorted(r.request_id for r in ledger_rows(conn)) == ["req-a", "req-b"]
    assert _meters(db) == {
        "inference-input-tokens": 11,
        "inference-output-tokens": 7,
        "inference-requests": 2,
    }


def test_rollups_by_day_and_deployment(db: Engine) -> None:
    ledger = UsageLedger(db)
    ledger.start()
    day2 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)

    async def go() -> None:
        await asyncio.gather(
            ledger.write(record("r1", 3, 4)),
            ledger.write(record("r2", 5, 6, time=day2)),
            ledger.write(record("r3", 7, 8, deployment_id="d2", deployment="dep-two")),
        )

    try:
        asyncio.run(go())
    finally:
        ledger.close()
    with db.connect() as conn:
        rows = rollup_rows(conn)
        only_two = rollup_rows(conn, deployment="dep-two")
        second_day = rollup_rows(conn, since="2026-11-23")
    assert len(rows) == 9  # 3 (day, deployment) pairs x 3 meters
    assert {r.deployment for r in only_two} == {"dep-two"}
    assert {(r.meter, r.quantity) for r in second_day} == {
        ("inference-input-tokens", 5),
        ("inference-output-tokens", 6),
        ("inference-requests", 1),
    }


def test_a_batch_that_cannot_commit_is_never_reported_durable(db: Engine) -> None:
    """The table is gone (a real database error on every attempt): every waiting request fails
    with LedgerUnavailable, the failure is counted, and the writer goes on once the database is
    back."""
    metrics = UsageMetrics()
    ledger = UsageLedger(db, attempts=3, backoff=0.01, failures=metrics)
    ledger.start()
    with db.begin() as conn:
        conn.execute(text("ALTER TABLE usage_records RENAME TO usage_records_away"))

    async def failing() -> list[BaseException | None]:
        results = await asyncio.gather(
            *(ledger.write(record(f"lost-{i}")) for i in range(5)), return_exceptions=True
        )
        return [r if isinstance(r, BaseException) else None for r in results]

    try:
        errors = asyncio.run(failing())
        assert all(isinstance(e, LedgerUnavailable) for e in errors), errors
        assert ledger.records == 0 and ledger.failed_records == 5
        assert metrics.ledger_failures._value.get() == 5
        with db.begin() as conn:
            conn.execute(text("ALTER TABLE usage_records_away RENAME TO usage_records"))
        asyncio.run(ledger.write(record("after")))
    finally:
        ledger.close()
    with db.connect() as conn:
        assert [r.request_id for r in ledger_rows(conn)] == ["after"]
    assert _meters(db)["inference-requests"] == 1, "a failed batch must leave no rollups"


def test_a_defect_fails_the_batch_and_the_writer_survives(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = UsageLedger(db, attempts=5, backoff=0.01)
    ledger.start()
    calls: list[int] = []
    real = insert_usage

    def broken_once(conn: object, records: object) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise TypeError("a bug")
        return real(conn, records)  # type: ignore[arg-type]

    monkeypatch.setattr("modelport.billing.ledger.insert_usage", broken_once)
    try:
        with pytest.raises(LedgerUnavailable):
            ledger.submit(record("x")).result(timeout=30)
        assert len(calls) == 1, "a defect is not retried as if it were transient"
        ledger.submit(record("y")).result(timeout=30)
    finally:
        ledger.close()
    with pytest.raises(LedgerUnavailable):
        ledger.submit(record("z")).result(timeout=1)  # closed: refused at once, never lost
    with db.connect() as conn:
        assert [r.request_id for r in ledger_rows(conn)] == ["y"]


@pytest.mark.parametrize(("durability", "pragma"), [("normal", 1), ("full", 2)])
def test_ledger_durability_setting_on_sqlite(tmp_path: Path, durability: str, pragma: int) -> None:
    """``MODELPORT_LEDGER_DURABILITY``: the ledger's commits use synchronous=FULL when asked;
    the rest of the store keeps NORMAL."""
    settings = Settings(data_dir=tmp_path, ledger_durability=durability)  # type: ignore[arg-type]
    store = database(tmp_path / "modelport.db")
    ledger_db = ledger_engine(settings, store)
    try:
        with ledger_db.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == pragma
        with store.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        ledger = UsageLedger(ledger_db)
        ledger.start()
        ledger.submit(record("durable")).result(timeout=30)
        ledger.close()
        with store.connect() as conn:
            assert [r.request_id for r in ledger_rows(conn)] == ["durable"]
    finally:
        if ledger_db is not store:
            ledger_db.dispose()
        store.dispose()
