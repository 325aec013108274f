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
from modelport.cluster.specs import OfferOf, resolve
from modelport.domain.catalog import Catalog
from modelport.domain.deployments import Deployment
from modelport.domain.keys import KeyVault
from modelport.domain.replicas import Replica
from modelport.engines.base import EngineSpec, EngineStartError
from modelport.engines.host import EngineHost
from modelport.engines.plugin import EngineFactory
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
    # Whether this controller still holds its lease at the epoch the reconciler runs under,
    # asked in the transaction of every write (DeploymentRecord); None: no other controller.
    fence: Fence | None = None
    # Called when a write was refused by the fence: the lease is lost, the controller stands by.
    lease_lost: Callable[[], None] | None = None

    def resolve(self, d: Deployment) -> tuple[EngineFactory, EngineSpec]:
        """``d``'s engine and spec, from its offer in the store, sized for its host."""
        offer, adapter = self.store.read(lambda c: self.offer_of(c, d))
        if offer is None:
            raise EngineStartError(f"the offer {d.offer_id!r} is not in the catalog")
        host = self.host_of(d) if self.host_of is not None else self.host
        return resolve(d, offer, self.engines, self.vault, host, adapter)


@dataclass
class Placed:
    row: Replica
    handle: ReplicaHandle
    runtime: Runtime
