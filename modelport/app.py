"""``create_app(settings)``: the ASGI application; services are built in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from modelport import __version__
from modelport.control.routes import routes as management_routes
from modelport.errors import ModelportError, NotFound
from modelport.gateway.errors import handle_modelport_error, handle_unexpected
from modelport.gateway.openai_routes import chat_completions, completions
from modelport.portal.routes import portal_routes
from modelport.services import Services
from modelport.settings import Settings

log = logging.getLogger("modelport")


async def healthz(request: Request) -> JSONResponse:
    services: Services = request.app.state.services
    return JSONResponse(
        {
            "status": "ok",
            "deployments": {
                live.name: (live.engine.state.value if live.engine else live.deployment.state.value)
                for live in services.registry.all()
            },
        }
    )


def deployment_routes() -> list[Route]:
    """The data plane under one Target URL (``/deployments/{name}``)."""
    return [
        Route("/chat/completions", chat_completions, methods=["POST"]),
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/completions", completions, methods=["POST"]),
        Route("/v1/completions", completions, methods=["POST"]),
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
        docs_url="/management/docs",
        redoc_url=None,
        exception_handlers={
            ModelportError: handle_modelport_error,
            404: not_found,
            Exception: handle_unexpected,
        },
        lifespan=lifespan,
    )
    app.router.routes.extend(
        [
            Route("/healthz", healthz, methods=["GET"]),
            Mount("/deployments/{name}", routes=deployment_routes()),
            *management_routes,
            *portal_routes(),
        ]
    )
    return app
