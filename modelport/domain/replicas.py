"""Replicas of a deployment: how many it wants, what each one is, and where it listens.

A deployment runs ``instances`` replicas of its engine while it is in use and ``min_instances``
(default: as many) once it has been idle for ``idle_timeout`` seconds; ``min_instances = 0`` is
scale to zero. Each replica is placed by a runtime (local processes, a Ray cluster) and listens
at an :class:`Endpoint` with a key of its own. A :class:`Replica` is one row of the replicas
table: its lifetime (created, ready, stopped), node and resources are kept after it stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from modelport.errors import InvalidRequest

MAX_INSTANCES = 64


@dataclass(frozen=True, slots=True)
class Scale:
    instances: int = 1
    min_instances: int | None = None  # None: ``instances`` even when idle
    idle_timeout: int = 300  # seconds without a request before scaling down to min_instances

    @property
    def floor(self) -> int:
        return self.instances if self.min_instances is None else self.min_instances

    @property
    def scales_to_zero(self) -> bool:
        return self.floor == 0

    def validated(self) -> Scale:
        if not 1 <= self.instances <= MAX_INSTANCES:
            raise InvalidRequest(
                f"instances must be between 1 and {MAX_INSTANCES}", param="instances"
            )
        if self.min_instances is not None and not 0 <= self.min_instances <= self.instances:
            raise InvalidRequest(
                "min_instances must be between 0 and instances", param="min_instances"
            )
        if not 5 <= self.idle_timeout <= 7 * 24 * 3600:
            raise InvalidRequest(
                "idle_timeout must be between 5 seconds and a week", param="idle_timeout"
            )
        return self

    def wanted(self, idle_for: float | None) -> int:
        """Replicas wanted now, given how long the deployment has been idle (None: never used
        since it was last scaled up, which counts as in use)."""
        if idle_for is not None and idle_for >= self.idle_timeout:
            return self.floor
        return self.instances


class ReplicaState(StrEnum):
    STARTING = "starting"
    READY = "ready"
    RESTARTING = "restarting"  # the runtime is bringing it back (a dead engine, a lost node)
    FAILED = "failed"
    STOPPING = "stopping"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a replica's engine server listens, and the key it wants."""

    url: str
    api_key: str = ""

    def __repr__(self) -> str:  # never the key
        return f"Endpoint({self.url!r})"


@dataclass(frozen=True, slots=True)
class Resources:
    """What one replica takes from its node."""

    cpus: float = 1.0
    gpus: float = 0.0
    memory_bytes: int = 0


@dataclass(frozen=True, slots=True)
class Replica:
    id: str
    deployment_id: str
    deployment_name: str
    ordinal: int
    generation: int
    runtime: str
    owner: str
    state: ReplicaState
    created_at: datetime
    updated_at: datetime
    handle: str | None = None
    node: str | None = None
    url: str | None = None
    key_ciphertext: bytes | None = None
    restarts: int = 0
    last_error: str | None = None
    resources: Resources = Resources()
    ready_at: datetime | None = None
    stopped_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.stopped_at is None
