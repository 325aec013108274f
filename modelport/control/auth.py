"""Management-API authorisation: the one check every management route goes through.

A request is the operator's when it carries either

- ``Authorization: Bearer <admin token>`` (the CLI, scripts), or
- a valid portal session cookie (signed, unexpired; see ``control.sessions``) and, for every
  state-changing method, the session's CSRF token in the ``X-CSRF-Token`` header. The cookie is
  ``SameSite=Strict`` as well; the header is what a cross-site form cannot send.

Roles plug in here later (``require(request, action)``).
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from modelport.control.sessions import COOKIE_NAME, CSRF_HEADER, Session, SessionCodec
from modelport.errors import Forbidden, Unauthorized

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _codec(request: Request) -> SessionCodec:
    codec: SessionCodec = request.app.state.services.sessions
    return codec


def portal_session(request: Request) -> Session | None:
    """The operator's portal session the request's cookie carries, if any (no CSRF check)."""
    return _codec(request).verify(request.cookies.get(COOKIE_NAME))


def admin_token_ok(request: Request, presented: str) -> bool:
    expected: str = request.app.state.services.secrets.admin_token
    return hmac.compare_digest(presented.strip().encode(), expected.encode())


def is_platform_operator(request: Request) -> bool:
    """Whether the caller (already through :func:`require_admin`) is the platform operator, who
    alone may attach servers by URL as engines. The management API has one principal today,
    the operator (admin token, or its portal session); roles narrow this here later."""
    return True


def require_admin(request: Request) -> None:
    request.state.dialect = "management"
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer" and admin_token_ok(request, token):
            return
        raise Unauthorized("the management API needs 'Authorization: Bearer <admin token>'")
    session = portal_session(request)
    if session is None:
        raise Unauthorized(
            "the management API needs 'Authorization: Bearer <admin token>' or a portal session"
        )
    if request.method not in SAFE_METHODS and not _codec(request).csrf_ok(
        session, request.headers.get(CSRF_HEADER)
    ):
        raise Forbidden("missing or invalid CSRF token (send the session's X-CSRF-Token header)")
