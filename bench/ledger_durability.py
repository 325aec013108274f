"""The usage ledger's sustained write rate on each store and durability setting, side by side.

    python -m bench.ledger_durability [--records N] [--rounds R]

Variants, interleaved round by round in one run (the machine is noisy): SQLite with
``synchronous=NORMAL`` (the default: a committed record survives a crash of the process),
SQLite with ``synchronous=FULL`` (``MODELPORT_LEDGER_DURABILITY=full``: it survives a power loss
too), and PostgreSQL with its production defaults (fsync on, synchronous commits), started here
on 127.0.0.1. Each round writes N records from 256 concurrent writers that each await their own
commit (group commit), then 500 records from one writer (one commit per record: the latency a
lone request pays).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from modelport.billing.ledger import UsageLedger
from modelport.billing.records import UsageRecord
from modelport.store.db import make_engine, upgrade

WHEN = datetime.now(UTC)


def _record(prefix: str, i: int) -> UsageRecord:
    return UsageRecord(
        f"{prefix}-{i}", WHEN, "p", "s", "smollm2-135m-instruct", "d", "dep", "primary",
        "openai", 20 + i % 7, 10 + i % 5, "ok", 1.0,
    )  # fmt: skip


def measure(db: Engine, records: int, prefix: str, concurrency: int = 256) -> tuple[float, float]:
    """(records/s, records per commit) for ``records`` written by ``concurrency`` writers."""
    ledger = UsageLedger(db)
    ledger.start()

    async def writers() -> None:
        async def writer(start: int) -> None:
            for i in range(start, records, concurrency):
                await ledger.write(_record(prefix, i))

        await asyncio.gather(*(writer(w) for w in range(concurrency)))

    start = time.perf_counter()
    try:
        asyncio.run(writers())
    finally:
        ledger.close()
    elapsed = time.perf_counter() - start
    assert ledger.failed_records == 0
    return records / elapsed, records / max(1, ledger.commits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.postgres import start as start_postgres

    with tempfile.TemporaryDirectory(prefix="modelport-bench-") as tmp:
        workdir = Path(tmp)
        sqlite_url = f"sqlite:///{workdir / 'ledger.db'}"
        server, reason = start_postgres(durable=True)
        if server is None:
            raise SystemExit(f"PostgreSQL could not be started: {reason}")
        try:
            with server.database() as pg_url:
                engines: dict[str, Callable[[], Engine]] = {
                    "sqlite NORMAL": lambda: make_engine(sqlite_url, synchronous="normal"),
                    "sqlite FULL": lambda: make_engine(sqlite_url, synchronous="full"),
                    "postgresql": lambda: make_engine(pg_url),
                }
                for make in engines.values():
                    db = make()
                    upgrade(db)
                    db.dispose()
                burst: dict[str, list[float]] = {name: [] for name in engines}
                per_commit: dict[str, list[float]] = {name: [] for name in engines}
                single: dict[str, list[float]] = {name: [] for name in engines}
                for r in range(args.rounds):
                    for name, make in engines.items():
                        db = make()
                        tag = f"{name.replace(' ', '-')}-{r}"
                        rate, batch = measure(db, args.records, tag)
                        burst[name].append(rate)
                        per_commit[name].append(batch)
                        single[name].append(measure(db, 500, f"{tag}-one", concurrency=1)[0])
                        db.dispose()
        finally:
            server.stop()
    base = statistics.median(burst["sqlite NORMAL"])
    base_single = statistics.median(single["sqlite NORMAL"])
    print(
        f"usage ledger: {args.records} records x {args.rounds} rounds from 256 concurrent "
        "writers (each awaiting its commit), and 500 from one writer; medians of the rounds"
    )
    print(
        f"  {'store':<15} {'records/s':>10} {'per commit':>11} {'ratio':>6} "
        f"{'1 writer rec/s':>15} {'ratio':>6}"
    )
    for name in engines:
        rate, one = statistics.median(burst[name]), statistics.median(single[name])
        print(
            f"  {name:<15} {rate:10,.0f} {statistics.median(per_commit[name]):11.0f} "
            f"{rate / base:6.2f} {one:15,.0f} {one / base_single:6.2f}"
        )
    print("  target: >= 5,000 records/s from concurrent writers")


if __name__ == "__main__":
    main()
