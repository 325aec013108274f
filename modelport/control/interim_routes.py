"""Read-only catalog and project views the portal needs, until the full management API lands.

INTERIM (issue 7): the management API of issue 3 serves these same paths with a superset of these
fields (``control/api/catalog.py``, ``control/api/projects.py``). When it is merged, delete this
module and its line in ``control/routes.py``; the portal needs no change.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from modelport.control.auth import require_admin
from modelport.domain.catalog import Offer
from modelport.domain.deployments import Project
from modelport.errors import NotFound
from modelport.services import Services


def _services(request: Request) -> Services:
    require_admin(request)
    services: Services = request.app.state.services
    return services


def _offer(offer: Offer, *, detail: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = offer.model_dump(
        mode="json",
        include={
            "id", "display_name", "model_name", "publisher", "license", "terms_url", "task",
            "context_length", "parameters", "pricing", "dialect", "engines", "embedded",
        },
    )  # fmt: skip
    view["capabilities"] = sorted(offer.capabilities)
    view["regions"] = sorted(offer.regions)
    view["hardware"] = offer.hardware.summary
    if detail:
        view["terms"] = offer.terms
    return view


def _project(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "region": project.region,
        "created_at": project.created_at.isoformat(),
    }


async def list_offers(request: Request) -> JSONResponse:
    services = _services(request)
    offers = sorted(services.catalog.all(), key=lambda o: (not o.embedded, o.id.casefold()))
    return JSONResponse({"data": [_offer(o) for o in offers]})


async def get_offer(request: Request) -> JSONResponse:
    services = _services(request)
    offer = services.catalog.get(request.path_params["offer"])
    if offer is None:
        raise NotFound(f"offer {request.path_params['offer']!r} is not in the catalog")
    return JSONResponse(_offer(offer, detail=True))


async def list_projects(request: Request) -> JSONResponse:
    services = _services(request)
    projects = await asyncio.to_thread(services.store.run, services.store.list_projects)
    return JSONResponse({"data": [_project(p) for p in projects]})


async def get_subscription(request: Request) -> JSONResponse:
    services = _services(request)
    name, offer_id = request.path_params["project"], request.path_params["offer"]

    def find() -> dict[str, Any] | None:
        with services.store.transaction() as conn:
            project = services.store.project_by_name(conn, name)
            if project is None:
                raise NotFound(f"project {name!r} does not exist")
            sub = services.store.subscription_for(conn, project.id, offer_id)
            if sub is None:
                return None
            return {"id": sub.id, "project": project.name, "offer": sub.offer_id,
                    "resource_id": sub.resource_id}  # fmt: skip

    found = await asyncio.to_thread(find)
    if found is None:
        raise NotFound(f"project {name!r} is not subscribed to {offer_id!r}")
    return JSONResponse(found)


routes = [
    Route("/management/catalog", list_offers, methods=["GET"]),
    Route("/management/catalog/{offer}", get_offer, methods=["GET"]),
    Route("/management/projects", list_projects, methods=["GET"]),
    Route("/management/projects/{project}/subscriptions/{offer}", get_subscription),
]
