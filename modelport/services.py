"""The services of one running Modelport, built once at start-up and kept on ``app.state``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import Engine

from modelport.access.audit import AuditLog
from modelport.access.authn import Authenticator
from modelport.access.oidc import OidcConfig, OidcProvider
from modelport.access.service import AccessService
from modelport.access.sessions import SessionStore
from modelport.billing.ledger import UsageLedger
from modelport.billing.metering import Metering
from modelport.billing.metrics import UsageMetrics
from modelport.billing.prices import PriceSheet
from modelport.control.blocklists import BlocklistControl
from modelport.control.content_safety import ContentSafetyControl
from modelport.control.deployments import DeploymentService
from modelport.control.projects import ProjectService
from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.domain.keys import KeyVault
from modelport.domain.regions import Regions
from modelport.engines.host import EngineHost
from modelport.engines.registry import EngineFactories
from modelport.finetune.hosting import HostingMeter
from modelport.finetune.models import FineTunedModels
from modelport.finetune.service import FineTuningService
from modelport.inference.accounting import Accountant
from modelport.inference.direct import DirectCompletions
from modelport.inference.live import DeploymentRegistry
from modelport.inference.moderation import Moderation
from modelport.inference.pipeline import Pipeline
from modelport.local_secrets import ConfigurationError, LocalSecrets
from modelport.policy.limits.base import RateLimiter
from modelport.policy.limits.factory import make_rate_limiter
from modelport.policy.safety import SafetyPolicy, SafetyService, load_ensemble
from modelport.policy.safety.blocklist import BlocklistSet
from modelport.policy.safety.metrics import SafetyMetrics
from modelport.settings import Settings
from modelport.store.db import make_engine, upgrade
from modelport.store.repositories import Store


def check_engine_settings(engines: EngineFactories, host: EngineHost) -> None:
    """Every engine named in MODELPORT_ENGINE_SETTINGS exists and accepts its settings (raises
    EnginePluginError or EngineSettingsError, which stop the start with the reason)."""
    for name in host.engine_settings:
        host.settings_for(name, engines.load(name).settings)


def oidc_provider(settings: Settings) -> OidcProvider | None:
    """The single sign-on provider, when one is configured."""
    if not settings.oidc_issuer:
        return None
    if not settings.oidc_client_id:
        raise ConfigurationError("MODELPORT_OIDC_ISSUER needs MODELPORT_OIDC_CLIENT_ID too")
    secret = settings.oidc_client_secret
    return OidcProvider(
        OidcConfig(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            audience=settings.oidc_audience,
            scopes=settings.oidc_scopes,
            display_name=settings.oidc_display_name,
        )
    )


def ledger_engine(settings: Settings, db: Engine) -> Engine:
    """The store's engine, or on SQLite with ``ledger_durability=full`` one of its own whose
    commits are synced (synchronous=FULL) before a usage record is reported durable."""
    if settings.ledger_durability == "full" and db.dialect.name == "sqlite":
        return make_engine(settings.resolved_database_url(), synchronous="full")
    return db


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
    authenticator: Authenticator
    audit: AuditLog
    oidc: OidcProvider | None = None

    @classmethod
    async def build(cls, settings: Settings) -> Services:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        local = LocalSecrets.from_settings(settings)
        db = make_engine(settings.resolved_database_url())
        await asyncio.to_thread(upgrade, db)
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
        check_engine_settings(engines, host)
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
        limiter = make_rate_limiter(settings.rate_limit_backend, settings.redis_url)
        metrics = UsageMetrics()
        ledger = UsageLedger(ledger_engine(settings, db), failures=metrics)
        prices = PriceSheet.from_catalog(catalog)
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
        moderation = Moderation(safety, SafetyMetrics(metrics.registry), live_blocklists)
        access = AccessService(store, local.key_hash_secret)
        sessions = SessionStore(store, local.key_hash_secret, settings.session_ttl)
        oidc = oidc_provider(settings)
        return cls(
            settings=settings,
            secrets=local,
            store=store,
            catalog=catalog,
            vault=vault,
            registry=registry,
            deployments=deployments,
            regions=regions,
            projects=projects,
            pipeline=Pipeline(accountant, moderation),
            limiter=limiter,
            ledger=ledger,
            prices=prices,
            metrics=metrics,
            safety=safety,
            content_safety=ContentSafetyControl(store, deployments),
            blocklists=BlocklistControl(store, deployments, live_blocklists),
            fine_tuning=FineTuningService(
                settings=settings,
                store=store,
                projects=projects,
                models=fine_tuned,
                ledger=ledger,
            ),
            hosting=HostingMeter(registry, ledger, settings.hosting_meter_interval),
            access=access,
            sessions=sessions,
            authenticator=Authenticator(access, sessions, oidc),
            audit=AuditLog(store),
            oidc=oidc,
        )

    async def start(self) -> None:
        await asyncio.to_thread(self.access.bootstrap, self.secrets.admin_token)
        self.ledger.start()
        await self.deployments.bootstrap()
        await self.content_safety.load()
        await self.blocklists.load()
        await self.fine_tuning.start()
        self.hosting.start()

    async def close(self) -> None:
        await self.hosting.close()
        await self.fine_tuning.close()
        await self.deployments.shutdown()
        await self.pipeline.drain()
        await asyncio.to_thread(self.ledger.close)
        await self.limiter.close()
        if self.ledger.engine is not self.store.engine:
            self.ledger.engine.dispose()
        self.store.engine.dispose()
