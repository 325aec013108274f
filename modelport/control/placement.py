"""Managed deployments as the deployment service sees them: where one is placed (under an
endpoint, on an instance type), and the rules the endpoint service adds, each checked in the
transaction that makes the change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from modelport.domain.deployments import Deployment, Project
from modelport.domain.replicas import Scale

ScaleCheck = Callable[[Connection, Deployment, Scale], None]
DeleteCheck = Callable[[Connection, Deployment], None]
# The safety policy of a managed deployment created with content safety off.
SAFETY_OFF = {"enabled": False}


@dataclass(frozen=True)
class Placement:
    """A managed deployment: under an endpoint, on an instance type. ``check`` runs in the
    creating transaction (the quota, counted there, so two deploys cannot both take the last
    cores); ``content_safety`` False opts out of content safety (managed compute only)."""

    endpoint_id: str
    instance_type: str
    check: Callable[[Connection, Project], None]
    content_safety: bool = True
