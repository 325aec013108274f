"""Database engines and schema migrations (SQLite with WAL by default, PostgreSQL by URL)."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, QueuePool, create_engine, event, make_url
from sqlalchemy.pool import ConnectionPoolEntry

from modelport.settings import Settings
from modelport.store.locking import exclusive

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

log = logging.getLogger("modelport.store")


SqliteSynchronous = Literal["normal", "full"]


def make_engine(url: str, *, synchronous: SqliteSynchronous = "normal") -> Engine:
    """An engine for ``url``. On SQLite, ``synchronous`` chooses what a commit survives (WAL):
    ``normal``, a crash of the process (a power loss may lose the last commits); ``full``, a
    power loss too (the WAL is synced at every commit). PostgreSQL's commits are as durable as
    the server's ``synchronous_commit`` setting makes them."""
    if synchronous not in ("normal", "full"):
        raise ValueError(f"synchronous must be 'normal' or 'full', not {synchronous!r}")
    pragma = f"PRAGMA synchronous={synchronous.upper()}"
    if url.startswith("sqlite"):
        _create_private(make_url(url).database)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, open transactions (below): the driver's own
            # handling does not BEGIN before a SAVEPOINT, so releasing a savepoint would commit.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(pragma)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A transaction that reads and then writes takes the write lock up front
            # (IMMEDIATE): with several processes on one file, a deferred one could fail at
            # once with "database is locked" when another committed since its read.
            immediate = conn.get_execution_options().get("sqlite_immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # A bounded connect: a member cut off from its database notices in seconds, not after the
    # operating system gives up on the connection (minutes).
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args={"connect_timeout": 10},
    )


def _create_private(database: str | None) -> None:
    """Create a new SQLite database file readable by its owner only (mode 0600; SQLite gives its
    -wal and -shm files the database's mode): it holds the audit log, usage, password hashes and
    fine-tuning files. An existing file keeps the mode its operator gave it."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    # Already there, or not creatable here: SQLite opens it, or says why it cannot.
    with contextlib.suppress(OSError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def migrate(db: Engine) -> None:
    """Schema migrations under the store's lock: once, however many processes start."""
    with exclusive(db, "migrations"):
        upgrade(db)


def ledger_engine(settings: Settings, db: Engine) -> Engine:
    """The store's engine, or on SQLite with ``ledger_durability=full`` one of its own whose
    commits are synced (synchronous=FULL) before a usage record is reported durable."""
    if settings.ledger_durability == "full" and db.dialect.name == "sqlite":
        return make_engine(settings.resolved_database_url(), synchronous="full")
    return db


def close_engine(engine: Engine, wait: float = 5.0) -> None:
    """Close every connection of ``engine`` (at shutdown), including those still in use
    (blocks up to ``wait`` seconds: call it from a worker thread).

    ``Engine.dispose`` closes the connections resting in the pool and starts a new pool. A
    connection a worker thread still holds (a request, or a background loop cancelled while its
    call ran) would go back to the discarded pool when the thread ends and stay open until the
    garbage collector finds it (psycopg: "connection ... was deleted while still open"); one
    taken after the dispose would rest in the new pool, never closed. So: wait ``wait`` seconds
    at most for the connections in use to come back, then dispose, and from then on close every
    connection as it comes back (the pools ``dispose`` creates share their event listeners)."""
    pool = engine.pool
    if isinstance(pool, QueuePool):
        deadline = time.monotonic() + wait
        while pool.checkedout() > 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        if pool.checkedout() > 0:
            log.info("%d database connections still in use at shutdown", pool.checkedout())

    def close_on_return(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.close()

    event.listen(engine, "checkin", close_on_return)
    engine.dispose()
