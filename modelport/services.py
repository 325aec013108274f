"""The services of one running Modelport, built once at start-up and kept on ``app.state``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from modelport.control.deployments import DeploymentService
from modelport.control.live import DeploymentRegistry
from modelport.control.sessions import SessionCodec
from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.domain.keys import KeyVault
from modelport.engines.registry import EngineFactories
from modelport.inference.pipeline import Pipeline
from modelport.local_secrets import LocalSecrets
from modelport.settings import Settings
from modelport.store.db import make_engine, upgrade
from modelport.store.repositories import Store


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
    sessions: SessionCodec

    @classmethod
    async def build(cls, settings: Settings) -> Services:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        local = LocalSecrets.from_settings(settings)
        db = make_engine(settings.resolved_database_url())
        await asyncio.to_thread(upgrade, db)
        store = Store(db)
        catalog = Catalog.load(builtin_offers_dir())
        vault = KeyVault(local.key_encryption_key, local.key_hash_secret)
        registry = DeploymentRegistry()
        deployments = DeploymentService(
            settings=settings,
            store=store,
            catalog=catalog,
            vault=vault,
            registry=registry,
            engines=EngineFactories.discover(),
        )
        return cls(
            settings=settings,
            secrets=local,
            store=store,
            catalog=catalog,
            vault=vault,
            registry=registry,
            deployments=deployments,
            pipeline=Pipeline(),
            sessions=SessionCodec(local.key_hash_secret, local.admin_token),
        )

    async def start(self) -> None:
        await self.deployments.bootstrap()

    async def close(self) -> None:
        await self.deployments.shutdown()
        self.store.engine.dispose()
