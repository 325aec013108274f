"""``/management/cluster``: the gateways, the active controller, the runtime's nodes."""

from __future__ import annotations

from fastapi import APIRouter

from modelport.cluster.view import ClusterView
from modelport.control.api.deps import ServicesDep

router = APIRouter(tags=["cluster"])


@router.get(
    "/cluster",
    response_model=ClusterView,
    summary="The cluster: live gateways, the active controller and its runtime's nodes",
)
async def cluster_status(services: ServicesDep) -> ClusterView:
    return await services.cluster.status()
