"""Authentication: a request's credential → the :class:`~modelport.access.grants.Access` of
its principal.

Credentials, in order: ``Authorization: Bearer`` with an API token, the bootstrap admin token or
an OIDC JWT; else the portal session cookie (with the session's CSRF token in ``X-CSRF-Token``
for every state-changing method). A request with an ``Authorization`` header is judged by that
header alone.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import Headers

from modelport.access.grants import Access
from modelport.access.oidc import OidcProvider, looks_like_jwt
from modelport.access.service import AccessService
from modelport.access.sessions import COOKIE_NAME, CSRF_HEADER, SessionStore
from modelport.access.types import PortalSession
from modelport.errors import Forbidden, Unauthorized

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NEEDS_CREDENTIALS = (
    "send 'Authorization: Bearer <token>' (an API token, the admin token or a single sign-on "
    "JWT) or sign in to the portal"
)


def bearer_of(headers: Headers) -> str | None:
    """The bearer token of an ``Authorization`` header; '' when the header is there but is
    not a usable bearer credential."""
    auth = headers.get("authorization")
    if auth is None:
        return None
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


class Authenticator:
    def __init__(
        self, access: AccessService, sessions: SessionStore, oidc: OidcProvider | None
    ) -> None:
        self.access = access
        self.sessions = sessions
        self.oidc = oidc

    async def bearer(self, token: str) -> Access:
        """The principal of a bearer token; Unauthorized if it proves nothing."""
        if not token:
            raise Unauthorized(f"missing credentials: {NEEDS_CREDENTIALS}")
        found: Access | None
        if looks_like_jwt(token):
            if self.oidc is None:
                raise Unauthorized("single sign-on is not configured on this server")
            claims = await self.oidc.validate(token)
            issuer = self.oidc.config.issuer.rstrip("/")
            found = await asyncio.to_thread(self.access.access_by_identity, issuer, claims)
        elif len(token) > 256:
            found = None
        else:
            found = await asyncio.to_thread(self.access.access_by_token, token)
        if found is None:
            raise Unauthorized("the token is not valid (unknown, expired, revoked or disabled)")
        return found

    async def session(self, cookie: str | None) -> tuple[Access, PortalSession] | None:
        def load() -> tuple[Access, PortalSession] | None:
            session = self.sessions.find(cookie)
            if session is None:
                return None
            access = self.access.access_of(
                session.principal_id, session.method, session.credential_id, session.id_hash
            )
            return (access, session) if access is not None else None

        return await asyncio.to_thread(load)

    async def authenticate(self, method: str, headers: Headers, cookie: str | None) -> Access:
        token = bearer_of(headers)
        if token is not None:
            return await self.bearer(token)
        found = await self.session(cookie)
        if found is None:
            raise Unauthorized(f"missing credentials: {NEEDS_CREDENTIALS}")
        access, session = found
        if method not in SAFE_METHODS and not self.sessions.csrf_ok(
            session, headers.get(CSRF_HEADER)
        ):
            raise Forbidden(
                "missing or invalid CSRF token (send the session's X-CSRF-Token header)"
            )
        return access


def session_cookie(cookies: dict[str, str]) -> str | None:
    return cookies.get(COOKIE_NAME)
