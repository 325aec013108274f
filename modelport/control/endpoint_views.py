"""Wire views of managed compute: instance types, quotas, endpoints with their deployments."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from modelport.control.views import DeploymentView
from modelport.domain.compute import InstanceType, QuotaUse
from modelport.domain.regions import Regions
from modelport.inference.endpoints import LiveEndpoint
from modelport.inference.live import LiveDeployment


class InstanceTypeView(BaseModel):
    name: str
    cpus: int
    memory_gb: float
    gpus: int
    gpu_type: str | None
    price_per_hour: str
    currency: str
    regions: list[str]

    @classmethod
    def of(cls, t: InstanceType) -> InstanceTypeView:
        return cls(
            name=t.name,
            cpus=t.cpus,
            memory_gb=t.memory_gb,
            gpus=t.gpus,
            gpu_type=t.gpu_type,
            price_per_hour=format(t.price_per_hour.normalize(), "f"),
            currency=t.currency,
            regions=list(t.regions),
        )


class CoresView(BaseModel):
    cores: int
    gpus: int


class QuotaView(BaseModel):
    scope: str  # "project" (in its region) | "region" (all projects together)
    subject: str
    region: str
    limit: CoresView
    used: CoresView
    free: CoresView

    @classmethod
    def of(cls, use: QuotaUse) -> QuotaView:
        return cls(
            scope=use.scope,
            subject=use.subject,
            region=use.region,
            limit=CoresView(cores=use.limit.cores, gpus=use.limit.gpus),
            used=CoresView(cores=use.used.cores, gpus=use.used.gpus),
            free=CoresView(cores=use.free.cores, gpus=use.free.gpus),
        )


class EndpointDeploymentView(DeploymentView):
    traffic: int  # percent of the endpoint's live traffic
    mirror: int  # percent of live requests copied to it
    cores: int  # what it draws on the quota (0 on the shared quota)
    gpus: int


class EndpointView(BaseModel):
    id: str
    name: str
    project_id: str
    project: str | None
    region: str
    target_url: str
    auth_mode: str  # "key": the endpoint's keys (or a principal's token)
    traffic: dict[str, int]
    mirror: dict[str, int]
    shared_quota: bool
    expires_at: datetime | None  # shared quota: when the controller deletes it
    state: str  # "succeeded" | "deleting"
    deployments: list[EndpointDeploymentView]
    cores: int  # what its deployments draw on the project's quota
    gpus: int
    created_at: datetime

    @classmethod
    def of(
        cls,
        live: LiveEndpoint,
        deployments: list[LiveDeployment],
        regions: Regions,
        types: dict[str, InstanceType],
        project: str | None = None,
    ) -> EndpointView:
        e = live.endpoint
        region = regions.get(e.region)
        url = region.endpoint_url(e.name) if region else f"/regions/{e.region}/endpoints/{e.name}"
        items = []
        for d in deployments:
            base = DeploymentView.of(
                d, regions, {e.project_id: project or ""}, "http", None, {e.id: e.name}
            )
            kind = types.get(d.deployment.instance_type or "")
            count = d.deployment.scale.instances
            cores = 0 if e.shared_quota or kind is None else kind.cpus * count
            gpus = 0 if e.shared_quota or kind is None else kind.gpus * count
            items.append(
                EndpointDeploymentView(
                    **base.model_dump(),
                    traffic=e.traffic.get(d.name, 0),
                    mirror=e.mirror.get(d.name, 0),
                    cores=cores,
                    gpus=gpus,
                )
            )
        return cls(
            id=e.id,
            name=e.name,
            project_id=e.project_id,
            project=project,
            region=e.region,
            target_url=url,
            auth_mode="key",
            traffic=dict(e.traffic),
            mirror=dict(e.mirror),
            shared_quota=e.shared_quota,
            expires_at=e.expires_at,
            state="deleting" if e.deleting else "succeeded",
            deployments=items,
            cores=sum(i.cores for i in items),
            gpus=sum(i.gpus for i in items),
            created_at=e.created_at,
        )
