"""One process at a time: the lock that migrations and first-start bootstrap run under.

Several gateways and controllers may start at the same moment on one database. Each takes this
lock before it migrates the schema and creates what a first start creates (the bootstrap owner,
the default project and deployment), so that exactly one of them does it and the others find it
done:

- PostgreSQL: a session-level advisory lock (``pg_advisory_lock``) on a connection of its own;
- SQLite: an exclusive file lock beside the database file (``<db>.lock``), which covers
  processes on this machine (SQLite's only kind of sharing).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock
from sqlalchemy import Engine, text

DEFAULT_TIMEOUT = 300.0


def _key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name``."""
    digest = hashlib.sha256(f"modelport:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _sqlite_path(engine: Engine) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(database)


@contextlib.contextmanager
def exclusive(
    engine: Engine, name: str = "bootstrap", timeout: float = DEFAULT_TIMEOUT
) -> Iterator[None]:
    """Hold the lock ``name`` on ``engine``'s database for the duration of the block."""
    if engine.dialect.name == "postgresql":
        key = _key(name)
        with engine.connect() as conn:
            conn.execute(text(f"SET statement_timeout = {int(timeout * 1000)}"))
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            conn.commit()
            try:
                conn.execute(text("SET statement_timeout = 0"))
                conn.commit()
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()
        return
    path = _sqlite_path(engine)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + f".{name}.lock", timeout=timeout):
        yield
