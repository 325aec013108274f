"""Projects, subscriptions and deployments (serverless, or managed compute under an endpoint):
the pure types and naming rules."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from modelport.domain.replicas import Scale
from modelport.errors import InvalidRequest


class DeploymentState(StrEnum):
    CREATING = "creating"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DELETING = "deleting"


class KeySlot(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str
    region: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Meter:
    """A cost-tracking meter of a subscription; ``reserved`` meters record nothing yet."""

    name: str
    unit: str
    reserved: bool = False


# Every subscription gets these (the seeds: inference and fine-tuning tracked separately). The
# fine-tuned models of a project bill on the subscription of their base offer.
SUBSCRIPTION_METERS = (
    Meter("inference-input-tokens", "1K tokens"),
    Meter("inference-output-tokens", "1K tokens"),
    Meter("fine-tuning-training-tokens", "1K tokens"),
    Meter("fine-tuned-input-tokens", "1K tokens"),
    Meter("fine-tuned-output-tokens", "1K tokens"),
    Meter("fine-tuned-hosting-hours", "hours"),
    Meter("managed-compute-hours", "hours"),
)


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    project_id: str
    offer_id: str
    resource_id: str
    created_at: datetime
    meters: tuple[Meter, ...] = ()


def subscription_resource_id(project: str, offer_id: str) -> str:
    """The resource that tracks a subscription's cost (stable: one per project per offer)."""
    return f"/projects/{project}/subscriptions/{offer_id}"


@dataclass(frozen=True, slots=True)
class RateLimits:
    requests_per_minute: int = 1_000
    tokens_per_minute: int = 200_000


@dataclass(frozen=True, slots=True)
class Deployment:
    id: str
    name: str
    project_id: str
    region: str
    offer_id: str
    subscription_id: str | None
    state: DeploymentState
    created_at: datetime
    failure_reason: str | None = None
    engine: str = "llamacpp"
    limits: RateLimits = field(default_factory=RateLimits)
    # The engine's options as given at deploy time, without secrets; the secret ones (a
    # bring-your-own server's key) encrypted with the key vault.
    engine_options: Mapping[str, Any] = field(default_factory=dict)
    engine_secret: bytes | None = field(default=None, repr=False)
    # Replicas: how many (see domain/replicas.py); ``generation`` is bumped by every restart;
    # ``engine_spec`` is the resolved EngineSpec (JSON, no secret) the controller placed.
    scale: Scale = field(default_factory=Scale)
    generation: int = 0
    engine_spec: Mapping[str, Any] | None = None
    progress: str = ""
    # Managed compute (domain/compute.py): the endpoint it is under and the instance type of
    # each of its replicas; both None for a serverless deployment.
    endpoint_id: str | None = None
    instance_type: str | None = None

    @classmethod
    def new(
        cls,
        *,
        name: str,
        project: Project,
        offer_id: str,
        subscription_id: str,
        engine: str,
        engine_options: Mapping[str, Any] | None = None,
        engine_secret: bytes | None = None,
        scale: Scale | None = None,
        endpoint_id: str | None = None,
        instance_type: str | None = None,
    ) -> Deployment:
        """A deployment about to be created: a fresh id, in the project's region, CREATING."""
        return cls(
            id=str(uuid.uuid4()),
            name=name,
            project_id=project.id,
            region=project.region,
            offer_id=offer_id,
            subscription_id=subscription_id,
            state=DeploymentState.CREATING,
            created_at=datetime.now(UTC),
            engine=engine,
            engine_options=engine_options if engine_options is not None else {},
            engine_secret=engine_secret,
            scale=scale if scale is not None else Scale(),
            endpoint_id=endpoint_id,
            instance_type=instance_type,
        )

    @property
    def managed(self) -> bool:
        return self.endpoint_id is not None


_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{1,30}[a-z0-9])$")
DEPLOYMENT_NAME_PATTERN = _DNS_LABEL.pattern  # also checked live by the portal's deploy wizard


def validate_deployment_name(name: str) -> str:
    """A deployment name becomes part of its URL and may become a DNS label: 3-32 characters,
    lower-case letters, digits and hyphens, starting and ending with a letter or digit."""
    if not _DNS_LABEL.match(name):
        raise InvalidRequest(
            "deployment name must be 3-32 characters of lower-case letters, digits and hyphens, "
            "starting and ending with a letter or digit",
            param="name",
        )
    return name
