"""``/management/projects`` and their marketplace subscriptions."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from modelport.control.api.deps import AccessDep, ServicesDep
from modelport.control.views import ProjectView, SubscriptionView

router = APIRouter(tags=["projects"])


class ProjectCreate(BaseModel):
    name: str = Field(min_length=1, max_length=63)
    region: str | None = Field(None, description="A configured region (default: the default).")


class ProjectUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=63)
    region: str | None = None


class ProjectList(BaseModel):
    data: list[ProjectView]


class SubscribeRequest(BaseModel):
    offer: str = Field(min_length=1, description="The offer id; subscribing accepts its terms.")


class SubscriptionList(BaseModel):
    data: list[SubscriptionView]


@router.post("/projects", status_code=201, response_model=ProjectView)
async def create_project(body: ProjectCreate, services: ServicesDep) -> ProjectView:
    return ProjectView.of(await services.projects.create_project(body.name, body.region))


@router.get("/projects", response_model=ProjectList, summary="List the projects the caller can see")
async def list_projects(services: ServicesDep, access: AccessDep) -> ProjectList:
    visible = access.projects_with("projects/read")
    found = await services.projects.list_projects()
    return ProjectList(
        data=[ProjectView.of(p) for p in found if visible is None or p.id in visible]
    )


@router.get("/projects/{project}", response_model=ProjectView)
async def get_project(project: str, services: ServicesDep) -> ProjectView:
    return ProjectView.of(await services.projects.get_project(project))


@router.patch("/projects/{project}", response_model=ProjectView)
async def update_project(project: str, body: ProjectUpdate, services: ServicesDep) -> ProjectView:
    updated = await services.projects.update_project(
        project, new_name=body.name, region=body.region
    )
    return ProjectView.of(updated)


@router.delete("/projects/{project}", status_code=204, response_class=Response)
async def delete_project(project: str, services: ServicesDep) -> Response:
    await services.projects.delete_project(project)
    return Response(status_code=204)


@router.post(
    "/projects/{project}/subscriptions",
    response_model=SubscriptionView,
    status_code=201,
    responses={200: {"description": "Already subscribed: the existing subscription"}},
)
async def subscribe(
    project: str, body: SubscribeRequest, services: ServicesDep, response: Response
) -> SubscriptionView:
    found, subscribed = await services.projects.subscribe(project, body.offer)
    if not subscribed.created:
        response.status_code = 200
    offer = services.catalog.get(body.offer)
    return SubscriptionView.of(subscribed.subscription, found, offer)


@router.get("/projects/{project}/subscriptions", response_model=SubscriptionList)
async def list_subscriptions(project: str, services: ServicesDep) -> SubscriptionList:
    found, subs = await services.projects.subscriptions(project)
    return SubscriptionList(
        data=[SubscriptionView.of(s, found, services.catalog.get(s.offer_id)) for s in subs]
    )


@router.get("/projects/{project}/subscriptions/{offer}", response_model=SubscriptionView)
async def get_subscription(project: str, offer: str, services: ServicesDep) -> SubscriptionView:
    sub = await services.projects.subscription(project, offer)
    found = await services.projects.get_project(project)
    return SubscriptionView.of(sub, found, services.catalog.get(offer))


@router.delete(
    "/projects/{project}/subscriptions/{offer}", status_code=204, response_class=Response
)
async def unsubscribe(project: str, offer: str, services: ServicesDep) -> Response:
    await services.projects.unsubscribe(project, offer)
    return Response(status_code=204)
