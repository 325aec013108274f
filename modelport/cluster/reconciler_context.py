"""What a deployment's reconciler (:mod:`.reconciler`) works with, given by the controller, and
a replica it placed or adopted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from modelport.cluster.changes import ChangeFeed
from modelport.cluster.local_runtime import LocalRuntime
from modelport.cluster.record import Fence
from modelport.cluster.runtime import ReplicaHandle, Runtime
from modelport.cluster.specs import OfferOf
from modelport.domain.catalog import Catalog
from modelport.domain.deployments import Deployment
from modelport.domain.keys import KeyVault
from modelport.domain.replicas import Replica
from modelport.engines.host import EngineHost
from modelport.engines.registry import EngineFactories
from modelport.engines.supervisor import Backoff
from modelport.store.repositories import Store


@dataclass(frozen=True)
class ReconcilerContext:
    store: Store
    catalog: Catalog
    vault: KeyVault
    engines: EngineFactories
    host: EngineHost
    runtime: Runtime
    local: LocalRuntime
    feed: ChangeFeed
    owner: str
    retry: Backoff
    members_within: float
    offer_of: OfferOf
    # Runs in the transaction that forgets a deleted deployment (the compute meter's last bill).
    on_forget: Callable[[Connection, Deployment], None] | None = None
    # What a deployment's engine is sized for (managed: its instance type's CPUs); default host.
    host_of: Callable[[Deployment], EngineHost] | None = None
    # Whether this controller still holds its lease (in the transaction of a write only the
    # holder may make: placing a replica, recording another's gone); None: no other controller.
    fence: Fence | None = None


@dataclass
class Placed:
    row: Replica
    handle: ReplicaHandle
    runtime: Runtime
