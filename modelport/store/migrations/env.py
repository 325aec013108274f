"""Alembic environment: runs migrations on the engine handed over by ``store.db.upgrade``."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine

from modelport.store.tables import metadata

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - only when alembic is run by hand
    raise RuntimeError("run migrations through modelport.store.db.upgrade")

sqlite = engine.dialect.name == "sqlite"


def _driver_sql(connection: Connection, sql: str) -> None:
    driver: Any = connection.connection.driver_connection
    driver.execute(sql)


with engine.connect() as connection:
    if sqlite:
        # A batch migration rebuilds a table others refer to (copy, drop, rename): SQLite's
        # own procedure for that runs with foreign keys off, which only takes effect outside a
        # transaction; checked again before the migration commits.
        # The driver connection itself: SQLAlchemy would BEGIN first (store/db.py).
        _driver_sql(connection, "PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=sqlite,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
            raise RuntimeError("a migration left rows whose foreign keys point nowhere")
    connection.commit()
    if sqlite:
        _driver_sql(connection, "PRAGMA foreign_keys=ON")
