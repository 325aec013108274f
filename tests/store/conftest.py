"""The store tests' database: a fresh one per test on each backend (``database_url`` runs every
test on SQLite and on PostgreSQL), migrated to the head for ``store``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from modelport.store.db import make_engine, upgrade
from modelport.store.repositories import Store


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The database, not migrated (tests of migrations upgrade it step by step)."""
    db = make_engine(database_url)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def store(engine: Engine) -> Store:
    """The database migrated to the head."""
    upgrade(engine)
    return Store(engine)
