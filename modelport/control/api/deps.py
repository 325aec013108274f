"""What every management route depends on: the authorisation check, then the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from modelport.control.auth import require_admin
from modelport.services import Services


def services(request: Request) -> Services:
    require_admin(request)
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]
