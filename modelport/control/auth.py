"""Management-API authorisation: the one check every management route goes through.

Today a single operator token; roles plug in here later (``require(request, action)``).
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from modelport.errors import Unauthorized


def require_admin(request: Request) -> None:
    request.state.dialect = "management"
    expected: str = request.app.state.services.secrets.admin_token
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        raise Unauthorized("the management API needs 'Authorization: Bearer <admin token>'")
