"""The usage ledger: group commit, idempotency per request id, rollups in the same transaction."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from modelport.billing.ledger import UsageLedger
from modelport.store.usage import ledger_rows, rollup_rows
from tests.billing_support import database, record


def test_one_commit_serves_many_concurrent_requests(tmp_path: Path) -> None:
    db = database(tmp_path / "ledger.db")
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
    assert ledger.records == 2000
    assert ledger.commits < 200, f"{ledger.commits} commits for 2000 records: no group commit"
    db.dispose()


def test_written_twice_billed_once(tmp_path: Path) -> None:
    db = database(tmp_path / "ledger.db")
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
        meters = {r.meter: r.quantity for r in rollup_rows(conn)}
    assert meters == {
        "inference-input-tokens": 11,
        "inference-output-tokens": 7,
        "inference-requests": 2,
    }
    db.dispose()


def test_rollups_by_day_and_deployment(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    db = database(tmp_path / "ledger.db")
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
    db.dispose()


def test_sustained_rate_on_sqlite(tmp_path: Path) -> None:
    """A smoke check of the benchmark's figure (the benchmark measures it properly)."""
    db = database(tmp_path / "ledger.db")
    ledger = UsageLedger(db)
    ledger.start()
    futures = []
    start = time.perf_counter()
    for i in range(5000):
        futures.append(ledger.submit(record(f"req-{i}")))
    for future in futures:
        future.result(timeout=60)
    elapsed = time.perf_counter() - start
    ledger.close()
    db.dispose()
    assert 5000 / elapsed > 2500, f"{5000 / elapsed:.0f} records/s"
