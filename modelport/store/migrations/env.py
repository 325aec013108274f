"""Alembic environment: runs migrations on the engine handed over by ``store.db.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from modelport.store.tables import metadata

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - only when alembic is run by hand
    raise RuntimeError("run migrations through modelport.store.db.upgrade")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
