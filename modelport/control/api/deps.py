"""What every management route depends on: the caller's access (checked by the access layer
before the route was reached), then the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from modelport.access.grants import Access
from modelport.control.auth import require_access
from modelport.services import Services


def services(request: Request) -> Services:
    require_access(request)
    found: Services = request.app.state.services
    return found


def access(request: Request) -> Access:
    return require_access(request)


ServicesDep = Annotated[Services, Depends(services)]
AccessDep = Annotated[Access, Depends(access)]
