"""The management API (``/management/...``): thin FastAPI routers over the control services.

Every route depends on ``control.api.deps.services``, which runs the one authorisation check
(``control.auth.require_admin``) before anything else.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from modelport.control.api import blocklists, catalog, content_safety, deployments, projects
from modelport.control.api.deps import services


def management_router() -> APIRouter:
    router = APIRouter(prefix="/management", dependencies=[Depends(services)])
    router.include_router(catalog.router)
    router.include_router(projects.router)
    router.include_router(deployments.router)
    router.include_router(content_safety.router)
    router.include_router(blocklists.router)
    return router
