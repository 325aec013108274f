"""JSON views of control-plane objects (pydantic, so the OpenAPI document describes them), shared
by the management API and the CLI."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from modelport.cluster.routing import ReplicaRouter
from modelport.cluster.view import ReplicaView
from modelport.control.availability import Availability
from modelport.domain.catalog import HardwareOption, Offer, WeightSource
from modelport.domain.deployments import Project, Subscription
from modelport.domain.regions import Region, Regions
from modelport.engines.plugin import secret_fields
from modelport.engines.registry import EngineFactories
from modelport.inference.live import LiveDeployment, Readiness
from modelport.policy.safety import SafetyPolicy


def local_replicas(live: LiveDeployment) -> list[ReplicaView]:
    """The replicas as this gateway knows them, with its own requests in flight."""
    counts = live.engine.in_flight() if isinstance(live.engine, ReplicaRouter) else {}
    if len(live.replicas) == 1 and not counts:
        counts = {live.replicas[0].id: live.in_flight}
    return [ReplicaView.of(r, counts.get(r.id, 0)) for r in live.replicas]


def target_url(base_url: str, name: str) -> str:
    return f"{base_url.rstrip('/')}/deployments/{name}"


class PricingView(BaseModel):
    currency: str
    input_per_1k: Decimal
    output_per_1k: Decimal


class EngineCheckView(BaseModel):
    engine: str
    available: bool
    missing: list[str]


class AvailabilityView(BaseModel):
    deployable: bool
    engine: str | None  # the engine a deployment gets by default
    missing: list[str]
    engines: list[EngineCheckView]  # each of the offer's engines: can it run it here?

    @classmethod
    def of(cls, available: Availability) -> AvailabilityView:
        return cls(
            deployable=available.deployable,
            engine=available.engine,
            missing=available.missing,
            engines=[
                EngineCheckView(engine=c.engine, available=c.ok, missing=list(c.missing))
                for c in available.checks
            ],
        )


class EngineView(BaseModel):
    """An installed engine plug-in and the options a deployment may set for it."""

    name: str
    label: str
    attaches: bool  # attaches a server someone else runs: operator only, never a default
    options: dict[str, Any]  # JSON schema of its options
    secret_options: list[str]

    @classmethod
    def all_of(cls, engines: EngineFactories) -> list[EngineView]:
        views = []
        for name in engines.names():
            factory = engines.get(name)
            if factory is not None:
                views.append(
                    cls(
                        name=name,
                        label=factory.label,
                        attaches=factory.attaches,
                        options=factory.options.model_json_schema(),
                        secret_options=secret_fields(factory.options),
                    )
                )
        return views


class OfferView(BaseModel):
    id: str
    display_name: str
    model_name: str
    publisher: str
    license: str
    terms_url: str | None
    task: str
    context_length: int
    parameters: str | None
    capabilities: list[str]
    pricing: PricingView | None  # None: no serverless offer (managed compute only)
    regions: list[str]  # the publisher's cloud regions, as information ("*" = everywhere)
    regions_here: list[str]  # the configured regions of this server it may be deployed in
    dialect: str
    engines: list[str]
    hardware: str
    embedded: bool
    availability: AvailabilityView

    @classmethod
    def of(cls, offer: Offer, available: Availability, regions: Regions) -> OfferView:
        return cls(
            id=offer.id,
            display_name=offer.display_name,
            model_name=offer.model_name,
            publisher=offer.publisher,
            license=offer.license,
            terms_url=offer.terms_url,
            task=offer.task.value,
            context_length=offer.context_length,
            parameters=offer.parameters,
            capabilities=sorted(offer.capabilities),
            pricing=PricingView(**offer.pricing.model_dump()) if offer.pricing else None,
            regions=sorted(offer.regions),
            regions_here=regions.for_offer(offer),
            dialect=offer.dialect.value,
            engines=list(offer.engines),
            hardware=offer.hardware.summary,
            embedded=offer.embedded,
            availability=AvailabilityView.of(available),
        )


class OfferDetailView(OfferView):
    terms: str
    weights: WeightSource
    hardware_options: list[HardwareOption]

    @classmethod
    def detail(cls, offer: Offer, available: Availability, regions: Regions) -> OfferDetailView:
        base = OfferView.of(offer, available, regions)
        return cls(
            **base.model_dump(),
            terms=offer.terms,
            weights=offer.weights,
            hardware_options=list(offer.hardware.options),
        )


class RegionView(BaseModel):
    name: str
    base_url: str
    default: bool

    @classmethod
    def of(cls, region: Region) -> RegionView:
        return cls(name=region.name, base_url=region.base_url, default=region.default)


class ProjectView(BaseModel):
    id: str
    name: str
    region: str
    created_at: datetime

    @classmethod
    def of(cls, project: Project) -> ProjectView:
        return cls(
            id=project.id, name=project.name, region=project.region, created_at=project.created_at
        )


class MeterView(BaseModel):
    name: str
    unit: str
    reserved: bool


class SubscriptionView(BaseModel):
    id: str
    project: str
    offer: str
    resource_id: str
    license: str | None
    terms_url: str | None
    meters: list[MeterView]
    created_at: datetime

    @classmethod
    def of(cls, sub: Subscription, project: Project, offer: Offer | None) -> SubscriptionView:
        return cls(
            id=sub.id,
            project=project.name,
            offer=sub.offer_id,
            resource_id=sub.resource_id,
            license=offer.license if offer else None,
            terms_url=offer.terms_url if offer else None,
            meters=[MeterView(name=m.name, unit=m.unit, reserved=m.reserved) for m in sub.meters],
            created_at=sub.created_at,
        )


class LimitsView(BaseModel):
    requests_per_minute: int
    tokens_per_minute: int


class ContentSafetyView(BaseModel):
    enabled: bool
    mandatory: bool
    thresholds: dict[str, str]  # category -> lowest severity blocked (low|medium|high) or off
    block_jailbreak: bool
    block_profanity: bool
    streaming_mode: str  # hold_back | asynchronous
    window_chars: int
    first_window_chars: int

    @classmethod
    def of(cls, policy: SafetyPolicy) -> ContentSafetyView:
        return cls(**policy.model_dump(mode="json"))


class DeploymentView(BaseModel):
    id: str
    name: str
    model: str
    offer: str
    region: str
    project_id: str
    project: str | None
    subscription_id: str | None
    state: str
    progress: str
    failure_reason: str | None
    readiness: Readiness  # what it can do now; `state` is what is stored
    readiness_reason: str | None
    engine: str
    engine_options: dict[str, Any]  # as deployed; secret ones only said to be stored
    engine_state: str | None
    engine_status: dict[str, Any] | None
    target_url: str
    host_url: str | None
    limits: LimitsView
    content_safety: ContentSafetyView
    instances: int
    min_instances: int  # replicas kept once idle (0: scale to zero)
    idle_timeout: int
    replicas: list[ReplicaView]  # where it runs now (node, state, requests in flight, restarts)
    created_at: datetime
    # Managed compute: the endpoint it is under (whose URL and keys it answers with) and its
    # instance type; None for a serverless deployment.
    endpoint: str | None = None
    instance_type: str | None = None

    @classmethod
    def of(
        cls,
        live: LiveDeployment,
        regions: Regions,
        project_names: dict[str, str] | None = None,
        scheme: str = "http",
        replicas: list[ReplicaView] | None = None,
        endpoint_names: dict[str, str] | None = None,
    ) -> DeploymentView:
        d = live.deployment
        engine = live.engine
        readiness, reason = live.readiness()
        region = regions.get(d.region)
        url = region.target_url(d.name) if region else target_url(f"/regions/{d.region}", d.name)
        endpoint = (endpoint_names or {}).get(d.endpoint_id) if d.endpoint_id else None
        if endpoint is not None and region is not None:
            url = region.endpoint_url(endpoint)  # its endpoint's URL, with the endpoint's keys
        return cls(
            id=d.id,
            name=d.name,
            model=live.offer.model_name,
            offer=live.offer.id,
            region=d.region,
            project_id=d.project_id,
            project=(project_names or {}).get(d.project_id),
            subscription_id=d.subscription_id,
            state=d.state.value,
            progress=live.progress,
            failure_reason=d.failure_reason,
            readiness=readiness,
            readiness_reason=reason,
            engine=d.engine,
            engine_options=dict(d.engine_options),
            engine_state=engine.state.value if engine is not None else None,
            engine_status=engine.describe() if engine is not None else None,
            target_url=url,
            host_url=regions.host_url(scheme, d.region, d.name),
            limits=LimitsView(
                requests_per_minute=d.limits.requests_per_minute,
                tokens_per_minute=d.limits.tokens_per_minute,
            ),
            content_safety=ContentSafetyView.of(live.safety),
            instances=d.scale.instances,
            min_instances=d.scale.floor,
            idle_timeout=d.scale.idle_timeout,
            replicas=replicas if replicas is not None else local_replicas(live),
            created_at=d.created_at,
            endpoint=endpoint,
            instance_type=d.instance_type,
        )


class KeysView(BaseModel):
    primary: str
    secondary: str
