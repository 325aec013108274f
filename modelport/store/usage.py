"""SQL of the usage ledger: idempotent batch inserts with their rollups, and rollup queries."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from modelport.billing.records import UsageRecord
from modelport.store.tables import projects
from modelport.store.usage_tables import usage_records, usage_rollups


@dataclass(frozen=True)
class _Statements:
    insert: Any
    upsert: Any
    columnar: bool  # the insert takes one array per column (PostgreSQL), not a list of rows


def _pg_unnest_insert(table: Table) -> Any:
    """``INSERT ... SELECT * FROM unnest(:col1[], :col2[], ...)``: one statement of fixed text
    whatever the batch size (psycopg parses and plans it once), where a multi-row VALUES list
    is new text for every batch size and costs ~5x more per batch."""
    names = [c.name for c in table.columns]
    arrays = [bindparam(f"col_{c.name}", type_=ARRAY(c.type)) for c in table.columns]
    rows = func.unnest(*arrays).table_valued(*names).render_derived()
    return postgresql.insert(table).from_select(names, select(*[rows.c[n] for n in names]))


@functools.lru_cache(maxsize=4)
def _statements(dialect: str) -> _Statements:
    """Built once per dialect: statement construction costs more than SQLite's insert."""
    postgres = dialect == "postgresql"
    insert = postgresql.insert if postgres else sqlite.insert
    upsert = insert(usage_rollups)
    records = _pg_unnest_insert(usage_records) if postgres else insert(usage_records)
    return _Statements(
        # RETURNING names the rows that went in: a duplicate (a retried batch) returns nothing.
        # Never count with ``rowcount``: an executemany through psycopg 3 reports -1.
        insert=records.on_conflict_do_nothing(index_elements=["request_id"]).returning(
            usage_records.c.request_id
        ),
        columnar=postgres,
        upsert=upsert.on_conflict_do_update(
            index_elements=["day", "project_id", "subscription_id", "deployment_id", "meter"],
            set_={
                "quantity": usage_rollups.c.quantity + upsert.excluded.quantity,
                "deployment_name": upsert.excluded.deployment_name,
            },
        ),
    )


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
        "training_tokens": record.training_tokens,
        "hosting_hours": record.hosting_hours,
        "instance_type": record.instance_type,
        "compute_ms": record.compute_ms,
    }


FAILED_OUTCOME = "error"


def previous_outcome(conn: Connection, request_id: str) -> str | None:
    """The outcome recorded for ``request_id``, if any (a caller retrying under its id)."""
    row = conn.execute(
        select(usage_records.c.outcome).where(usage_records.c.request_id == request_id)
    ).first()
    return None if row is None else str(row.outcome)


def _record_of(row: Any) -> UsageRecord:
    """A ledger row as the record it was written from (to recompute its meters)."""
    return UsageRecord(
        request_id=row.request_id,
        time=row.created_at,
        project_id=row.project_id,
        subscription_id=row.subscription_id or None,
        offer_id=row.offer_id,
        deployment_id=row.deployment_id,
        deployment=row.deployment_name,
        key_slot=row.key_slot,
        dialect=row.dialect,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        outcome=row.outcome,
        latency_ms=row.latency_ms,
        training_tokens=row.training_tokens,
        hosting_hours=row.hosting_hours,
        instance_type=row.instance_type,
        compute_ms=row.compute_ms,
    )


def _remove_failed(conn: Connection, request_ids: list[str]) -> None:
    """Take failed attempts that retries replace out of the ledger and out of the rollups."""
    r = usage_records.c
    removed = conn.execute(
        usage_records.delete()
        .where(r.request_id.in_(request_ids), r.outcome == FAILED_OUTCOME)
        .returning(*usage_records.c)
    ).all()
    rollups = []
    for row in removed:
        record = _record_of(row)
        for meter, quantity in record.meters().items():
            rollups.append(
                {
                    "day": row.day,  # the day it was billed on
                    "project_id": row.project_id,
                    "subscription_id": row.subscription_id,
                    "deployment_id": row.deployment_id,
                    "meter": meter.value,
                    "offer_id": row.offer_id,
                    "deployment_name": row.deployment_name,
                    "quantity": -quantity,
                    "instance_type": row.instance_type,
                }
            )
    if rollups:
        conn.execute(_statements(conn.dialect.name).upsert, rollups)


def insert_usage(conn: Connection, records: Sequence[UsageRecord]) -> int:
    """Insert the records and add them to the rollups, in the caller's transaction; returns how
    many were new.

    Request ids are unique per gateway, so a record comes again only when a batch is retried
    after an ambiguous failure (or a request is retried with its id). Which records went in is
    read from what the database returns (``RETURNING request_id``); those already in the ledger
    are skipped and never reach the rollups, so nothing is counted twice. A record that
    ``replaces_failed`` first takes its request's failed attempt out (ledger and rollups): a
    request retried under its caller's id after a failure is billed once."""
    statements = _statements(conn.dialect.name)
    unique = list({r.request_id: r for r in records}.values())
    if not unique:
        return 0
    replacing = [r.request_id for r in unique if r.replaces_failed]
    if replacing:
        _remove_failed(conn, replacing)
    rows = [_row(r) for r in unique]
    params: Any = (
        {f"col_{name}": [row[name] for row in rows] for name in rows[0]}
        if statements.columnar
        else rows
    )
    inserted = set(conn.execute(statements.insert, params).scalars())
    unique = [r for r in unique if r.request_id in inserted]
    if not unique:
        return 0
    totals: dict[tuple[str, str, str, str, str], list[Any]] = {}
    for record in unique:
        for meter, quantity in record.meters().items():
            key = (
                record.day,
                record.project_id,
                record.subscription_id or "",
                record.deployment_id,
                meter.value,
            )
            entry = totals.setdefault(
                key, [record.offer_id, record.deployment, 0, record.instance_type]
            )
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
            "instance_type": instance_type,
        }
        for (day, project, sub, dep, meter), (
            offer,
            name,
            quantity,
            instance_type,
        ) in totals.items()
    ]
    conn.execute(statements.upsert, rollups)
    return len(unique)


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
    instance_type: str = ""


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
        r.instance_type,
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
            row.instance_type or "",
        )
        for row in conn.execute(query)
    ]


def ledger_rows(conn: Connection, request_ids: Sequence[str] | None = None) -> list[Any]:
    """Raw ledger rows (for audits and tests); filtered to ``request_ids`` when given."""
    query = select(usage_records).order_by(usage_records.c.created_at)
    if request_ids is not None:
        query = query.where(usage_records.c.request_id.in_(list(request_ids)))
    return list(conn.execute(query))
