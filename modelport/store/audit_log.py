"""SQL of the audit log: append an event, query the newest. Functions take the caller's
connection and return domain objects."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from modelport.access.types import AuditEvent, AuditFilter, Outcome
from modelport.store.access_tables import audit_events
from modelport.store.values import aware


def _text(value: str | None, size: int) -> str | None:
    """What a caller sent, storable anywhere: NUL made visible, cut to the column."""
    return value.replace("\x00", "\\x00")[:size] if value is not None else None


def append_audit(conn: Connection, event: AuditEvent) -> None:
    conn.execute(
        insert(audit_events).values(
            at=event.at,
            principal_id=event.principal_id,
            principal=_text(event.principal, 64),
            auth_method=event.auth_method,
            action=_text(event.action, 64),
            method=_text(event.method, 8),
            path=_text(event.path, 512),
            project=_text(event.project, 64),
            status=event.status,
            outcome=event.outcome.value,
            client=_text(event.client, 64),
            request_id=event.request_id,
        )
    )


def query_audit(conn: Connection, wanted: AuditFilter) -> list[AuditEvent]:
    a = audit_events.c
    query = select(audit_events).order_by(a.id.desc()).limit(wanted.limit)
    if wanted.principal:
        query = query.where(a.principal == wanted.principal)
    if wanted.action:
        query = query.where(a.action == wanted.action)
    if wanted.project:
        query = query.where(a.project == wanted.project)
    if wanted.outcome:
        query = query.where(a.outcome == wanted.outcome)
    if wanted.since:
        query = query.where(a.at >= wanted.since)
    if wanted.until:
        query = query.where(a.at < wanted.until)
    return [
        AuditEvent(
            at=aware(r.at),
            principal=r.principal,
            action=r.action,
            method=r.method,
            path=r.path,
            status=r.status,
            outcome=Outcome(r.outcome),
            principal_id=r.principal_id,
            auth_method=r.auth_method,
            project=r.project,
            client=r.client,
            request_id=r.request_id,
            id=r.id,
        )
        for r in conn.execute(query)
    ]
