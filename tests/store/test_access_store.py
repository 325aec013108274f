"""Access control against real SQLite and real PostgreSQL: the bootstrap owner and admin token
rotation, API tokens (hashed, expiring), roles and assignments, server-side sessions (ended on
role change and on deleting the project they were scoped to), the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from modelport.access import credentials
from modelport.access.audit import AuditLog
from modelport.access.service import AccessService
from modelport.access.sessions import SessionStore
from modelport.access.types import AuditEvent, AuditFilter, Outcome, PrincipalKind
from modelport.errors import Conflict
from modelport.store import access as sql
from modelport.store.repositories import Store
from modelport.store.values import now

SECRET = b"s" * 32
ADMIN = credentials.generate_admin_token()


@pytest.fixture
def access(store: Store) -> AccessService:
    service = AccessService(store, SECRET)
    service.bootstrap(ADMIN)
    return service


def test_bootstrap_owner_and_admin_token_rotation(store: Store, access: AccessService) -> None:
    found = access.access_by_token(ADMIN)
    assert found is not None and found.principal.bootstrap and found.can("engines/attach")
    access.bootstrap(ADMIN)  # a restart with the same token changes nothing
    assert store.run(sql.count_principals) == 1
    digests = store.run(lambda c: c.execute(sa.text("select token_hash from api_tokens")).all())
    assert ADMIN not in str(digests)
    rotated = credentials.generate_admin_token()
    access.bootstrap(rotated)
    assert access.access_by_token(ADMIN) is None
    assert access.access_by_token(rotated) is not None


@pytest.mark.anyio
async def test_tokens_roles_and_sessions(store: Store, access: AccessService) -> None:
    project = store.run(lambda c: store.create_project(c, "team", "local"))
    await access.create_principal(PrincipalKind.SERVICE, "bot")
    issued = await access.issue_token("bot", "ci", timedelta(days=1))
    bot = access.access_by_token(issued.token)
    assert bot is not None and bot.grants == ()
    with pytest.raises(Conflict):
        await access.create_principal(PrincipalKind.USER, "bot")
    await access.assign("bot", "AI Developer", project.id)
    bot = access.access_by_token(issued.token)
    assert bot is not None
    assert bot.can("deployments/infer", project.id) and not bot.can("deployments/infer")
    sessions = SessionStore(store, SECRET)
    _, cookie = await sessions.open(bot.principal.id, "token", issued.record.id)
    assert sessions.find(cookie) is not None
    # A role change ends the principal's sessions.
    await access.assign("bot", "Reader", project.id)
    assert sessions.find(cookie) is None
    # So does deleting the project its roles were on (and the roles go with it).
    _, cookie = await sessions.open(bot.principal.id, "token", issued.record.id)
    store.run(lambda c: store.delete_project(c, project.id))
    assert sessions.find(cookie) is None
    assert store.run(lambda c: sql.assignments(c, principal_id=bot.principal.id)) == []
    # Expired tokens prove nothing.
    expired = await access.issue_token("bot", "old", timedelta(seconds=-1))
    assert access.access_by_token(expired.token) is None


@pytest.mark.anyio
async def test_audit_log_round_trip(store: Store) -> None:
    log = AuditLog(store)
    for status in (201, 403, 409):
        await log.record(
            AuditEvent(
                at=now(),
                principal="bot",
                action="projects/write",
                method="POST",
                path="/management/projects",
                status=status,
                outcome=Outcome.of(status),
                client="127.0.0.1",
            )
        )
    found = await log.query(AuditFilter(principal="bot"))
    assert [e.status for e in found] == [409, 403, 201]  # newest first
    assert [e.outcome for e in found] == [Outcome.FAILED, Outcome.REFUSED, Outcome.SUCCEEDED]
    assert [e.status for e in await log.query(AuditFilter(outcome="refused"))] == [403]
