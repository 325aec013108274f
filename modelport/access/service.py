"""Principals, API tokens and role assignments: the rules, over the store (the roles themselves:
:mod:`modelport.access.roles`).

- The first start creates one owner (``admin``, Owner at platform scope) whose credential is the
  bootstrap admin token; a changed token (rotation) replaces the stored hash and ends that
  owner's portal sessions.
- API tokens are shown once, stored as keyed hashes, may expire, and are revoked by deleting
  them (which ends the portal sessions they opened).
- Changing a principal's roles (or a custom role's permissions) ends the portal sessions of
  everyone it affects: a session never outlives the rights it was opened with.

Methods whose name starts with ``_`` are synchronous (inside a store transaction); the public
ones run them in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection

from modelport.access import credentials
from modelport.access.grants import Access, Grant
from modelport.access.roles import RoleService, role_named
from modelport.access.types import ApiToken, Assignment, Principal, PrincipalKind
from modelport.errors import Conflict, InvalidRequest, NotFound
from modelport.store import access as sql
from modelport.store.repositories import Store
from modelport.store.values import now

log = logging.getLogger("modelport.access")

T = TypeVar("T")
BOOTSTRAP_NAME = "admin"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


def validate_name(name: str, what: str = "principal") -> str:
    if not _NAME.match(name):
        raise InvalidRequest(
            f"{what} name must be 1-64 letters, digits, '.', '_', '@' or '-', starting with a "
            "letter or digit",
            param="name",
        )
    return name


@dataclass(frozen=True)
class IssuedToken:
    """A new API token: the record, and the token itself (shown this once)."""

    record: ApiToken
    token: str


class AccessService:
    def __init__(self, store: Store, hash_secret: bytes) -> None:
        self.store = store
        self._hash_secret = hash_secret
        self.roles = RoleService(store)

    async def _run(self, fn: Callable[[Connection], T]) -> T:
        return await asyncio.to_thread(self.store.run, fn)

    def hash(self, token: str) -> str:
        return credentials.token_hash(self._hash_secret, token)

    # -- bootstrap ---------------------------------------------------------------------------
    def bootstrap(self, admin_token: str) -> None:
        """Create the bootstrap owner on first start; adopt a rotated admin token."""
        digest = self.hash(admin_token)
        with self.store.transaction() as conn:
            owner = sql.bootstrap_principal(conn)
            if owner is None:
                name = BOOTSTRAP_NAME
                if sql.principal_by_name(conn, name) is not None:
                    name = f"{BOOTSTRAP_NAME}-bootstrap"
                owner = sql.create_principal(
                    conn, kind=PrincipalKind.SERVICE, name=name, bootstrap=True
                )
                sql.create_assignment(conn, owner.id, "Owner", None)
                log.info("created the bootstrap owner %r", owner.name)
            stored = sql.bootstrap_token(conn)
            if stored is not None and credentials.same(stored[1], digest):
                return
            if stored is not None:
                sql.delete_token(conn, stored[0].id)
                ended = sql.delete_sessions(conn, principal_id=owner.id)
                log.info("the admin token was rotated; %d portal session(s) ended", ended)
            sql.create_token(
                conn,
                owner.id,
                name="bootstrap admin token",
                token_hash=digest,
                hint=admin_token[-4:],
                expires_at=None,
                bootstrap=True,
            )

    async def rotate_admin_token(self) -> str:
        """A new random admin token replaces the old one; the owner's sessions end."""
        token = credentials.generate_admin_token()
        await asyncio.to_thread(self.bootstrap, token)
        return token

    # -- authentication ----------------------------------------------------------------------
    def _grants(self, conn: Connection, principal_id: str) -> tuple[Grant, ...]:
        custom = sql.custom_roles_all(conn)
        grants = []
        for a in sql.assignments(conn, principal_id=principal_id):
            role = role_named(a.role, custom)
            if role is not None:
                grants.append(Grant(role.name, role.permissions, a.project_id))
        return tuple(grants)

    def _access(
        self,
        conn: Connection,
        principal: Principal,
        method: str,
        credential_id: str | None = None,
        session_id: str | None = None,
    ) -> Access | None:
        if principal.disabled:
            return None
        return Access(
            principal,
            self._grants(conn, principal.id),
            method=method,
            session_id=session_id,
            credential_id=credential_id,
        )

    def access_by_token(self, token: str) -> Access | None:
        """The principal an API token (or the bootstrap admin token) belongs to."""
        digest = self.hash(token)
        with self.store.transaction() as conn:
            record = sql.token_by_hash(conn, digest)
            if record is None or record.expired(now()):
                return None
            principal = sql.principal_by_id(conn, record.principal_id)
            if principal is None:
                return None
            method = "bootstrap" if record.bootstrap else "token"
            return self._access(conn, principal, method, credential_id=record.id)

    def access_by_password(self, name: str, password: str) -> Access | None:
        with self.store.transaction() as conn:
            found = sql.password_hash_of(conn, name)
        principal, stored = found if found is not None else (None, None)
        if not credentials.verify_password(password, stored) or principal is None:
            return None
        with self.store.transaction() as conn:
            return self._access(conn, principal, "password")

    def access_of(
        self,
        principal_id: str,
        method: str,
        credential_id: str | None = None,
        session_id: str | None = None,
    ) -> Access | None:
        with self.store.transaction() as conn:
            principal = sql.principal_by_id(conn, principal_id)
            if principal is None:
                return None
            return self._access(conn, principal, method, credential_id, session_id)

    def access_by_identity(self, issuer: str, claims: dict[str, Any]) -> Access | None:
        """The principal an OIDC identity maps to, created (with no roles) on first sight.

        Matched by (issuer, subject); else by a verified e-mail that an operator registered
        for a user not yet bound to an identity (binding it now)."""
        subject = str(claims["sub"])
        email = claims.get("email") if claims.get("email_verified", True) is not False else None
        with self.store.transaction() as conn:
            principal = sql.principal_by_identity(conn, issuer, subject)
            if principal is None and isinstance(email, str) and email:
                by_email = sql.principal_by_email(conn, email)
                if by_email is not None and by_email.oidc_subject is None:
                    sql.update_principal(
                        conn, by_email.id, oidc_issuer=issuer, oidc_subject=subject
                    )
                    principal = sql.principal_by_id(conn, by_email.id)
            if principal is None:
                principal = self._create_identity(conn, issuer, subject, claims, email)
            return self._access(conn, principal, "oidc")

    def _create_identity(
        self,
        conn: Connection,
        issuer: str,
        subject: str,
        claims: dict[str, Any],
        email: object,
    ) -> Principal:
        wanted = str(claims.get("preferred_username") or email or subject)
        base = re.sub(r"[^A-Za-z0-9_.@-]", "-", wanted).strip("-.")[:56] or "user"
        name, n = base, 1
        while sql.principal_by_name(conn, name) is not None:
            n += 1
            name = f"{base}-{n}"
        taken = isinstance(email, str) and sql.principal_by_email(conn, email) is not None
        created = sql.create_principal(
            conn,
            kind=PrincipalKind.USER,
            name=name,
            email=email if isinstance(email, str) and email and not taken else None,
            oidc_issuer=issuer,
            oidc_subject=subject,
        )
        log.info("new single sign-on user %r (no roles yet)", created.name)
        return created

    # -- principals --------------------------------------------------------------------------
    def _principal(self, conn: Connection, name: str) -> Principal:
        found = sql.principal_by_name(conn, name) or sql.principal_by_id(conn, name)
        if found is None:
            raise NotFound(f"principal {name!r} does not exist", param="principal")
        return found

    async def create_principal(
        self,
        kind: PrincipalKind,
        name: str,
        *,
        email: str | None = None,
        password: str | None = None,
        oidc_issuer: str | None = None,
        oidc_subject: str | None = None,
    ) -> Principal:
        validate_name(name)
        if kind is PrincipalKind.SERVICE and (password or email or oidc_subject):
            raise InvalidRequest(
                "a service principal signs in with API tokens only", param="password"
            )
        hashed = self._password_hash(password) if password else None
        return await self._run(
            lambda c: sql.create_principal(
                c,
                kind=kind,
                name=name,
                email=email,
                password_hash=hashed,
                oidc_issuer=oidc_issuer if oidc_subject else None,
                oidc_subject=oidc_subject,
            )
        )

    @staticmethod
    def _password_hash(password: str) -> str:
        try:
            credentials.check_password(password)
        except credentials.WeakSecret as exc:
            raise InvalidRequest(str(exc), param="password") from exc
        return credentials.hash_password(password)

    async def list_principals(self) -> list[Principal]:
        return await self._run(sql.list_principals)

    async def get_principal(self, name: str) -> Principal:
        return await self._run(lambda c: self._principal(c, name))

    async def update_principal(self, name: str, changes: dict[str, Any]) -> Principal:
        values: dict[str, Any] = {}
        if "password" in changes:
            password = changes["password"]
            values["password_hash"] = self._password_hash(password) if password else None
        for field in ("email", "disabled"):
            if field in changes:
                values[field] = changes[field]

        def update(conn: Connection) -> Principal:
            principal = self._principal(conn, name)
            if principal.kind is PrincipalKind.SERVICE and values.get("password_hash"):
                raise InvalidRequest("a service principal has no password", param="password")
            if principal.bootstrap and values.get("disabled"):
                raise Conflict("the bootstrap owner cannot be disabled", param="disabled")
            if values:
                sql.update_principal(conn, principal.id, **values)
            if "password_hash" in values or values.get("disabled"):
                sql.delete_sessions(conn, principal_id=principal.id)
            updated = sql.principal_by_id(conn, principal.id)
            assert updated is not None
            return updated

        return await self._run(update)

    async def delete_principal(self, name: str) -> None:
        def delete(conn: Connection) -> None:
            principal = self._principal(conn, name)
            if principal.bootstrap:
                raise Conflict("the bootstrap owner cannot be deleted", param="principal")
            sql.delete_principal(conn, principal.id)

        await self._run(delete)

    # -- API tokens --------------------------------------------------------------------------
    async def issue_token(
        self, principal_name: str, name: str, expires_in: timedelta | None
    ) -> IssuedToken:
        token = credentials.generate_api_token()
        expires_at: datetime | None = now() + expires_in if expires_in else None

        def issue(conn: Connection) -> ApiToken:
            principal = self._principal(conn, principal_name)
            return sql.create_token(
                conn,
                principal.id,
                name=name,
                token_hash=self.hash(token),
                hint=token[-4:],
                expires_at=expires_at,
            )

        return IssuedToken(await self._run(issue), token)

    async def tokens(self, principal_name: str) -> list[ApiToken]:
        return await self._run(lambda c: sql.tokens_of(c, self._principal(c, principal_name).id))

    async def revoke_token(self, principal_name: str, token_id: str) -> None:
        def revoke(conn: Connection) -> None:
            principal = self._principal(conn, principal_name)
            found = [t for t in sql.tokens_of(conn, principal.id) if t.id == token_id]
            if not found:
                raise NotFound(f"{principal.name!r} has no token {token_id!r}", param="token_id")
            if found[0].bootstrap:
                raise Conflict(
                    "the bootstrap admin token is rotated, not revoked (modelport admin-token "
                    "rotate)",
                    param="token_id",
                )
            sql.delete_token(conn, token_id)
            sql.delete_sessions(conn, credential_id=token_id)

        await self._run(revoke)

    # -- assignments -------------------------------------------------------------------------
    async def assignments(self) -> list[Assignment]:
        return await self._run(lambda c: sql.assignments(c))

    async def assignment(self, assignment_id: str) -> Assignment:
        found = await self._run(lambda c: sql.assignment_by_id(c, assignment_id))
        if found is None:
            raise NotFound(f"role assignment {assignment_id!r} does not exist")
        return found

    async def assign(
        self, principal_name: str, role: str, project_id: str | None
    ) -> tuple[Assignment, bool]:
        def assign(conn: Connection) -> tuple[Assignment, bool]:
            principal = self._principal(conn, principal_name)
            if role_named(role, sql.custom_roles_all(conn)) is None:
                raise NotFound(f"role {role!r} does not exist", param="role")
            found = sql.create_assignment(conn, principal.id, role, project_id)
            if found[1]:
                sql.delete_sessions(conn, principal_id=principal.id)
            return found

        return await self._run(assign)

    async def unassign(self, assignment_id: str) -> None:
        def unassign(conn: Connection) -> None:
            found = sql.assignment_by_id(conn, assignment_id)
            if found is None:
                raise NotFound(f"role assignment {assignment_id!r} does not exist")
            principal = sql.principal_by_id(conn, found.principal_id)
            if (
                principal is not None
                and principal.bootstrap
                and found.role == "Owner"
                and found.project_id is None
            ):
                raise Conflict("the bootstrap owner keeps its Owner role", param="assignment_id")
            sql.delete_assignment(conn, assignment_id)
            sql.delete_sessions(conn, principal_id=found.principal_id)

        await self._run(unassign)

    async def principal_names(self) -> dict[str, str]:
        return {p.id: p.name for p in await self.list_principals()}
