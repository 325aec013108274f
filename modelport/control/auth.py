"""What management handlers know about their caller: the :class:`Access` the access layer
(``access.middleware``) authenticated and authorised before the route was reached.

A handler reached without it is refused (fail closed): no route runs unauthorised even if the
access layer were left out of the application.
"""

from __future__ import annotations

from starlette.requests import Request

from modelport.access.grants import Access
from modelport.errors import Unauthorized


def require_access(request: Request) -> Access:
    request.state.dialect = "management"
    access: Access | None = getattr(request.state, "access", None)
    if access is None:
        raise Unauthorized("this route is reachable only through the access layer")
    return access
