"""The management API (``/management/...``): thin FastAPI routers over the control services.

Every route is authorised by the access layer (``access.middleware``, by the route table in
``access.route_table``) before it is reached, and depends on ``control.api.deps.services``,
which refuses a request that did not come through it.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from modelport.control.api import (
    access,
    blocklists,
    catalog,
    cluster,
    compute,
    content_safety,
    deployments,
    endpoints,
    projects,
    usage,
)
from modelport.control.api.deps import services


def management_router() -> APIRouter:
    router = APIRouter(prefix="/management", dependencies=[Depends(services)])
    router.include_router(catalog.router)
    router.include_router(projects.router)
    router.include_router(deployments.router)
    router.include_router(content_safety.router)
    router.include_router(blocklists.router)
    router.include_router(usage.router)
    router.include_router(access.router)
    router.include_router(cluster.router)
    router.include_router(compute.router)
    router.include_router(endpoints.router)
    return router
