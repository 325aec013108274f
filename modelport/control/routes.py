"""Management API routes (``/management/...``): thin wrappers over the services."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from modelport.control.auth import require_admin
from modelport.control.interim_routes import routes as interim_routes
from modelport.control.views import deployment_view
from modelport.services import Services


def _services(request: Request) -> Services:
    require_admin(request)
    services: Services = request.app.state.services
    return services


async def list_deployments(request: Request) -> JSONResponse:
    services = _services(request)
    base = services.settings.resolved_public_url()
    items = [deployment_view(live, base) for live in services.registry.all()]
    return JSONResponse({"data": items})


async def get_deployment(request: Request) -> JSONResponse:
    services = _services(request)
    live = services.deployments.get_live(request.path_params["name"])
    return JSONResponse(deployment_view(live, services.settings.resolved_public_url()))


async def get_keys(request: Request) -> JSONResponse:
    services = _services(request)
    keys = await services.deployments.keys(request.path_params["name"])
    return JSONResponse({slot.value: key for slot, key in keys.items()})


routes = [
    Route("/management/deployments", list_deployments, methods=["GET"]),
    Route("/management/deployments/{name}", get_deployment, methods=["GET"]),
    Route("/management/deployments/{name}/keys", get_keys, methods=["GET"]),
    *interim_routes,  # INTERIM (issue 7): remove when issue 3's management API is merged
]
