"""``/management/endpoints``: managed online endpoints, their deployments, traffic and keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from starlette.requests import Request

from modelport.access.grants import authorize
from modelport.control.api.deps import AccessDep, ServicesDep
from modelport.control.endpoint_views import EndpointView
from modelport.control.views import DeploymentView, KeysView
from modelport.domain.deployments import KeySlot
from modelport.domain.replicas import MAX_INSTANCES
from modelport.inference.endpoints import LiveEndpoint
from modelport.services import Services

router = APIRouter(tags=["managed compute"])

RegionQuery = Query(None, description="The endpoint's region (default: the default region).")


class EndpointCreate(BaseModel):
    name: str = Field(description="DNS-safe, unique per region; becomes part of the Target URL.")
    shared_quota: bool = Field(
        False,
        description="Use the shared quota: deployments may go beyond the project's core quota, "
        "and the endpoint is deleted when its lifetime ends (168 hours by default).",
    )


class EndpointDeploy(BaseModel):
    name: str = Field(description="The deployment's name (DNS-safe, unique per region).")
    offer: str = Field(min_length=1, description="Any catalog model whose weights run here.")
    instance_type: str = Field(description="GET /management/compute/instance-types")
    instances: int = Field(1, ge=1, le=MAX_INSTANCES, description="Instances (replicas).")
    subscribe: bool = Field(False, description="Subscribe the project to the offer first.")
    engine: str | None = None
    engine_options: dict[str, Any] = Field(default_factory=dict)
    content_safety: bool = Field(
        True, description="False opts out of content safety (managed compute only)."
    )


class Weights(BaseModel):
    weights: dict[str, int] = Field(description="Deployment name -> percent.")


class EndpointList(BaseModel):
    data: list[EndpointView]


class RegenerateKey(BaseModel):
    key: KeySlot = Field(description="Which key to replace; the other keeps working.")


async def view(services: Services, live: LiveEndpoint) -> EndpointView:
    projects = {p.id: p.name for p in await services.projects.list_projects()}
    types = {t.name: t for t in services.instance_types.all()}
    deployments = services.endpoints.deployments_of(live.endpoint)
    project = projects.get(live.endpoint.project_id)
    return EndpointView.of(live, deployments, services.regions, types, project)


@router.post(
    "/projects/{project}/endpoints",
    status_code=201,
    response_model=EndpointView,
    summary="Create a managed online endpoint (a Target URL and keys for its deployments)",
)
async def create_endpoint(
    project: str, body: EndpointCreate, services: ServicesDep
) -> EndpointView:
    live = await services.endpoints.create(project, body.name, shared_quota=body.shared_quota)
    return await view(services, live)


@router.get("/projects/{project}/endpoints", response_model=EndpointList)
async def list_project_endpoints(project: str, services: ServicesDep) -> EndpointList:
    found = await services.projects.get_project(project)
    items = services.endpoints.all_live(found.id)
    return EndpointList(data=[await view(services, i) for i in items])


@router.get("/endpoints", response_model=EndpointList, summary="The caller's endpoints")
async def list_endpoints(services: ServicesDep, access: AccessDep) -> EndpointList:
    items = [
        i
        for i in services.endpoints.all_live()
        if access.can("deployments/read", i.endpoint.project_id)
    ]
    return EndpointList(data=[await view(services, i) for i in items])


@router.get("/endpoints/{endpoint}", response_model=EndpointView)
async def get_endpoint(
    endpoint: str, services: ServicesDep, region: str | None = RegionQuery
) -> EndpointView:
    return await view(services, services.endpoints.get_live(endpoint, region))


@router.delete("/endpoints/{endpoint}", status_code=204)
async def delete_endpoint(
    endpoint: str, services: ServicesDep, region: str | None = RegionQuery
) -> Response:
    gone = await services.endpoints.delete(endpoint, region, services.settings.delete_wait)
    return Response(status_code=204 if gone else 202)


@router.post(
    "/endpoints/{endpoint}/deployments",
    status_code=202,
    response_model=DeploymentView,
    summary="Deploy a model on managed compute under the endpoint (provisioned in background)",
)
async def deploy(
    endpoint: str,
    body: EndpointDeploy,
    services: ServicesDep,
    access: AccessDep,
    request: Request,
    region: str | None = RegionQuery,
) -> DeploymentView:
    found = services.endpoints.get_live(endpoint, region)
    if body.subscribe:
        authorize(access, "subscriptions/sign", found.endpoint.project_id)
    live = await services.endpoints.deploy(
        endpoint,
        body.name,
        body.offer,
        instance_type=body.instance_type,
        instances=body.instances,
        subscribe=body.subscribe,
        engine=body.engine,
        engine_options=body.engine_options,
        content_safety=body.content_safety,
        region=region,
        operator=access.can("engines/attach"),
    )
    return DeploymentView.of(
        live, services.regions, None, request.url.scheme, None, {found.endpoint.id: endpoint}
    )


@router.put("/endpoints/{endpoint}/traffic", response_model=EndpointView)
async def set_traffic(
    endpoint: str, body: Weights, services: ServicesDep, region: str | None = RegionQuery
) -> EndpointView:
    return await view(
        services, await services.endpoints.set_traffic(endpoint, body.weights, region)
    )


@router.put("/endpoints/{endpoint}/mirror", response_model=EndpointView)
async def set_mirror(
    endpoint: str, body: Weights, services: ServicesDep, region: str | None = RegionQuery
) -> EndpointView:
    return await view(services, await services.endpoints.set_mirror(endpoint, body.weights, region))


@router.get("/endpoints/{endpoint}/keys", response_model=KeysView)
async def keys(endpoint: str, services: ServicesDep, region: str | None = RegionQuery) -> KeysView:
    found = await services.endpoints.keys(endpoint, region)
    return KeysView(primary=found[KeySlot.PRIMARY], secondary=found[KeySlot.SECONDARY])


@router.post("/endpoints/{endpoint}/keys/regenerate", response_model=KeysView)
async def regenerate(
    endpoint: str, body: RegenerateKey, services: ServicesDep, region: str | None = RegionQuery
) -> KeysView:
    found = await services.endpoints.regenerate_key(endpoint, body.key, region)
    return KeysView(primary=found[KeySlot.PRIMARY], secondary=found[KeySlot.SECONDARY])
