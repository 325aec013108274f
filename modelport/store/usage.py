"""SQL of the usage ledger: idempotent batch inserts with their rollups, and rollup queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from modelport.billing.records import UsageRecord
from modelport.store.tables import projects
from modelport.store.usage_tables import usage_records, usage_rollups


def _insert(conn: Connection, table: Any) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _row(record: UsageRecord) -> dict[str, Any]:
    return {
        "request_id": record.request_id,
        "created_at": record.time,
        "day": record.day,
        "project_id": record.project_id,
        "subscription_id": record.subscription_id or "",
        "offer_id": record.offer_id,
        "deployment_id": record.deployment_id,
        "deployment_name": record.deployment,
        "key_slot": record.key_slot,
        "dialect": record.dialect,
        "prompt_tokens": record.prompt_tokens,
        "completion_tokens": record.completion_tokens,
        "outcome": record.outcome,
        "latency_ms": record.latency_ms,
    }


def insert_usage(conn: Connection, records: Sequence[UsageRecord]) -> int:
    """Insert the records not already in the ledger and add exactly those to the rollups, in
    the caller's transaction. Returns how many were new (a retried batch inserts nothing)."""
    insert_new = _insert(conn, usage_records).on_conflict_do_nothing(index_elements=["request_id"])
    rows = [_row(r) for r in records]
    inserted: set[str] = set()
    # Fast path: one executemany; if every row went in, all are new. Otherwise (a retried
    # batch, a duplicate id) redo it row by row inside the savepoint to learn which ones.
    savepoint = conn.begin_nested()
    if conn.execute(insert_new, rows).rowcount == len(rows):
        savepoint.commit()
        inserted = {r.request_id for r in records}
    else:
        savepoint.rollback()
        for row in rows:
            if conn.execute(insert_new, row).rowcount == 1:
                inserted.add(row["request_id"])
    totals: dict[tuple[str, str, str, str, str], list[Any]] = {}
    seen: set[str] = set()
    for record in records:
        if record.request_id not in inserted or record.request_id in seen:
            continue
        seen.add(record.request_id)
        for meter, quantity in record.meters().items():
            key = (
                record.day,
                record.project_id,
                record.subscription_id or "",
                record.deployment_id,
                meter.value,
            )
            entry = totals.setdefault(key, [record.offer_id, record.deployment, 0])
            entry[2] += quantity
    rollups = [
        {
            "day": day,
            "project_id": project,
            "subscription_id": sub,
            "deployment_id": dep,
            "meter": meter,
            "offer_id": offer,
            "deployment_name": name,
            "quantity": quantity,
        }
        for (day, project, sub, dep, meter), (offer, name, quantity) in totals.items()
    ]
    if rollups:
        upsert = _insert(conn, usage_rollups)
        upsert = upsert.on_conflict_do_update(
            index_elements=["day", "project_id", "subscription_id", "deployment_id", "meter"],
            set_={
                "quantity": usage_rollups.c.quantity + upsert.excluded.quantity,
                "deployment_name": upsert.excluded.deployment_name,
            },
        )
        conn.execute(upsert, rollups)
    return len(seen)


@dataclass(frozen=True, slots=True)
class RollupRow:
    day: str
    project_id: str
    project: str
    subscription_id: str
    deployment_id: str
    deployment: str
    offer_id: str
    meter: str
    quantity: int


def rollup_rows(
    conn: Connection,
    *,
    since: str | None = None,
    until: str | None = None,
    deployment: str | None = None,
    project: str | None = None,
) -> list[RollupRow]:
    """Rollup rows of days ``since``..``until`` (inclusive ISO dates), optionally filtered."""
    r = usage_rollups.c
    query = select(
        r.day,
        r.project_id,
        func.coalesce(projects.c.name, r.project_id).label("project"),
        r.subscription_id,
        r.deployment_id,
        r.deployment_name,
        r.offer_id,
        r.meter,
        r.quantity,
    ).select_from(usage_rollups.outerjoin(projects, projects.c.id == r.project_id))
    if since:
        query = query.where(r.day >= since)
    if until:
        query = query.where(r.day <= until)
    if deployment:
        query = query.where(r.deployment_name == deployment)
    if project:
        query = query.where(projects.c.name == project)
    return [
        RollupRow(
            row.day,
            row.project_id,
            row.project,
            row.subscription_id,
            row.deployment_id,
            row.deployment_name,
            row.offer_id,
            row.meter,
            int(row.quantity),
        )
        for row in conn.execute(query)
    ]


def ledger_rows(conn: Connection, request_ids: Sequence[str] | None = None) -> list[Any]:
    """Raw ledger rows (for audits and tests); filtered to ``request_ids`` when given."""
    query = select(usage_records).order_by(usage_records.c.created_at)
    if request_ids is not None:
        query = query.where(usage_records.c.request_id.in_(list(request_ids)))
    return list(conn.execute(query))
