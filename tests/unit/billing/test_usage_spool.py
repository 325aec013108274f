"""A gateway that loses its database queues usage records durably on local disk and replays
them, exactly once each, when the database is back (a real PostgreSQL that stops accepting
connections, then accepts them again)."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
from sqlalchemy import func, select

from modelport.billing.ledger import UsageLedger
from modelport.billing.spool import UsageSpool
from modelport.store.usage_tables import usage_records
from tests.billing_support import database, record
from tests.postgres import PostgresServer


def _connections(server: PostgresServer, name: str, allowed: bool) -> None:
    with psycopg.connect(server.admin_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )


def test_usage_spooled_while_the_database_is_away_is_replayed_once(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    with postgres_server.database() as url:
        name = url.rsplit("/", 1)[1]
        db = database(url)
        spool = UsageSpool(tmp_path / "usage-spool.jsonl")
        ledger = UsageLedger(db, attempts=2, backoff=0.01, spool=spool, replay_interval=0.2)
        ledger.start()
        try:
            ledger.submit(record("before")).result(30)
            _connections(postgres_server, name, allowed=False)
            db.dispose()
            futures = [ledger.submit(record(f"away-{i}")) for i in range(5)]
            futures.append(ledger.submit(record("before")))  # a retry of a billed request
            for future in futures:
                future.result(60)  # durable: on local disk
            assert ledger.spooled() == 6 and ledger.spooled_total == 6
            assert len((tmp_path / "usage-spool.jsonl").read_text().splitlines()) == 6
            _connections(postgres_server, name, allowed=True)
            deadline = time.monotonic() + 30
            while ledger.spooled() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert ledger.spooled() == 0
        finally:
            ledger.close()
        with db.connect() as conn:
            ids = [r[0] for r in conn.execute(select(usage_records.c.request_id)).all()]
            total = conn.execute(select(func.count()).select_from(usage_records)).scalar_one()
        db.dispose()
    assert sorted(ids) == sorted(["before", *(f"away-{i}" for i in range(5))])
    assert total == 6  # the retried request billed once


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    spool = UsageSpool(tmp_path / "spool.jsonl")
    spool.append([record("a"), record("b")])
    with (tmp_path / "spool.jsonl").open("a") as f:
        f.write('{"request_id": "c", "ti')  # a crash mid-write: never acknowledged
    assert [r.request_id for r in spool.pending()] == ["a", "b"]
    spool.drop(2)
    assert spool.pending() == [] and spool.count == 0
