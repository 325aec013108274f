"""``create_app(settings)``: the ASGI application; services are built in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from modelport import __version__
from modelport.access.audit import AuditTrail
from modelport.access.middleware import AccessControl
from modelport.control.routes import management_router
from modelport.control.usage_routes import routes as usage_routes
from modelport.errors import ModelportError, NotFound
from modelport.gateway import azure_routes, openai_routes, v1_routes
from modelport.gateway.body_limit import BodyLimit
from modelport.gateway.errors import (
    handle_modelport_error,
    handle_unexpected,
    handle_validation_error,
)
from modelport.gateway.hosts import HostRouting
from modelport.portal.routes import portal_routes
from modelport.services import Services
from modelport.settings import Settings

log = logging.getLogger("modelport")


async def healthz(request: Request) -> JSONResponse:
    """Liveness for load balancers: counts only (names would let anyone enumerate deployments;
    ``/management/deployments`` lists them for those allowed to see them)."""
    services: Services = request.app.state.services
    states: dict[str, int] = {}
    for live in services.registry.all():
        state = live.engine.state.value if live.engine else live.deployment.state.value
        states[state] = states.get(state, 0) + 1
    return JSONResponse({"status": "ok", "deployments": states})


def deployment_routes() -> list[Route]:
    """The data plane under one Target URL (``/deployments/{name}``): Azure AI Model Inference
    (which the openai SDK's ``/chat/completions`` calls too), OpenAI completions, and ``/v1/...``
    in the dialect of the deployment's offer (see docs/dialects.md)."""
    return [
        Route("/chat/completions", azure_routes.chat_completions, methods=["POST"]),
        Route("/info", azure_routes.info, methods=["GET"]),
        Route("/swagger.json", azure_routes.openapi, methods=["GET"]),
        Route("/openapi.json", azure_routes.openapi, methods=["GET"]),
        Route("/completions", openai_routes.completions, methods=["POST"]),
        Route("/v1/chat/completions", v1_routes.chat_completions, methods=["POST"]),
        Route("/v1/completions", v1_routes.completions, methods=["POST"]),
        Route("/v1/openapi.json", v1_routes.openapi, methods=["GET"]),
    ]


async def not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": NotFound.code, "message": f"no route for {request.url.path}"}},
        status_code=404,
    )


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await Services.build(settings)
        app.state.services = services
        app.state.default_region = settings.default_region
        try:
            await services.start()
            yield
        finally:
            await services.close()

    app = FastAPI(
        title="Modelport",
        version=__version__,
        openapi_url="/management/openapi.json",
        # No Swagger UI: FastAPI's loads from a CDN onto this origin. The OpenAPI document is
        # served (MODELPORT_API_DOCS) for any client or local viewer to read.
        docs_url=None,
        redoc_url=None,
        # Outermost first: the audit trail sees every outcome, body limits apply before any
        # read, host routing maps deployment host names, the access layer guards the routes.
        middleware=[
            Middleware(AuditTrail),
            Middleware(BodyLimit),
            Middleware(HostRouting),
            Middleware(AccessControl),
        ],
        exception_handlers={
            RequestValidationError: handle_validation_error,
            ModelportError: handle_modelport_error,
            404: not_found,
            Exception: handle_unexpected,
        },
        lifespan=lifespan,
    )
    app.include_router(management_router())
    app.router.routes.extend(
        [
            Route("/healthz", healthz, methods=["GET"]),
            Mount("/deployments/{name}", routes=deployment_routes()),
            # Other regions served by this process (the default region has no prefix).
            Mount("/regions/{region}/deployments/{name}", routes=deployment_routes()),
            *usage_routes,
            *portal_routes(),
        ]
    )
    return app
