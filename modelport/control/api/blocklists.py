"""``/management/content-safety/blocklists``: custom blocklists, per deployment or platform-wide.

Routes (each a separate operation, for per-route permissions):

* ``GET    /management/content-safety/blocklists``          list blocklists
* ``GET    /management/content-safety/blocklists/{blocklist}``   show one
* ``PUT    /management/content-safety/blocklists/{blocklist}``   create or replace one
* ``DELETE /management/content-safety/blocklists/{blocklist}``   delete one

All at platform scope (``content-safety/read`` / ``content-safety/write``, see the access route
table): a list may apply to every deployment.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from modelport.control.api.deps import ServicesDep
from modelport.policy.safety.blocklist import Blocklist, BlocklistItem, ItemKind
from modelport.services import Services

router = APIRouter(prefix="/content-safety/blocklists", tags=["content safety"])


class BlocklistItemBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="An exact term (whole words) or a regular expression.")
    kind: Literal["exact", "pattern"] = "exact"


class BlocklistBody(BaseModel):
    """A whole list (PUT replaces it)."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    deployment: str | None = Field(
        None, description="Apply to this deployment only; leave out to apply platform-wide."
    )
    region: str | None = Field(None, description="The deployment's region, when ambiguous.")
    items: list[BlocklistItemBody] = Field(min_length=1)


class BlocklistView(BaseModel):
    name: str
    description: str
    scope: Literal["platform", "deployment"]
    deployment: str | None
    region: str | None
    items: list[BlocklistItemBody]

    @classmethod
    def of(cls, blocklist: Blocklist, services: Services) -> BlocklistView:
        name, region = services.blocklists.deployment_name(blocklist.deployment_id)
        return cls(
            name=blocklist.name,
            description=blocklist.description,
            scope="platform" if blocklist.deployment_id is None else "deployment",
            deployment=name,
            region=region,
            items=[BlocklistItemBody(text=i.text, kind=i.kind.value) for i in blocklist.items],
        )


class BlocklistList(BaseModel):
    data: list[BlocklistView]


@router.get("", response_model=BlocklistList, summary="List custom blocklists")
async def list_blocklists(services: ServicesDep) -> BlocklistList:
    found = await services.blocklists.list()
    return BlocklistList(data=[BlocklistView.of(b, services) for b in found])


@router.get("/{blocklist}", response_model=BlocklistView, summary="Show a custom blocklist")
async def get_blocklist(blocklist: str, services: ServicesDep) -> BlocklistView:
    return BlocklistView.of(await services.blocklists.get(blocklist), services)


@router.put(
    "/{blocklist}",
    response_model=BlocklistView,
    summary="Create or replace a custom blocklist (201 when created)",
)
async def put_blocklist(
    blocklist: str, body: BlocklistBody, services: ServicesDep, response: Response
) -> BlocklistView:
    stored = Blocklist(
        name=blocklist,
        items=tuple(BlocklistItem(i.text, ItemKind(i.kind)) for i in body.items),
        description=body.description,
        deployment_id=services.blocklists.deployment_id(body.deployment, body.region),
    )
    if await services.blocklists.put(stored):
        response.status_code = 201
    return BlocklistView.of(stored, services)


@router.delete("/{blocklist}", status_code=204, summary="Delete a custom blocklist")
async def delete_blocklist(blocklist: str, services: ServicesDep) -> Response:
    await services.blocklists.delete(blocklist)
    return Response(status_code=204)
