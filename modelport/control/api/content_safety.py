"""``/management/deployments/{name}/content-safety``: a deployment's content-safety policy."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from modelport.control.api.deps import ServicesDep
from modelport.control.views import ContentSafetyView
from modelport.inference.live import LiveDeployment
from modelport.services import Services

router = APIRouter(tags=["content safety"])

RegionQuery = Query(
    None, description="The deployment's region (needed only when the name exists in several)."
)


class DeploymentContentSafetyView(ContentSafetyView):
    deployment: str
    region: str
    classifiers: list[str] = Field(description="The classifier plug-ins of the ensemble.")

    @classmethod
    def of_live(cls, live: LiveDeployment, services: Services) -> DeploymentContentSafetyView:
        return cls(
            deployment=live.name,
            region=live.deployment.region,
            classifiers=services.safety.classifier.name.split("+"),
            **ContentSafetyView.of(live.safety).model_dump(),
        )


class ContentSafetyUpdate(BaseModel):
    """Changes to apply; fields left out keep their value, thresholds merge per category."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = Field(None, description="Off is refused when the policy is mandatory.")
    mandatory: bool | None = Field(None, description="Set by the platform; cannot be changed.")
    thresholds: dict[str, str | None] | None = Field(
        None,
        description="Category (hate, sexual, violence, self_harm) → lowest severity blocked "
        "(low, medium, high) or off (refused when mandatory).",
    )
    block_jailbreak: bool | None = Field(None, description="Block detected prompt attacks.")
    block_profanity: bool | None = Field(None, description="Block detected profanity.")
    streaming_mode: str | None = Field(
        None,
        description="How streamed completions are checked: hold_back (default: text is "
        "released only once checked) or asynchronous (released as generated, checked in "
        "windows behind it; a violation ends the stream with content_filter within a bounded "
        "lag).",
    )
    window_chars: int | None = Field(
        None, description="Characters per check window (hold-back window, asynchronous lag)."
    )
    first_window_chars: int | None = Field(
        None, description="The first hold-back window (smaller: the first text waits less)."
    )


@router.get(
    "/deployments/{name}/content-safety",
    response_model=DeploymentContentSafetyView,
    summary="The deployment's content-safety policy",
)
async def get_content_safety(
    name: str, services: ServicesDep, region: str | None = RegionQuery
) -> DeploymentContentSafetyView:
    live = services.content_safety.get(name, region)
    return DeploymentContentSafetyView.of_live(live, services)


@router.patch(
    "/deployments/{name}/content-safety",
    response_model=DeploymentContentSafetyView,
    summary="Change the deployment's content-safety policy (422 if a mandatory one is disabled)",
)
async def update_content_safety(
    name: str, body: ContentSafetyUpdate, services: ServicesDep, region: str | None = RegionQuery
) -> DeploymentContentSafetyView:
    changes = body.model_dump(exclude_unset=True)
    live = await services.content_safety.update(name, changes, region)
    return DeploymentContentSafetyView.of_live(live, services)
