"""What a gateway reports about itself: in its heartbeat (for the operator view and the
controller's idle detection) and in ``/healthz`` (for load balancers and operators)."""

from __future__ import annotations

import time
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Gauge

from modelport.billing.ledger import UsageLedger
from modelport.cluster.changes import ChangeFeed
from modelport.cluster.controller import Controller
from modelport.cluster.members import Heartbeat
from modelport.cluster.routing import ReplicaRouter
from modelport.cluster.sync import RegistrySync
from modelport.inference.live import DeploymentRegistry
from modelport.settings import Settings


class ServicesView(Protocol):
    """What these reports read of the running services: the start-up's ``Services`` has
    these (and more), and is passed in; this module depends on no more than this."""

    @property
    def settings(self) -> Settings: ...
    @property
    def registry(self) -> DeploymentRegistry: ...
    @property
    def feed(self) -> ChangeFeed: ...
    @property
    def heartbeat(self) -> Heartbeat: ...
    @property
    def ledger(self) -> UsageLedger: ...
    @property
    def sync(self) -> RegistrySync | None: ...
    @property
    def controller(self) -> Controller | None: ...
    def limiter_status(self) -> dict[str, Any]: ...


def in_flight(services: ServicesView) -> dict[str, int]:
    """Requests of this gateway in flight per replica id."""
    found: dict[str, int] = {}
    for live in services.registry.all():
        if isinstance(live.engine, ReplicaRouter):
            for replica_id, count in live.engine.in_flight().items():
                found[replica_id] = found.get(replica_id, 0) + count
        elif len(live.replicas) == 1:
            replica_id = live.replicas[0].id
            found[replica_id] = found.get(replica_id, 0) + live.in_flight
    return found


def activity(services: ServicesView) -> dict[str, float]:
    """When each deployment last had a request here (now, while one is in flight)."""
    now = time.time()
    found: dict[str, float] = {}
    for live in services.registry.all():
        last = now if live.in_flight > 0 else live.last_request
        if last:
            found[live.deployment.id] = max(found.get(live.deployment.id, 0.0), last)
    return found


def store_status(services: ServicesView) -> dict[str, Any]:
    feed = services.feed
    lost = feed.store_lost_since
    status: dict[str, Any] = {"reachable": feed.store_ok, "revision": feed.latest}
    if services.sync is not None:
        status["synced_revision"] = services.sync.synced_at
    synced = services.sync.cursor if services.sync is not None else None
    if feed.store_ok and feed.outage_since(synced) is not None:
        status["catching_up"] = True  # it answers again; the changes made meanwhile not read yet
    if lost is not None:
        status["unreachable_for_s"] = round(time.monotonic() - lost, 1)
        status["serving_until_s"] = round(
            max(0.0, services.settings.store_outage_grace - (time.monotonic() - lost)), 1
        )
    if feed.postgres:
        status["notifications"] = "listening" if feed.listening else "polling"
    return status


def gateway_status(services: ServicesView) -> dict[str, Any]:
    status: dict[str, Any] = {
        "in_flight": in_flight(services),
        "activity": activity(services),
        "store": store_status(services),
        "limiter": services.limiter_status(),
        "usage_spool": services.ledger.spooled(),
    }
    controller = services.controller
    if controller is not None:
        status["controller"] = {
            "active": controller.active,
            "runtime": controller.runtime.name,
            "replicas": controller.replica_count(),
        }
        status["nodes"] = controller.node_status
    return status


def register_cluster_metrics(registry: CollectorRegistry, services: ServicesView) -> None:
    """Gauges read at scrape time: the limiter's mode, the store's reachability, the spool."""
    degraded = Gauge(
        "modelport_rate_limiter_degraded",
        "1 while the shared (Redis) limiter is unreachable and its failure policy applies.",
        registry=registry,
    )
    degraded.set_function(
        lambda: float(services.limiter_status()["mode"] not in ("redis", "memory"))
    )
    gateways = Gauge(
        "modelport_live_gateways",
        "Gateways alive now (heartbeats): the degraded limiter's share is limit / this.",
        registry=registry,
    )
    gateways.set_function(lambda: float(services.heartbeat.live_gateways))
    reachable = Gauge(
        "modelport_store_reachable",
        "1 while the database answers; 0 while this gateway serves from memory.",
        registry=registry,
    )
    reachable.set_function(lambda: float(services.feed.store_ok))
    spooled = Gauge(
        "modelport_usage_spooled_records",
        "Usage records queued on local disk until the database is back.",
        registry=registry,
    )
    spooled.set_function(lambda: float(services.ledger.spooled()))
