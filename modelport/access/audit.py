"""The audit log: every state-changing call to a protected route (and every portal sign-in and
sign-out), with who made it, what it was, which resource, when, from where and how it ended.

:class:`AuditTrail` is an ASGI layer outside the access layer and the body limits, so refused
calls (401, 403, 413) are recorded too, with the principal when one was authenticated. It
records the method, the path (names only: no query string, no body, no headers), the permission
the route needs, the project and the status: never a secret.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelport.access.grants import Access
from modelport.access.route_table import RouteTable
from modelport.access.types import AuditEvent, AuditFilter, Outcome
from modelport.store import audit_log as sql
from modelport.store.repositories import Store
from modelport.store.values import now

log = logging.getLogger("modelport.audit")

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PORTAL_AUDITED = ("/portal/sign-in", "/portal/sign-out")


class AuditLog:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def record(self, event: AuditEvent) -> None:
        try:
            await asyncio.to_thread(self.store.run, lambda c: sql.append_audit(c, event))
        except Exception:  # the call itself was served: say so loudly rather than fail it
            log.exception("could not write the audit record of %s %s", event.method, event.path)

    async def query(self, wanted: AuditFilter) -> list[AuditEvent]:
        """The events ``wanted`` selects, newest first."""
        return await asyncio.to_thread(self.store.run, lambda c: sql.query_audit(c, wanted))


def _audited(scope: Scope, table: RouteTable) -> bool:
    if scope["type"] != "http" or scope["method"] not in STATE_CHANGING:
        return False
    path: str = scope["path"]
    return path in PORTAL_AUDITED or table.protects(path)


class AuditTrail:
    def __init__(self, app: ASGIApp, table: RouteTable | None = None) -> None:
        self.app = app
        self.table = table or RouteTable()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _audited(scope, self.table):
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        status = 500
        recorded = False

        async def record() -> None:
            nonlocal recorded
            if recorded:
                return
            recorded = True
            audit: AuditLog | None = getattr(scope["app"].state.services, "audit", None)
            if audit is not None:
                await audit.record(_event(scope, state, status))

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # Recorded before the response's last byte leaves: a caller that has its answer
                # finds the call in the audit log (written after it, a quick caller read the
                # log before the record was there).
                await record()
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            await record()  # no complete response was sent (an error, a client gone)


def _event(scope: Scope, state: dict[str, Any], status: int) -> AuditEvent:
    access: Access | None = state.get("access")
    client = scope.get("client")
    method: str = scope["method"]
    return AuditEvent(
        at=now(),
        principal=access.principal.name if access else state.get("audit_principal", "anonymous"),
        principal_id=access.principal.id if access else None,
        auth_method=access.method if access else None,
        action=state.get("permission") or state.get("audit_action") or method,
        method=method,
        path=scope["path"],
        project=state.get("project"),
        status=status,
        outcome=Outcome.of(status),
        client=client[0] if client else None,
        request_id=state.get("request_id"),
    )
