"""``/management/catalog`` and ``/management/regions``: what can be deployed, and where."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from modelport.control.api.deps import ServicesDep
from modelport.control.views import EngineView, OfferDetailView, OfferView, RegionView
from modelport.errors import NotFound

router = APIRouter(tags=["catalog"])


class OfferList(BaseModel):
    data: list[OfferView]


class RegionList(BaseModel):
    data: list[RegionView]


class EngineList(BaseModel):
    data: list[EngineView]


@router.get("/catalog", response_model=OfferList, summary="List the catalog's offers")
async def list_offers(services: ServicesDep) -> OfferList:
    offers = sorted(services.catalog.all(), key=lambda o: (not o.embedded, o.id.casefold()))
    return OfferList(
        data=[
            OfferView.of(o, services.deployments.availability(o), services.regions) for o in offers
        ]
    )


@router.get("/catalog/{offer_id}", response_model=OfferDetailView, summary="Show one offer")
async def get_offer(offer_id: str, services: ServicesDep) -> OfferDetailView:
    offer = services.catalog.get(offer_id)
    if offer is None:
        raise NotFound(f"offer {offer_id!r} is not in the catalog")
    return OfferDetailView.detail(offer, services.deployments.availability(offer), services.regions)


@router.get(
    "/engines", response_model=EngineList, summary="List the engine plug-ins and their options"
)
async def list_engines(services: ServicesDep) -> EngineList:
    return EngineList(data=EngineView.all_of(services.deployments.engines))


@router.get("/regions", response_model=RegionList, summary="List the configured regions")
async def list_regions(services: ServicesDep) -> RegionList:
    return RegionList(data=[RegionView.of(r) for r in services.regions.all()])
