"""Managed online endpoints: one Target URL and one pair of keys for several deployments.

An endpoint hosts deployments that keep their own instance type and count; they share the
endpoint's URL and keys. Requests are split between them by ``traffic`` (deployment name →
percent, summing to 100 or, while nothing is routed yet, to 0); a caller pins one deployment
with the ``azureml-model-deployment`` header. ``mirror`` copies a percentage of the live traffic
to other deployments (their answers are discarded): shadow testing.

An endpoint created on the **shared quota** carries ``expires_at``: its deployments draw on no
project quota, and the controller deletes the endpoint once the deadline passes.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from modelport.errors import InvalidRequest

PIN_HEADER = "azureml-model-deployment"
DEFAULT_SHARED_QUOTA_LIFETIME = timedelta(hours=168)


@dataclass(frozen=True, slots=True)
class ManagedEndpoint:
    id: str
    name: str
    project_id: str
    region: str
    created_at: datetime
    traffic: Mapping[str, int] = field(default_factory=dict)
    mirror: Mapping[str, int] = field(default_factory=dict)
    shared_quota: bool = False
    expires_at: datetime | None = None
    deleting: bool = False

    def expired(self, at: datetime) -> bool:
        return self.expires_at is not None and at >= self.expires_at


def validate_traffic(traffic: Mapping[str, int], deployments: set[str]) -> dict[str, int]:
    """Percentages per deployment of this endpoint, summing to 100 (or all 0)."""
    cleaned: dict[str, int] = {}
    for name, weight in traffic.items():
        if name not in deployments:
            raise InvalidRequest(
                f"deployment {name!r} is not under this endpoint", param=f"traffic.{name}"
            )
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
            raise InvalidRequest(
                f"the traffic of {name!r} must be a whole percentage 0-100",
                param=f"traffic.{name}",
            )
        cleaned[name] = weight
    total = sum(cleaned.values())
    if total not in (0, 100):
        raise InvalidRequest(
            f"traffic percentages must add up to 100 (they add up to {total})", param="traffic"
        )
    return {name: weight for name, weight in sorted(cleaned.items()) if weight > 0}


def validate_mirror(
    mirror: Mapping[str, int], traffic: Mapping[str, int], deployments: set[str]
) -> dict[str, int]:
    """Mirror percentages: to deployments of this endpoint that get no live traffic, at most
    50 percent each (as Azure ML allows)."""
    cleaned: dict[str, int] = {}
    for name, weight in mirror.items():
        if name not in deployments:
            raise InvalidRequest(
                f"deployment {name!r} is not under this endpoint", param=f"mirror.{name}"
            )
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 50:
            raise InvalidRequest(
                f"the mirror traffic of {name!r} must be a whole percentage 0-50",
                param=f"mirror.{name}",
            )
        if weight and traffic.get(name):
            raise InvalidRequest(
                f"{name!r} receives live traffic; mirror traffic goes to a deployment with none",
                param=f"mirror.{name}",
            )
        if weight:
            cleaned[name] = weight
    return dict(sorted(cleaned.items()))


def pick(traffic: Mapping[str, int], draw: float | None = None) -> str | None:
    """A deployment by weight (``draw`` in [0, 1) for tests); None when nothing is routed."""
    total = sum(traffic.values())
    if total <= 0:
        return None
    point = (random.random() if draw is None else draw) * total
    for name, weight in traffic.items():
        if point < weight:
            return name
        point -= weight
    return next(reversed(list(traffic)))


def mirrored(mirror: Mapping[str, int], draw: float | None = None) -> list[str]:
    """The deployments this request is copied to."""
    return [
        name
        for name, percent in mirror.items()
        if (random.random() if draw is None else draw) * 100 < percent
    ]
