"""Runtimes: where the controller places replicas (and one-off jobs).

A runtime takes a :class:`ReplicaOrder` (which deployment, which replica, the engine plug-in and
its resolved spec, the resources to reserve) and returns a :class:`ReplicaHandle` once the
replica's engine server is ready, or raises ``EngineStartError`` with the reason. The handle
says where the replica listens (:class:`~modelport.domain.replicas.Endpoint`: URL and its own
key), on which node, its state and restarts; the controller polls it (``refresh``) and stores
what it sees, which is how every gateway learns about it.

- ``local`` (:mod:`.local_runtime`): the engine's process on this host, supervised by this
  process (``modelport up``, or a controller on the gateways' machine).
- ``ray`` (:mod:`.ray_runtime`): one Ray actor per replica with the engine's CPUs, GPUs and
  memory, started on the node Ray picks and restarted by Ray when it dies.

:func:`~modelport.cluster.runtimes.make_runtime` picks one by its setting.

A Kubernetes runtime maps onto the same interface (docs/scale-out.md): a replica is a pod (or a
StatefulSet ordinal) with the plan's command and resource requests, its endpoint the pod's IP
and port, ``adopt`` a lookup by label, ``run_job`` a Job.

``run_job`` is the seam for one-off work (a fine-tuning run): a command run to its end on the
runtime, with the resources it needs, as opposed to a long-lived server replica.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from modelport.domain.replicas import Endpoint, Replica, ReplicaState, Resources
from modelport.engines.base import Engine, EngineSpec
from modelport.engines.plugin import EngineFactory


@dataclass(frozen=True)
class ReplicaOrder:
    """One replica to place: the ``ordinal``-th of a deployment's ``generation``."""

    replica_id: str
    deployment_id: str
    deployment: str
    ordinal: int
    generation: int
    factory: EngineFactory
    spec: EngineSpec
    resources: Resources


class ReplicaHandle(Protocol):
    replica_id: str
    handle: str | None  # the runtime's own name for it (adopt finds it again by this)
    node: str | None
    restarts: int
    last_error: str | None

    @property
    def state(self) -> ReplicaState: ...

    @property
    def endpoint(self) -> Endpoint | None: ...

    @property
    def engine(self) -> Engine | None:
        """The engine driven in this process (the local runtime's), else None."""
        ...

    async def refresh(self) -> None:
        """Ask the runtime how the replica is (state, endpoint, restarts)."""
        ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class NodeView:
    """A node of the runtime and what it has left."""

    name: str
    alive: bool
    total: Resources
    free: Resources
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JobOrder:
    """A one-off process: ``argv`` with ``env`` (minimal; see engines.supervisor.engine_env),
    run once to its end on a node with ``resources`` free."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    resources: Resources = field(default_factory=Resources)
    cwd: str | None = None


class JobHandle(Protocol):
    name: str
    node: str | None

    async def wait(self) -> int:
        """The job's exit code, once it ended."""
        ...

    async def cancel(self) -> None: ...


class Runtime(Protocol):
    name: str

    async def start(self, order: ReplicaOrder) -> ReplicaHandle: ...

    async def adopt(self, replica: Replica, api_key: str) -> ReplicaHandle | None:
        """After a takeover: the replica a former controller placed, when it still runs."""
        ...

    async def nodes(self) -> list[NodeView]: ...

    async def run_job(self, job: JobOrder) -> JobHandle: ...

    async def close(self) -> None:
        """Let go of the runtime (replicas are stopped by the controller, not here)."""
        ...
