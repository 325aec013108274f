"""``/management/compute/instance-types`` and the core quota of projects and regions."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from modelport.control.api.deps import ServicesDep
from modelport.control.endpoint_views import InstanceTypeView, QuotaView

router = APIRouter(tags=["managed compute"])


class InstanceTypeList(BaseModel):
    data: list[InstanceTypeView]


class QuotaList(BaseModel):
    data: list[QuotaView]


class QuotaBody(BaseModel):
    cores: int = Field(ge=0, le=1_000_000, description="Cores allowed on managed compute.")
    gpus: int = Field(0, ge=0, le=100_000, description="GPUs allowed on managed compute.")


@router.get(
    "/compute/instance-types",
    response_model=InstanceTypeList,
    summary="The instance types offered (in a region, with ?region=)",
)
async def instance_types(
    services: ServicesDep, region: str | None = Query(None)
) -> InstanceTypeList:
    if region is not None:
        services.regions.require(region)
    found = services.instance_types.all(region)
    return InstanceTypeList(data=[InstanceTypeView.of(t) for t in found])


@router.get(
    "/projects/{project}/quota",
    response_model=QuotaList,
    summary="The project's core quota in its region, and the region's, with what each uses",
)
async def show_quota(project: str, services: ServicesDep) -> QuotaList:
    uses = await services.quota.show(project)
    return QuotaList(data=[QuotaView.of(u) for u in uses])


@router.put("/projects/{project}/quota", response_model=QuotaList, summary="Set a project's quota")
async def set_project_quota(project: str, body: QuotaBody, services: ServicesDep) -> QuotaList:
    await services.quota.set(project=project, region=None, cores=body.cores, gpus=body.gpus)
    uses = await services.quota.show(project)
    return QuotaList(data=[QuotaView.of(u) for u in uses])


@router.put(
    "/regions/{region}/quota",
    status_code=204,
    summary="Set a region's quota (all projects together)",
)
async def set_region_quota(region: str, body: QuotaBody, services: ServicesDep) -> None:
    await services.quota.set(project=None, region=region, cores=body.cores, gpus=body.gpus)
