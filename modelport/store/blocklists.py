"""Stored custom blocklists (table ``safety_blocklists``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, select

from modelport.errors import NotFound
from modelport.policy.safety.blocklist import Blocklist, items_of
from modelport.store.tables import deployments, safety_blocklists


def _of(row: object) -> Blocklist:
    items = json.loads(row.items)  # type: ignore[attr-defined]
    return Blocklist(
        name=row.name,  # type: ignore[attr-defined]
        items=items_of([(i["text"], i["kind"]) for i in items]),
        description=row.description,  # type: ignore[attr-defined]
        deployment_id=row.deployment_id,  # type: ignore[attr-defined]
    )


def all_blocklists(conn: Connection) -> list[Blocklist]:
    rows = conn.execute(select(safety_blocklists).order_by(safety_blocklists.c.name))
    return [_of(row) for row in rows]


def get_blocklist(conn: Connection, name: str) -> Blocklist:
    row = conn.execute(select(safety_blocklists).where(safety_blocklists.c.name == name)).first()
    if row is None:
        raise NotFound(f"blocklist {name!r} does not exist")
    return _of(row)


def put_blocklist(conn: Connection, blocklist: Blocklist) -> bool:
    """Create or replace ``blocklist``; True when it was created."""
    values = {
        "description": blocklist.description,
        "deployment_id": blocklist.deployment_id,
        "items": json.dumps([{"text": i.text, "kind": i.kind.value} for i in blocklist.items]),
        "updated_at": datetime.now(UTC),
    }
    existed = conn.execute(
        delete(safety_blocklists).where(safety_blocklists.c.name == blocklist.name)
    ).rowcount
    conn.execute(safety_blocklists.insert().values(name=blocklist.name, **values))
    return not existed


def delete_blocklist(conn: Connection, name: str) -> None:
    if not conn.execute(delete(safety_blocklists).where(safety_blocklists.c.name == name)).rowcount:
        raise NotFound(f"blocklist {name!r} does not exist")


def deployment_exists(conn: Connection, deployment_id: str) -> bool:
    found = conn.execute(select(deployments.c.id).where(deployments.c.id == deployment_id)).first()
    return found is not None
