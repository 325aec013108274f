"""Operator sessions of the portal: a signed, expiring cookie and the CSRF token tied to it.

The cookie value is ``<payload>.<signature>``: the payload is base64url JSON ``{"sid", "exp"}``,
the signature an HMAC-SHA256 under a key derived from the server's key-hash secret *and* the admin
token, so rotating the admin token ends every session. Nothing secret is inside the cookie; the
CSRF token is ``HMAC(key, "csrf:" + sid)``, so the server recomputes it instead of storing it, and
a token stolen from one session is useless in another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE_NAME = "modelport_session"
CSRF_HEADER = "x-csrf-token"
DEFAULT_TTL_S = 8 * 3600


@dataclass(frozen=True)
class Session:
    sid: str
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCodec:
    def __init__(
        self, key_hash_secret: bytes, admin_token: str, ttl_s: int = DEFAULT_TTL_S
    ) -> None:
        self._key = hmac.new(
            key_hash_secret, b"modelport-portal-session:" + admin_token.encode(), hashlib.sha256
        ).digest()
        self.ttl_s = ttl_s

    def _sign(self, message: bytes) -> str:
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())

    def issue(self, now: float | None = None) -> tuple[Session, str]:
        """A new session and its cookie value."""
        issued = int(now if now is not None else time.time())
        session = Session(sid=secrets.token_urlsafe(18), expires_at=issued + self.ttl_s)
        payload = _b64(json.dumps({"sid": session.sid, "exp": session.expires_at}).encode())
        return session, f"{payload}.{self._sign(payload.encode())}"

    def verify(self, cookie: str | None, now: float | None = None) -> Session | None:
        """The session a cookie value carries, or None if it is missing, forged or expired."""
        if not cookie or cookie.count(".") != 1:
            return None
        payload, signature = cookie.split(".")
        if not hmac.compare_digest(signature.encode(), self._sign(payload.encode()).encode()):
            return None
        try:
            data = json.loads(_unb64(payload))
            session = Session(sid=str(data["sid"]), expires_at=int(data["exp"]))
        except (ValueError, KeyError, TypeError):
            return None
        if session.expires_at <= (now if now is not None else time.time()):
            return None
        return session

    def csrf_token(self, session: Session) -> str:
        return self._sign(b"csrf:" + session.sid.encode())

    def csrf_ok(self, session: Session, presented: str | None) -> bool:
        if not presented:
            return False
        return hmac.compare_digest(presented.encode(), self.csrf_token(session).encode())
