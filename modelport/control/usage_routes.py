"""Management routes for usage reports and rate limits, and the Prometheus ``/metrics`` page."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from modelport.billing.reports import GroupBy, build_report
from modelport.control.auth import require_access
from modelport.dialects.parsing import load_json, validate
from modelport.domain.deployments import RateLimits
from modelport.errors import InvalidRequest
from modelport.services import Services
from modelport.store.usage import rollup_rows

_MAX_LIMIT = 1_000_000_000


class LimitsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requests_per_minute: int | None = Field(None, ge=1, le=_MAX_LIMIT)
    tokens_per_minute: int | None = Field(None, ge=1, le=_MAX_LIMIT)


def _services(request: Request) -> Services:
    require_access(request)
    services: Services = request.app.state.services
    return services


def _day(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise InvalidRequest(f"{name} must be a date (YYYY-MM-DD)", param=name) from exc


async def usage_report(request: Request) -> JSONResponse:
    """``GET /management/usage?by=day|project|subscription|deployment&deployment=&project=
    &since=&until=``: requests, tokens and cost per group, from the rollups."""
    services = _services(request)
    visible = require_access(request).projects_with("usage/read")  # None: every project
    q = request.query_params
    try:
        by = GroupBy(q.get("by", GroupBy.DEPLOYMENT.value))
    except ValueError as exc:
        choices = ", ".join(g.value for g in GroupBy)
        raise InvalidRequest(f"by must be one of {choices}", param="by") from exc
    since, until = _day(q.get("since"), "since"), _day(q.get("until"), "until")
    deployment, project = q.get("deployment"), q.get("project")
    rows = await asyncio.to_thread(
        services.store.run,
        lambda c: rollup_rows(c, since=since, until=until, deployment=deployment, project=project),
    )
    if visible is not None:
        rows = [r for r in rows if r.project_id in visible]
    report = build_report(rows, by, services.prices)
    report["filters"] = {
        "deployment": deployment,
        "project": project,
        "since": since,
        "until": until,
    }
    return JSONResponse(report)


def _limits_view(limits: RateLimits) -> dict[str, Any]:
    return {
        "requests_per_minute": limits.requests_per_minute,
        "tokens_per_minute": limits.tokens_per_minute,
    }


async def get_limits(request: Request) -> JSONResponse:
    services = _services(request)
    live = services.deployments.get_live(request.path_params["name"])
    return JSONResponse(_limits_view(live.deployment.limits))


async def set_limits(request: Request) -> JSONResponse:
    """``PUT`` replaces both limits (omitted ones return to the defaults); ``PATCH`` changes
    only the ones given. Takes effect on the next request."""
    services = _services(request)
    update = validate(LimitsUpdate, load_json(await request.body()))
    live = services.deployments.get_live(request.path_params["name"])
    base = live.deployment.limits if request.method == "PATCH" else RateLimits()
    limits = RateLimits(
        update.requests_per_minute or base.requests_per_minute,
        update.tokens_per_minute or base.tokens_per_minute,
    )
    await services.deployments.set_limits(live.name, limits, live.deployment.region)
    return JSONResponse(_limits_view(limits))


async def metrics(request: Request) -> Response:
    """Prometheus metrics; who may read them is MODELPORT_METRICS (the access layer)."""
    services: Services = request.app.state.services
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)


routes = [
    Route("/management/usage", usage_report, methods=["GET"]),
    Route("/management/deployments/{name}/limits", get_limits, methods=["GET"]),
    Route("/management/deployments/{name}/limits", set_limits, methods=["PUT", "PATCH"]),
    Route("/metrics", metrics, methods=["GET"]),
]
