"""Portal sessions, kept on the server: the cookie holds a random id, the store its SHA-256.

A session ends when its principal signs out (the row is deleted, so a replayed cookie is
refused), when it expires, when the principal's roles change, and when the credential it was
opened with is rotated or revoked (see :mod:`.service`). The CSRF token is
``HMAC(key, "csrf:" + id-hash)``: recomputed rather than stored, useless in another session.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from datetime import timedelta

from modelport.access.types import PortalSession
from modelport.store import access as sql
from modelport.store.repositories import Store
from modelport.store.values import now

COOKIE_NAME = "modelport_session"
CSRF_HEADER = "x-csrf-token"
DEFAULT_TTL_S = 8 * 3600


def _id_hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


class SessionStore:
    def __init__(self, store: Store, hash_secret: bytes, ttl_s: int = DEFAULT_TTL_S) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self._key = hmac.new(hash_secret, b"modelport-portal-session", hashlib.sha256).digest()

    async def open(
        self, principal_id: str, method: str, credential_id: str | None = None
    ) -> tuple[PortalSession, str]:
        """A new session and its cookie value."""
        cookie = secrets.token_urlsafe(32)
        created = now()
        session = PortalSession(
            _id_hash(cookie),
            principal_id,
            method,
            credential_id,
            created,
            created + timedelta(seconds=self.ttl_s),
        )

        def save() -> None:
            with self.store.transaction() as conn:
                sql.delete_sessions(conn, expired_before=created)
                sql.create_session(conn, session)

        await asyncio.to_thread(save)
        return session, cookie

    def find(self, cookie: str | None) -> PortalSession | None:
        """The live session a cookie value names, or None (missing, ended or expired).
        Synchronous: call it from a worker thread."""
        if not cookie or len(cookie) > 128:
            return None
        session = self.store.run(lambda c: sql.session_by_hash(c, _id_hash(cookie)))
        if session is None or session.expires_at <= now():
            return None
        return session

    async def close(self, cookie: str | None) -> None:
        if cookie:
            await asyncio.to_thread(
                self.store.run, lambda c: sql.delete_sessions(c, id_hash=_id_hash(cookie))
            )

    def csrf_token(self, session: PortalSession) -> str:
        return hmac.new(self._key, b"csrf:" + session.id_hash.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: PortalSession, presented: str | None) -> bool:
        if not presented:
            return False
        return hmac.compare_digest(presented.encode(), self.csrf_token(session).encode())
