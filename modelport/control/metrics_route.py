"""The Prometheus ``/metrics`` page (usage, limits, content-safety and request counters)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from modelport.services import Services


async def metrics(request: Request) -> Response:
    """Prometheus metrics; who may read them is MODELPORT_METRICS (the access layer)."""
    services: Services = request.app.state.services
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
