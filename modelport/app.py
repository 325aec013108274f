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
from modelport.cluster.status import store_status
from modelport.control.api.fine_tuning import fine_tuning_routers
from modelport.control.metrics_route import metrics
from modelport.control.routes import management_router
from modelport.errors import ModelportError
from modelport.gateway.body_limit import BodyLimit
from modelport.gateway.endpoints import endpoint_routes
from modelport.gateway.errors import (
    handle_method_not_allowed,
    handle_modelport_error,
    handle_not_found,
    handle_unexpected,
    handle_validation_error,
)
from modelport.gateway.hosts import HostRouting
from modelport.gateway.routes import deployment_routes
from modelport.portal.routes import portal_routes
from modelport.services import Services
from modelport.settings import Settings

log = logging.getLogger("modelport")


async def healthz(request: Request) -> JSONResponse:
    """Liveness for load balancers: counts only (names would let anyone enumerate deployments;
    ``/management/deployments`` lists them for those allowed to see them), and what this process
    runs in degraded mode: the database lost (serving from memory, usage spooled), the limiter's
    Redis lost (``limiter.mode`` local, open or closed). ``?detail=1`` always says it all."""
    services: Services = request.app.state.services
    states: dict[str, int] = {}
    for live in services.registry.all():
        state = live.readiness()[0].value
        states[state] = states.get(state, 0) + 1
    store = store_status(services)
    limiter = services.limiter_status()
    degraded = []
    if not store["reachable"]:
        degraded.append("database unreachable: serving known deployments from memory")
    elif store.get("catching_up"):
        degraded.append("database answers again: reading the changes made while it did not")
    if limiter["mode"] not in ("redis", "memory"):
        degraded.append(f"rate limiter: Redis unreachable, {limiter['mode']} limits")
    if services.ledger.spooled():
        degraded.append(f"{services.ledger.spooled()} usage records spooled on local disk")
    body: dict[str, object] = {"status": "degraded" if degraded else "ok", "deployments": states}
    if degraded or request.query_params.get("detail"):
        body.update(
            {
                "degraded": degraded,
                "role": services.settings.role,
                "member": services.heartbeat.id,
                "store": store,
                "limiter": limiter,
                "usage_spool": {"records": services.ledger.spooled()},
            }
        )
        if services.controller is not None:
            body["controller"] = {
                "active": services.controller.active,
                "runtime": services.controller.runtime.name,
            }
    return JSONResponse(body)


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
            404: handle_not_found,
            405: handle_method_not_allowed,
            Exception: handle_unexpected,
        },
        lifespan=lifespan,
        # Modelport exports its own metrics (/metrics); FastAPI's OpenTelemetry hooks would
        # otherwise look for a configured provider on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    if settings.role == "controller":
        # A controller serves no API: its health, for a supervisor or an orchestrator's probe.
        app.router.routes.append(Route("/healthz", healthz, methods=["GET"]))
        return app
    # The data plane first: a request is matched against the routes in order, and FastAPI's
    # matching of an included router costs more than the whole rest of a request's routing.
    app.router.routes[0:0] = [
        Mount("/deployments/{name}", routes=deployment_routes()),
        # Other regions served by this process (the default region has no prefix).
        Mount("/regions/{region}/deployments/{name}", routes=deployment_routes()),
        # Managed online endpoints: one URL and keys for several deployments (traffic split).
        Mount("/endpoints/{endpoint}", routes=endpoint_routes()),
        Mount("/regions/{region}/endpoints/{endpoint}", routes=endpoint_routes()),
    ]
    app.include_router(management_router())
    for router in fine_tuning_routers():
        app.include_router(router)
    app.router.routes.extend(
        [
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            *portal_routes(),
        ]
    )
    return app
