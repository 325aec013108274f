"""Managed deployments as the deployment service sees them: where one is placed (under an
endpoint, on an instance type), and the rules the endpoint service adds, each checked in the
transaction that makes the change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from modelport.domain.compute import InstanceType, InstanceTypes
from modelport.domain.deployments import Deployment, Project
from modelport.domain.replicas import Scale
from modelport.engines.base import EngineSpec
from modelport.engines.host import EngineHost
from modelport.engines.plugin import EngineFactory, placeable
from modelport.errors import InvalidRequest

ScaleCheck = Callable[[Connection, Deployment, Scale], None]
HostOf = Callable[[Deployment], EngineHost]
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
    size: InstanceType | None = None  # the instance type, where it is known

    def require_fit(self, factory: EngineFactory, spec: EngineSpec) -> None:
        """Refuse (InvalidRequest) an engine that would take more of a node than one instance
        holds: the quota and the bill count the instance's CPUs, GPUs and memory, and a runtime
        such as Ray reserves what the engine asks for."""
        placed = placeable(factory)
        if self.size is None or placed is None:
            return
        need = placed.process(spec).resources
        size = self.size
        over = []
        if need.cpus > size.cpus:
            over.append(f"{need.cpus:g} CPUs (threads) where it has {size.cpus}")
        if need.gpus > size.gpus:
            over.append(f"{need.gpus:g} GPUs where it has {size.gpus}")
        if need.memory_bytes > size.memory_gb * 2**30:
            over.append(f"{need.memory_bytes / 2**30:.1f} GiB where it has {size.memory_gb:g}")
        if over:
            raise InvalidRequest(
                f"the {factory.name} engine would need more than one {size.name} instance: "
                + "; ".join(over)
                + " (lower engine_options or choose a larger instance type)",
                param="engine_options",
            )


def sized_hosts(host: EngineHost, types: InstanceTypes) -> HostOf:
    """What each deployment's engine is sized for: a managed deployment's engine gets its
    instance type's CPUs as threads (what its quota and bill count); the others, ``host``."""

    def host_of(deployment: Deployment) -> EngineHost:
        size = types.get(deployment.instance_type) if deployment.instance_type else None
        return host.sized(size.cpus) if size is not None else host

    return host_of
