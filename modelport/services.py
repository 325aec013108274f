"""The services of one running Modelport, built once at start-up and kept on ``app.state``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from modelport.access.audit import AuditLog
from modelport.access.authn import Authenticator
from modelport.access.oidc import OidcProvider, provider_from_settings
from modelport.access.service import AccessService
from modelport.access.sessions import SessionStore
from modelport.access.throttle import SignInThrottle
from modelport.billing.compute import ComputeMeter
from modelport.billing.ledger import UsageLedger
from modelport.billing.metering import Metering
from modelport.billing.metrics import UsageMetrics
from modelport.billing.prices import PriceSheet
from modelport.billing.spool import UsageSpool
from modelport.cluster.changes import ChangeFeed
from modelport.cluster.controller import Controller
from modelport.cluster.local_runtime import LocalRuntime
from modelport.cluster.members import Heartbeat
from modelport.cluster.runtime import Runtime
from modelport.cluster.runtimes import make_runtime
from modelport.cluster.status import gateway_status, register_cluster_metrics
from modelport.cluster.sync import RegistrySync
from modelport.cluster.threads import in_thread_run
from modelport.cluster.view import ClusterReader
from modelport.control.blocklists import BLOCKLIST_CHANGE, BlocklistControl
from modelport.control.content_safety import ContentSafetyControl
from modelport.control.deployments import DeploymentService
from modelport.control.endpoints import ENDPOINT_CHANGE, EndpointService, sweep_endpoints
from modelport.control.placement import sized_hosts
from modelport.control.projects import ProjectService
from modelport.control.quota import QuotaService
from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.domain.compute import InstanceTypes
from modelport.domain.keys import KeyVault
from modelport.domain.regions import Regions
from modelport.engines.host import EngineHost
from modelport.engines.registry import EngineFactories
from modelport.engines.supervisor import Backoff
from modelport.errors import StoreUnavailable
from modelport.finetune.hosting import HostingMeter
from modelport.finetune.models import FineTunedModels
from modelport.finetune.service import FineTuningService
from modelport.gateway.mirror import Mirror
from modelport.inference.accounting import Accountant
from modelport.inference.direct import DirectCompletions
from modelport.inference.endpoints import EndpointRegistry
from modelport.inference.live import DeploymentRegistry
from modelport.inference.moderation import Moderation
from modelport.inference.pipeline import Pipeline
from modelport.local_secrets import LocalSecrets
from modelport.policy.limits.base import RateLimiter
from modelport.policy.limits.factory import make_rate_limiter
from modelport.policy.safety import SafetyPolicy, SafetyService, load_ensemble
from modelport.policy.safety.blocklist import BlocklistSet
from modelport.policy.safety.metrics import SafetyMetrics
from modelport.settings import Settings
from modelport.store.db import close_engine, ledger_engine, make_engine, migrate
from modelport.store.locking import exclusive
from modelport.store.repositories import Store
from modelport.store.values import now


def _endpoint_sweeper(store: Store, feed: ChangeFeed) -> Callable[[], Awaitable[None]]:
    """The controller's duty for endpoints: shared-quota deadlines, finished deletions."""

    async def sweep() -> None:
        removed = await in_thread_run(store, lambda c: sweep_endpoints(c, now()))
        if removed:
            feed.kick()

    return sweep


@dataclass
class Services:
    settings: Settings
    secrets: LocalSecrets
    store: Store
    catalog: Catalog
    vault: KeyVault
    registry: DeploymentRegistry
    deployments: DeploymentService
    pipeline: Pipeline
    regions: Regions
    projects: ProjectService
    limiter: RateLimiter
    ledger: UsageLedger
    prices: PriceSheet
    metrics: UsageMetrics
    safety: SafetyService
    content_safety: ContentSafetyControl
    blocklists: BlocklistControl
    fine_tuning: FineTuningService
    hosting: HostingMeter
    access: AccessService
    sessions: SessionStore
    signin_throttle: SignInThrottle
    authenticator: Authenticator
    audit: AuditLog
    feed: ChangeFeed
    heartbeat: Heartbeat
    cluster: ClusterReader
    # Managed compute: instance types, core quota, endpoints, their live view, mirror copies,
    # and the compute meter (run by the active controller).
    instance_types: InstanceTypes
    quota: QuotaService
    endpoints: EndpointService
    endpoint_registry: EndpointRegistry
    mirror: Mirror
    compute_meter: ComputeMeter
    sync: RegistrySync | None = None  # gateways: the registry kept in step with the store
    controller: Controller | None = None  # up and controller: the reconciler (one active)
    oidc: OidcProvider | None = None

    @classmethod
    async def build(cls, settings: Settings) -> Services:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        local = LocalSecrets.from_settings(settings)
        db = make_engine(settings.resolved_database_url())
        await asyncio.to_thread(migrate, db)
        store = Store(db)
        catalog = Catalog.load(
            builtin_offers_dir(),
            *settings.catalog_dirs,
            price_sheet=settings.price_sheet,
            include_test=settings.test_offers,
        )
        regions = Regions(
            settings.default_region,
            settings.resolved_public_url(),
            settings.regions,
            settings.base_domain,
            settings.offer_regions,
        )
        projects = ProjectService(store=store, catalog=catalog, regions=regions)
        vault = KeyVault(local.key_encryption_key, local.key_hash_secret)
        registry = DeploymentRegistry()
        engines = EngineFactories.discover()
        host = EngineHost.from_settings(settings)
        engines.check_settings(host)
        fine_tuned = FineTunedModels(catalog, settings.data_dir / "fine_tuning")
        deployments = DeploymentService(
            settings=settings,
            store=store,
            catalog=catalog,
            vault=vault,
            registry=registry,
            engines=engines,
            regions=regions,
            projects=projects,
            host=host,
            fine_tuned=fine_tuned,
        )
        holder: dict[str, Services] = {}
        limiter = make_rate_limiter(
            settings.rate_limit_backend,
            settings.redis_url,
            on_failure=settings.rate_limit_on_redis_failure,
            live_gateways=lambda: (
                holder["services"].heartbeat.live_gateways if "services" in holder else 1
            ),
        )
        metrics = UsageMetrics()
        spool = (
            UsageSpool(settings.data_dir / "usage-spool.jsonl")
            if settings.spool_enabled()
            else None
        )
        ledger = UsageLedger(ledger_engine(settings, db), failures=metrics, spool=spool)
        instance_types = InstanceTypes.load(settings.instance_types_file)
        prices = PriceSheet.from_catalog(catalog, instance_types)
        quota = QuotaService(
            settings=settings,
            store=store,
            types=instance_types,
            projects=projects,
            regions=regions,
        )
        endpoint_registry = EndpointRegistry()
        endpoints = EndpointService(
            store=store,
            vault=vault,
            deployments=deployments,
            quota=quota,
            registry=endpoint_registry,
            shared_quota_lifetime=settings.shared_quota_lifetime,
        )
        compute_meter = ComputeMeter(
            store, slice_s=settings.compute_meter_slice, interval=settings.compute_meter_interval
        )
        accountant = Accountant(limiter, Metering(ledger, prices, metrics))
        # Compiling the default classifier's lexicons takes seconds: off the event loop.
        ensemble = await asyncio.to_thread(
            load_ensemble,
            settings.safety_classifiers,
            model_dirs=settings.safety_model_dirs,
            options=settings.safety_plugin_options,
        )
        # Plug-ins that ask a model served here (the guard) reach its engine directly.
        ensemble.attach(DirectCompletions(registry, asyncio.get_running_loop()))
        safety = SafetyService(
            ensemble, policy=SafetyPolicy.serverless(), timeout_s=settings.safety_timeout
        )
        live_blocklists = BlocklistSet()
        blocklists = BlocklistControl(store, deployments, live_blocklists)
        moderation = Moderation(safety, SafetyMetrics(metrics.registry), live_blocklists)
        access = AccessService(store, local.key_hash_secret)
        sessions = SessionStore(store, local.key_hash_secret, settings.session_ttl)
        oidc = provider_from_settings(settings)
        feed = ChangeFeed(store, poll_interval=settings.change_poll_interval)
        deployments.kick = feed.kick
        gateway = settings.role != "controller"
        heartbeat = Heartbeat(
            store,
            feed,
            role="gateway" if gateway else "controller",
            address=settings.resolved_public_url() if gateway else None,
            status=lambda: gateway_status(holder["services"]) if "services" in holder else {},
            interval=settings.heartbeat_interval,
        )
        local_runtime = (
            LocalRuntime(memory_available=host.memory_available)
            if settings.role != "gateway"
            else None
        )
        controller = None
        if local_runtime is not None:
            runtime: Runtime = (
                local_runtime
                if settings.resolved_runtime() == "local"
                else make_runtime(
                    "ray", ray_address=settings.ray_address, ray_namespace=settings.ray_namespace
                )
            )
            controller = Controller(
                store=store,
                catalog=catalog,
                vault=vault,
                engines=engines,
                host=host,
                runtime=runtime,
                feed=feed,
                heartbeat=heartbeat,
                local=local_runtime,
                offer_of=deployments.offers.offer_here,
                retry=Backoff(settings.deployment_retry_initial, settings.deployment_retry_max),
                ttl=settings.controller_lease_ttl,
                duties=[compute_meter.duty, _endpoint_sweeper(store, feed)],
                on_forget=compute_meter.final_bill,
                host_of=sized_hosts(host, instance_types),
            )
        sync = None
        if gateway:
            sync = RegistrySync(
                store=store,
                catalog=catalog,
                vault=vault,
                registry=registry,
                engines=engines,
                host=host,
                feed=feed,
                local=local_runtime.engine if local_runtime is not None else None,
                wake=heartbeat.wake,
                cold_start_wait=settings.cold_start_wait,
                offer_of=deployments.offers.offer_in,
                offer_here=deployments.offers.offer_here,
                reloads={ENDPOINT_CHANGE: endpoints.read, BLOCKLIST_CHANGE: blocklists.read},
            )
        pipeline = Pipeline(accountant, moderation)
        services = cls(
            settings=settings,
            secrets=local,
            store=store,
            catalog=catalog,
            vault=vault,
            registry=registry,
            deployments=deployments,
            regions=regions,
            projects=projects,
            pipeline=pipeline,
            limiter=limiter,
            ledger=ledger,
            prices=prices,
            metrics=metrics,
            safety=safety,
            content_safety=ContentSafetyControl(store, deployments),
            blocklists=blocklists,
            fine_tuning=FineTuningService(
                settings=settings,
                store=store,
                projects=projects,
                models=fine_tuned,
                ledger=ledger,
                owner=heartbeat.id,
                live_within=heartbeat.live_within,
                adopt_interval=heartbeat.interval,
            ),
            hosting=HostingMeter(registry, ledger, settings.hosting_meter_interval),
            access=access,
            sessions=sessions,
            signin_throttle=SignInThrottle(
                limiter, settings.signin_attempts_per_minute, settings.signin_attempts_per_address
            ),
            authenticator=Authenticator(access, sessions, oidc),
            audit=AuditLog(store),
            feed=feed,
            heartbeat=heartbeat,
            cluster=ClusterReader(store, heartbeat.live_within),
            sync=sync,
            controller=controller,
            oidc=oidc,
            instance_types=instance_types,
            quota=quota,
            endpoints=endpoints,
            endpoint_registry=endpoint_registry,
            mirror=Mirror(pipeline),
            compute_meter=compute_meter,
        )
        holder["services"] = services
        if sync is not None:
            deployments.refresh = sync.reload
            endpoints.catch_up = sync.catch_up
        register_cluster_metrics(metrics.registry, services)
        return services

    def check_store_outage(self) -> None:
        """A gateway that lost its database serves what it knows for ``store_outage_grace``
        seconds (revocations made meanwhile cannot reach it), then refuses (503) until the
        database answers again and what changed meanwhile has been applied."""
        lost = self.feed.outage_since(self.sync.cursor if self.sync is not None else None)
        if lost is not None and time.monotonic() - lost > self.settings.store_outage_grace:
            raise StoreUnavailable(
                "this gateway has lost its database for too long to trust what it knows; "
                "retry shortly",
                retry_after=5,
            )

    def limiter_status(self) -> dict[str, Any]:
        status = getattr(self.limiter, "status", None)
        if callable(status):
            found: dict[str, Any] = status()
            return found
        return {"backend": self.limiter.name, "mode": self.limiter.name}

    def _bootstrap(self) -> None:
        """What a first start creates (the bootstrap owner, the default deployment), under the
        store's lock: several processes starting together create it once."""
        with exclusive(self.store.engine):
            self.access.bootstrap(self.secrets.admin_token)
            self.deployments.ensure_default()

    async def start(self) -> None:
        await asyncio.to_thread(self._bootstrap)
        self.ledger.start()
        await self.feed.start()
        await self.heartbeat.start()
        if self.sync is not None:
            await self.sync.start()
        else:
            await self.endpoints.reload()
        await self.content_safety.load()
        await self.blocklists.load()
        if self.controller is not None:
            await self.controller.start()
        await self.fine_tuning.start()
        self.hosting.start()

    async def close(self) -> None:
        try:
            await self.hosting.close()
            await self.fine_tuning.close()
            if self.controller is not None:
                await self.controller.close()
            if self.sync is not None:
                await self.sync.close()
            await self.heartbeat.close()
            await self.feed.close()
            await self.mirror.close()
            await self.pipeline.drain()
            await asyncio.to_thread(self.ledger.close)
            await self.limiter.close()
        finally:
            # Last, and whatever failed before: no connection is left open (see close_engine).
            if self.ledger.engine is not self.store.engine:
                await asyncio.to_thread(close_engine, self.ledger.engine)
            await asyncio.to_thread(close_engine, self.store.engine)
