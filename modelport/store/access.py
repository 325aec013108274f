"""SQL of access control: principals, API tokens, custom roles, assignments and portal sessions
(the audit log: :mod:`modelport.store.audit_log`). Functions take the caller's connection and
return domain objects."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from modelport.access.types import (
    ApiToken,
    Assignment,
    PortalSession,
    Principal,
    PrincipalKind,
)
from modelport.errors import Conflict
from modelport.store.access_tables import (
    api_tokens,
    custom_roles,
    portal_sessions,
    principals,
    role_assignments,
)
from modelport.store.values import aware, new_id, now


def _principal(row: Row[Any]) -> Principal:
    return Principal(
        id=row.id,
        kind=PrincipalKind(row.kind),
        name=row.name,
        created_at=aware(row.created_at),
        email=row.email,
        oidc_issuer=row.oidc_issuer,
        oidc_subject=row.oidc_subject,
        bootstrap=bool(row.bootstrap),
        disabled=bool(row.disabled),
        has_password=row.password_hash is not None,
    )


def _token(row: Row[Any]) -> ApiToken:
    return ApiToken(
        id=row.id,
        principal_id=row.principal_id,
        name=row.name,
        hint=row.hint,
        created_at=aware(row.created_at),
        expires_at=aware(row.expires_at) if row.expires_at else None,
        bootstrap=bool(row.bootstrap),
    )


def _assignment(row: Row[Any]) -> Assignment:
    return Assignment(row.id, row.principal_id, row.role, row.project_id, aware(row.created_at))


# -- principals ------------------------------------------------------------------------------
def create_principal(
    conn: Connection,
    *,
    kind: PrincipalKind,
    name: str,
    email: str | None = None,
    password_hash: str | None = None,
    oidc_issuer: str | None = None,
    oidc_subject: str | None = None,
    bootstrap: bool = False,
) -> Principal:
    values = {
        "id": new_id(),
        "kind": kind.value,
        "name": name,
        "email": email,
        "password_hash": password_hash,
        "oidc_issuer": oidc_issuer,
        "oidc_subject": oidc_subject,
        "bootstrap": bootstrap,
        "disabled": False,
        "created_at": now(),
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(principals).values(**values))
    except IntegrityError as exc:
        raise Conflict(
            f"a principal named {name!r} (or with that e-mail or identity) already exists",
            param="name",
        ) from exc
    found = principal_by_id(conn, str(values["id"]))
    assert found is not None
    return found


def principal_by_id(conn: Connection, principal_id: str) -> Principal | None:
    row = conn.execute(select(principals).where(principals.c.id == principal_id)).first()
    return _principal(row) if row else None


def principal_by_name(conn: Connection, name: str) -> Principal | None:
    row = conn.execute(select(principals).where(principals.c.name == name)).first()
    return _principal(row) if row else None


def principal_by_email(conn: Connection, email: str) -> Principal | None:
    row = conn.execute(select(principals).where(principals.c.email == email)).first()
    return _principal(row) if row else None


def principal_by_identity(conn: Connection, issuer: str, subject: str) -> Principal | None:
    row = conn.execute(
        select(principals).where(
            principals.c.oidc_issuer == issuer, principals.c.oidc_subject == subject
        )
    ).first()
    return _principal(row) if row else None


def bootstrap_principal(conn: Connection) -> Principal | None:
    row = conn.execute(select(principals).where(principals.c.bootstrap.is_(True))).first()
    return _principal(row) if row else None


def list_principals(conn: Connection) -> list[Principal]:
    rows = conn.execute(select(principals).order_by(principals.c.created_at, principals.c.name))
    return [_principal(r) for r in rows]


def password_hash_of(conn: Connection, name: str) -> tuple[Principal, str | None] | None:
    row = conn.execute(select(principals).where(principals.c.name == name)).first()
    return (_principal(row), row.password_hash) if row else None


def update_principal(conn: Connection, principal_id: str, **values: Any) -> None:
    try:
        with conn.begin_nested():
            conn.execute(update(principals).where(principals.c.id == principal_id).values(**values))
    except IntegrityError as exc:
        raise Conflict("another principal has that e-mail or identity", param="email") from exc


def delete_principal(conn: Connection, principal_id: str) -> None:
    for table in (portal_sessions, api_tokens, role_assignments):
        conn.execute(delete(table).where(table.c.principal_id == principal_id))
    conn.execute(delete(principals).where(principals.c.id == principal_id))


def count_principals(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(principals)).scalar_one())


# -- API tokens ------------------------------------------------------------------------------
def create_token(
    conn: Connection,
    principal_id: str,
    *,
    name: str,
    token_hash: str,
    hint: str,
    expires_at: datetime | None,
    bootstrap: bool = False,
) -> ApiToken:
    token = ApiToken(new_id(), principal_id, name, hint, now(), expires_at, bootstrap)
    conn.execute(
        insert(api_tokens).values(
            id=token.id,
            principal_id=principal_id,
            name=name,
            token_hash=token_hash,
            hint=hint,
            bootstrap=bootstrap,
            created_at=token.created_at,
            expires_at=expires_at,
        )
    )
    return token


def token_by_hash(conn: Connection, token_hash: str) -> ApiToken | None:
    row = conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash)).first()
    return _token(row) if row else None


def tokens_of(conn: Connection, principal_id: str) -> list[ApiToken]:
    rows = conn.execute(
        select(api_tokens)
        .where(api_tokens.c.principal_id == principal_id)
        .order_by(api_tokens.c.created_at)
    )
    return [_token(r) for r in rows]


def bootstrap_token(conn: Connection) -> tuple[ApiToken, str] | None:
    row = conn.execute(select(api_tokens).where(api_tokens.c.bootstrap.is_(True))).first()
    return (_token(row), row.token_hash) if row else None


def delete_token(conn: Connection, token_id: str) -> int:
    return int(conn.execute(delete(api_tokens).where(api_tokens.c.id == token_id)).rowcount)


# -- roles and assignments -------------------------------------------------------------------
@dataclass(frozen=True)
class StoredRole:
    name: str
    description: str
    permissions: frozenset[str]


def custom_roles_all(conn: Connection) -> dict[str, StoredRole]:
    rows = conn.execute(select(custom_roles).order_by(custom_roles.c.name))
    return {
        r.name: StoredRole(r.name, r.description, frozenset(json.loads(r.permissions)))
        for r in rows
    }


def put_custom_role(
    conn: Connection, name: str, description: str, permissions: frozenset[str]
) -> bool:
    """Create or replace; True if it was created."""
    document = json.dumps(sorted(permissions))
    done = conn.execute(
        update(custom_roles)
        .where(custom_roles.c.name == name)
        .values(description=description, permissions=document)
    )
    if done.rowcount:
        return False
    conn.execute(
        insert(custom_roles).values(
            name=name, description=description, permissions=document, created_at=now()
        )
    )
    return True


def delete_custom_role(conn: Connection, name: str) -> int:
    return int(conn.execute(delete(custom_roles).where(custom_roles.c.name == name)).rowcount)


def assignments(
    conn: Connection, *, principal_id: str | None = None, role: str | None = None
) -> list[Assignment]:
    query = select(role_assignments).order_by(role_assignments.c.created_at)
    if principal_id is not None:
        query = query.where(role_assignments.c.principal_id == principal_id)
    if role is not None:
        query = query.where(role_assignments.c.role == role)
    return [_assignment(r) for r in conn.execute(query)]


def assignment_by_id(conn: Connection, assignment_id: str) -> Assignment | None:
    row = conn.execute(
        select(role_assignments).where(role_assignments.c.id == assignment_id)
    ).first()
    return _assignment(row) if row else None


def create_assignment(
    conn: Connection, principal_id: str, role: str, project_id: str | None
) -> tuple[Assignment, bool]:
    """The assignment (existing or new) and whether it was created."""
    for existing in assignments(conn, principal_id=principal_id, role=role):
        if existing.project_id == project_id:
            return existing, False
    found = Assignment(new_id(), principal_id, role, project_id, now())
    conn.execute(
        insert(role_assignments).values(
            id=found.id,
            principal_id=principal_id,
            role=role,
            project_id=project_id,
            created_at=found.created_at,
        )
    )
    return found, True


def delete_assignment(conn: Connection, assignment_id: str) -> int:
    return int(
        conn.execute(
            delete(role_assignments).where(role_assignments.c.id == assignment_id)
        ).rowcount
    )


def delete_project_assignments(conn: Connection, project_id: str) -> list[str]:
    """Remove the assignments scoped to a deleted project; the principals that held them."""
    held = [a.principal_id for a in assignments(conn) if a.project_id == project_id]
    conn.execute(delete(role_assignments).where(role_assignments.c.project_id == project_id))
    return held


# -- portal sessions -------------------------------------------------------------------------
def create_session(conn: Connection, session: PortalSession) -> None:
    conn.execute(
        insert(portal_sessions).values(
            id_hash=session.id_hash,
            principal_id=session.principal_id,
            method=session.method,
            credential_id=session.credential_id,
            created_at=session.created_at,
            expires_at=session.expires_at,
        )
    )


def session_by_hash(conn: Connection, id_hash: str) -> PortalSession | None:
    row = conn.execute(select(portal_sessions).where(portal_sessions.c.id_hash == id_hash)).first()
    if row is None:
        return None
    return PortalSession(
        row.id_hash,
        row.principal_id,
        row.method,
        row.credential_id,
        aware(row.created_at),
        aware(row.expires_at),
    )


def delete_sessions(
    conn: Connection,
    *,
    id_hash: str | None = None,
    principal_id: str | None = None,
    credential_id: str | None = None,
    expired_before: datetime | None = None,
) -> int:
    query = delete(portal_sessions)
    if id_hash is not None:
        query = query.where(portal_sessions.c.id_hash == id_hash)
    elif principal_id is not None:
        query = query.where(portal_sessions.c.principal_id == principal_id)
    elif credential_id is not None:
        query = query.where(portal_sessions.c.credential_id == credential_id)
    elif expired_before is not None:
        query = query.where(portal_sessions.c.expires_at <= expired_before)
    else:
        raise ValueError("say which sessions to delete")
    return int(conn.execute(query).rowcount)
