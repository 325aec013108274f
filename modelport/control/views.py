"""JSON views of control-plane objects, shared by the management API and the CLI."""

from __future__ import annotations

from typing import Any

from modelport.control.live import LiveDeployment


def target_url(base_url: str, name: str) -> str:
    return f"{base_url.rstrip('/')}/deployments/{name}"


def deployment_view(live: LiveDeployment, base_url: str) -> dict[str, Any]:
    d = live.deployment
    engine = live.engine
    return {
        "id": d.id,
        "name": d.name,
        "model": live.offer.model_name,
        "offer": live.offer.id,
        "region": d.region,
        "project_id": d.project_id,
        "state": d.state.value,
        "failure_reason": d.failure_reason,
        "engine": d.engine,
        "engine_state": engine.state.value if engine is not None else None,
        "engine_status": engine.describe() if engine is not None else None,
        "target_url": target_url(base_url, d.name),
        "limits": {
            "requests_per_minute": d.limits.requests_per_minute,
            "tokens_per_minute": d.limits.tokens_per_minute,
        },
        "created_at": d.created_at.isoformat(),
    }
