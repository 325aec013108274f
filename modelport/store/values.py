"""The values the store stamps on what it writes: fresh ids, and times in UTC."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A time read back from the database, in UTC (SQLite drops the zone; everything is
    stored in UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
