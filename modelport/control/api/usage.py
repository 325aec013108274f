"""``/management/usage`` (usage reports) and ``/management/deployments/{name}/limits`` (rate
limits)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from modelport.billing.reports import GroupBy, build_report
from modelport.control.api.deps import ServicesDep
from modelport.control.auth import require_access
from modelport.domain.deployments import RateLimits
from modelport.store.usage import rollup_rows

router = APIRouter(tags=["usage and limits"])

_MAX_LIMIT = 1_000_000_000

RegionQuery = Query(
    None, description="The deployment's region (needed only when the name exists in several)."
)


class LimitsView(BaseModel):
    requests_per_minute: int
    tokens_per_minute: int

    @classmethod
    def of(cls, limits: RateLimits) -> LimitsView:
        return cls(
            requests_per_minute=limits.requests_per_minute,
            tokens_per_minute=limits.tokens_per_minute,
        )


class LimitsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requests_per_minute: int | None = Field(None, ge=1, le=_MAX_LIMIT)
    tokens_per_minute: int | None = Field(None, ge=1, le=_MAX_LIMIT)


@router.get(
    "/usage",
    summary="Requests, tokens and cost per group, from the usage rollups",
    response_model=dict[str, Any],
)
async def usage_report(
    services: ServicesDep,
    request: Request,
    by: Annotated[GroupBy, Query(description="How to group the rows.")] = GroupBy.DEPLOYMENT,
    deployment: Annotated[str | None, Query(description="Only this deployment (name).")] = None,
    project: Annotated[str | None, Query(description="Only this project (name).")] = None,
    region: Annotated[str | None, Query(description="Only deployments of this region.")] = None,
    since: Annotated[date | None, Query(description="First day (YYYY-MM-DD).")] = None,
    until: Annotated[date | None, Query(description="Last day (YYYY-MM-DD), inclusive.")] = None,
) -> dict[str, Any]:
    first = since.isoformat() if since else None
    last = until.isoformat() if until else None
    rows = await asyncio.to_thread(
        services.store.run,
        lambda c: rollup_rows(c, since=first, until=last, deployment=deployment, project=project),
    )
    visible = require_access(request).projects_with("usage/read")  # None: every project
    if visible is not None:
        rows = [r for r in rows if r.project_id in visible]
    if region is not None:
        services.regions.require(region)
        ids = {
            live.deployment.id
            for live in services.registry.all()
            if live.deployment.region == region
        }
        rows = [row for row in rows if row.deployment_id in ids]
    report = build_report(rows, by, services.prices)
    report["filters"] = {
        "deployment": deployment,
        "project": project,
        "region": region,
        "since": first,
        "until": last,
    }
    return report


@router.get(
    "/deployments/{name}/limits",
    response_model=LimitsView,
    summary="The deployment's rate limits (requests and tokens per minute)",
)
async def get_limits(
    name: str, services: ServicesDep, region: str | None = RegionQuery
) -> LimitsView:
    return LimitsView.of(services.deployments.get_live(name, region).deployment.limits)


async def _set_limits(
    name: str, update: LimitsUpdate, services: ServicesDep, region: str | None, merge: bool
) -> LimitsView:
    live = services.deployments.get_live(name, region)
    base = live.deployment.limits if merge else RateLimits()
    limits = RateLimits(
        update.requests_per_minute or base.requests_per_minute,
        update.tokens_per_minute or base.tokens_per_minute,
    )
    await services.deployments.set_limits(live.name, limits, live.deployment.region)
    return LimitsView.of(limits)


@router.put(
    "/deployments/{name}/limits",
    response_model=LimitsView,
    summary="Replace both limits (omitted ones return to the defaults); next request on",
)
async def put_limits(
    name: str,
    body: LimitsUpdate,
    services: ServicesDep,
    region: str | None = RegionQuery,
) -> LimitsView:
    return await _set_limits(name, body, services, region, merge=False)


@router.patch(
    "/deployments/{name}/limits",
    response_model=LimitsView,
    summary="Change only the limits given; next request on",
)
async def patch_limits(
    name: str, body: LimitsUpdate, services: ServicesDep, region: str | None = RegionQuery
) -> LimitsView:
    return await _set_limits(name, body, services, region, merge=True)
