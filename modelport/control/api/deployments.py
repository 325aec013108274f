"""``/management/deployments``: serverless deployments and their keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from starlette.requests import Request

from modelport.access.grants import authorize
from modelport.control.api.deps import AccessDep, ServicesDep
from modelport.control.views import DeploymentView, KeysView
from modelport.domain.deployments import KeySlot
from modelport.domain.replicas import MAX_INSTANCES, Scale
from modelport.services import Services

router = APIRouter(tags=["deployments"])

RegionQuery = Query(
    None, description="The deployment's region (needed only when the name exists in several)."
)
NameFilter = Query(
    None,
    description="Only the deployments of this name (exact match); names are unique per region, "
    "so at most one per region.",
)
RegionFilter = Query(None, description="Only the deployments in this region.")


class DeploymentCreate(BaseModel):
    name: str = Field(description="DNS-safe, unique per region; becomes part of the Target URL.")
    offer: str = Field(min_length=1)
    subscribe: bool = Field(
        False, description="Subscribe the project to the offer first (accepting its terms)."
    )
    engine: str | None = Field(
        None,
        description="The engine plug-in (GET /management/engines); default: the first of the "
        "offer's engines that can run it on this machine.",
    )
    engine_options: dict[str, Any] = Field(
        default_factory=dict,
        description="Options of the engine (context, slots, threads; url, api_key, model for an "
        "attached server ...), checked by the engine; secret ones are never shown again.",
    )
    instances: int = Field(1, ge=1, le=MAX_INSTANCES, description="Replicas while in use.")
    min_instances: int | None = Field(
        None,
        ge=0,
        le=MAX_INSTANCES,
        description="Replicas kept once idle (0: scale to zero; default: as many as instances).",
    )
    idle_timeout: int = Field(
        300, ge=5, description="Seconds without a request before scaling down to min_instances."
    )

    def scale(self) -> Scale:
        return Scale(self.instances, self.min_instances, self.idle_timeout)


class ScaleBody(BaseModel):
    instances: int = Field(ge=1, le=MAX_INSTANCES, description="Replicas while in use.")
    min_instances: int | None = Field(
        None, ge=0, le=MAX_INSTANCES, description="Replicas kept once idle (0: scale to zero)."
    )
    idle_timeout: int = Field(
        300, ge=5, description="Seconds without a request before scaling down to min_instances."
    )


class EngineOptionsChange(BaseModel):
    engine_options: dict[str, Any] = Field(
        description="The options to change, merged into the current ones (an option set to null "
        "is removed: its default applies again); the result is checked by the engine as at "
        "creation. Secret ones are stored encrypted and never shown.",
    )


class DeploymentList(BaseModel):
    data: list[DeploymentView]


class RegenerateKey(BaseModel):
    key: KeySlot = Field(description="Which key to replace; the other keeps working.")


async def _project_names(services: Services) -> dict[str, str]:
    projects = await services.projects.list_projects()
    return {p.id: p.name for p in projects}


@router.post(
    "/projects/{project}/deployments",
    status_code=202,
    response_model=DeploymentView,
    summary="Create a serverless deployment (provisioned in the background)",
)
async def create_deployment(
    project: str,
    body: DeploymentCreate,
    services: ServicesDep,
    access: AccessDep,
    request: Request,
) -> DeploymentView:
    if body.subscribe:  # accepting the offer's terms is a right of its own
        found = await services.projects.get_project(project)
        authorize(access, "subscriptions/sign", found.id)
    live = await services.deployments.create(
        project,
        body.name,
        body.offer,
        subscribe=body.subscribe,
        engine=body.engine,
        engine_options=body.engine_options,
        # Attaching a server by URL is the platform operator's (engines/attach, platform scope).
        operator=access.can("engines/attach"),
        scale=body.scale(),
    )
    return DeploymentView.of(
        live, services.regions, {live.deployment.project_id: project}, request.url.scheme
    )


def _endpoints(services: Services) -> dict[str, str]:
    """Endpoint id -> name (the Target URL of managed deployments)."""
    return {e.endpoint.id: e.endpoint.name for e in services.endpoint_registry.all()}


@router.get(
    "/projects/{project}/deployments",
    response_model=DeploymentList,
    summary="List a project's deployments (of one name, with ?name=)",
)
async def list_project_deployments(
    project: str, services: ServicesDep, request: Request, name: str | None = NameFilter
) -> DeploymentList:
    found = await services.projects.get_project(project)
    items = services.deployments.all_live(project_id=found.id, name=name)
    names = {found.id: found.name}
    scheme = request.url.scheme
    ends = _endpoints(services)
    return DeploymentList(
        data=[DeploymentView.of(i, services.regions, names, scheme, None, ends) for i in items]
    )


@router.get(
    "/deployments",
    response_model=DeploymentList,
    summary="List the deployments the caller may read (filtered by ?name= and ?region=)",
)
async def list_deployments(
    services: ServicesDep,
    access: AccessDep,
    request: Request,
    name: str | None = NameFilter,
    region: str | None = RegionFilter,
) -> DeploymentList:
    visible = access.projects_with("deployments/read")
    items = [
        i
        for i in services.deployments.all_live(region=region, name=name)
        if visible is None or i.deployment.project_id in visible
    ]
    names = await _project_names(services)
    scheme = request.url.scheme
    ends = _endpoints(services)
    return DeploymentList(
        data=[DeploymentView.of(i, services.regions, names, scheme, None, ends) for i in items]
    )


@router.get("/deployments/{name}", response_model=DeploymentView)
async def get_deployment(
    name: str, services: ServicesDep, request: Request, region: str | None = RegionQuery
) -> DeploymentView:
    live = services.deployments.get_live(name, region)
    names = await _project_names(services)
    # Its replicas as the store has them, with every live gateway's requests in flight.
    replicas = await services.cluster.replicas(live.deployment.id)
    return DeploymentView.of(
        live, services.regions, names, request.url.scheme, replicas, _endpoints(services)
    )


@router.delete(
    "/deployments/{name}",
    status_code=204,
    response_class=Response,
    responses={202: {"description": "Still being deleted (the controller stops its replicas)"}},
)
async def delete_deployment(
    name: str, services: ServicesDep, region: str | None = RegionQuery
) -> Response:
    gone = await services.deployments.delete(name, region)
    return Response(status_code=204 if gone else 202)


@router.put(
    "/deployments/{name}/scale",
    response_model=DeploymentView,
    summary="Set a deployment's replicas (instances, scale to zero with min_instances 0)",
)
async def scale_deployment(
    name: str,
    body: ScaleBody,
    services: ServicesDep,
    request: Request,
    region: str | None = RegionQuery,
) -> DeploymentView:
    live = await services.deployments.scale(
        name, Scale(body.instances, body.min_instances, body.idle_timeout), region
    )
    names = await _project_names(services)
    return DeploymentView.of(
        live, services.regions, names, request.url.scheme, None, _endpoints(services)
    )


@router.post(
    "/deployments/{name}/restart",
    status_code=202,
    response_model=DeploymentView,
    summary="Restart a deployment's engine (a failed one is tried again at once)",
)
async def restart_deployment(
    name: str, services: ServicesDep, request: Request, region: str | None = RegionQuery
) -> DeploymentView:
    live = await services.deployments.restart(name, region)
    names = await _project_names(services)
    return DeploymentView.of(
        live, services.regions, names, request.url.scheme, None, _endpoints(services)
    )


@router.patch(
    "/deployments/{name}/engine-options",
    status_code=202,
    response_model=DeploymentView,
    summary="Change a deployment's engine options and restart its engine on them",
)
async def configure_deployment(
    name: str,
    body: EngineOptionsChange,
    services: ServicesDep,
    access: AccessDep,
    request: Request,
    region: str | None = RegionQuery,
) -> DeploymentView:
    live = await services.deployments.configure(
        name,
        body.engine_options,
        region,
        # An attached server's options are the platform operator's (engines/attach).
        operator=access.can("engines/attach"),
    )
    names = await _project_names(services)
    return DeploymentView.of(
        live, services.regions, names, request.url.scheme, None, _endpoints(services)
    )


@router.get("/deployments/{name}/keys", response_model=KeysView)
async def get_keys(name: str, services: ServicesDep, region: str | None = RegionQuery) -> KeysView:
    keys = await services.deployments.keys(name, region)
    return KeysView(primary=keys[KeySlot.PRIMARY], secondary=keys[KeySlot.SECONDARY])


@router.post("/deployments/{name}/keys/regenerate", response_model=KeysView)
async def regenerate_key(
    name: str, body: RegenerateKey, services: ServicesDep, region: str | None = RegionQuery
) -> KeysView:
    keys = await services.deployments.regenerate_key(name, body.key, region)
    return KeysView(primary=keys[KeySlot.PRIMARY], secondary=keys[KeySlot.SECONDARY])
