"""The deployment service: provisioning, engine start/stop, keys, and the live registry.

Routes and the CLI call this service; it is the one place the lifecycle rules live.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

from modelport.control.live import DeploymentRegistry, LiveDeployment
from modelport.domain.catalog import Catalog, Offer
from modelport.domain.deployments import Deployment, DeploymentState, KeySlot, RateLimits
from modelport.domain.keys import KeyVault, generate_key
from modelport.engines.base import Engine, EngineSpec, EngineStartError
from modelport.engines.registry import EngineFactories
from modelport.errors import NotFound
from modelport.models.gguf_meta import GGUFError, read_gguf_info
from modelport.models.weights import WeightsUnavailable, resolve_weights
from modelport.settings import Settings
from modelport.store.repositories import Store, new_id, now

log = logging.getLogger("modelport.deployments")


class DeploymentService:
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        catalog: Catalog,
        vault: KeyVault,
        registry: DeploymentRegistry,
        engines: EngineFactories,
    ) -> None:
        self.settings = settings
        self.store = store
        self.catalog = catalog
        self.vault = vault
        self.registry = registry
        self.engines = engines
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def model_store(self) -> Path:
        return self.settings.data_dir / "models"

    # -- start-up ---------------------------------------------------------------------------
    async def bootstrap(self) -> None:
        """Create the default project and embedded deployment on first start, then bring every
        persisted deployment back (engines restarted from the store)."""
        if self.settings.embedded_default:
            await asyncio.to_thread(self._ensure_default)
        for deployment in await asyncio.to_thread(self._all):
            if deployment.state is DeploymentState.DELETING:
                await asyncio.to_thread(self._forget, deployment)
                continue
            live = await asyncio.to_thread(self._live, deployment)
            if live is None:
                continue
            self.registry.put(live)
            if deployment.state is not DeploymentState.FAILED:
                self._spawn(self.provision(live))

    def _all(self) -> list[Deployment]:
        return self.store.run(lambda c: self.store.list_deployments(c))

    def _ensure_default(self) -> None:
        offer = self.catalog.embedded()
        with self.store.transaction() as conn:
            if self.store.project_by_name(conn, self.settings.default_project):
                return
            project = self.store.create_project(
                conn, self.settings.default_project, self.settings.default_region
            )
            sub = self.store.create_subscription(
                conn,
                project,
                offer.id,
                resource_id=f"/projects/{project.name}/subscriptions/{offer.id}",
            )
            deployment = Deployment(
                id=new_id(),
                name=offer.id,
                project_id=project.id,
                region=project.region,
                offer_id=offer.id,
                subscription_id=sub.id,
                state=DeploymentState.CREATING,
                created_at=now(),
            )
            self.store.create_deployment(conn, deployment)
            for slot in KeySlot:
                key = generate_key()
                self.store.put_key(
                    conn, deployment.id, slot, self.vault.fingerprint(key), self.vault.encrypt(key)
                )
        log.info("created the default project and deployment %s", deployment.name)

    def _live(self, deployment: Deployment) -> LiveDeployment | None:
        offer = self.catalog.get(deployment.offer_id)
        if offer is None:
            log.error(
                "deployment %s: offer %s is not in the catalog",
                deployment.name,
                deployment.offer_id,
            )
            return None
        keys = self.store.run(lambda c: self.store.keys_of(c, deployment.id))
        return LiveDeployment(deployment, offer, {slot: fp for slot, (fp, _) in keys.items()})

    def _forget(self, deployment: Deployment) -> None:
        self.store.run(lambda c: self.store.delete_deployment(c, deployment.id))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- provisioning -----------------------------------------------------------------------
    def engine_spec(self, deployment: Deployment, offer: Offer) -> EngineSpec:
        """Everything the engine needs; raises EngineStartError with what is missing."""
        try:
            path = resolve_weights(offer, self.model_store)
        except WeightsUnavailable as exc:
            raise EngineStartError(str(exc)) from exc
        try:
            info = read_gguf_info(path)
        except (GGUFError, OSError) as exc:
            raise EngineStartError(f"cannot read the weights file {path.name}: {exc}") from exc
        template = info.chat_template
        if template is None:
            raise EngineStartError(
                f"the weights of {offer.id!r} carry no chat template and the catalog names none "
                "that the llama.cpp engine can use"
            )
        context = min(self.settings.engine_context, info.context_length or offer.context_length)
        return EngineSpec(
            deployment=deployment.name,
            model_path=path,
            chat_template=template,
            slots=self.settings.engine_slots,
            threads=self.settings.engine_threads,
            context=context,
            start_timeout=self.settings.engine_start_timeout,
            restart_backoff=self.settings.engine_restart_backoff,
            request_timeout=self.settings.engine_request_timeout,
        )

    def _make_engine(self, deployment: Deployment, offer: Offer) -> Engine:
        factory = self.engines.get(deployment.engine)
        if factory is None:
            raise EngineStartError(
                f"engine {deployment.engine!r} is not installed (available: {self.engines.names()})"
            )
        return factory(self.engine_spec(deployment, offer))

    async def provision(self, live: LiveDeployment) -> None:
        """Start the engine of a deployment; leave it succeeded, or failed with the reason."""
        deployment = live.deployment
        try:
            engine = await asyncio.to_thread(self._make_engine, deployment, live.offer)
            await engine.start()
        except EngineStartError as exc:
            await self._set_state(live, DeploymentState.FAILED, str(exc))
            log.error("deployment %s failed: %s", deployment.name, exc)
            return
        live.engine = engine
        await self._set_state(live, DeploymentState.SUCCEEDED, None)

    async def _set_state(
        self, live: LiveDeployment, state: DeploymentState, reason: str | None
    ) -> None:
        deployment_id = live.deployment.id
        await asyncio.to_thread(
            self.store.run,
            lambda c: self.store.set_deployment_state(c, deployment_id, state, reason),
        )
        live.deployment = replace(live.deployment, state=state, failure_reason=reason)

    # -- queries ----------------------------------------------------------------------------
    def get_live(self, name: str, region: str | None = None) -> LiveDeployment:
        live = self.registry.get(region or self.settings.default_region, name)
        if live is None:
            raise NotFound(f"deployment {name!r} does not exist")
        return live

    async def keys(self, name: str, region: str | None = None) -> dict[KeySlot, str]:
        live = self.get_live(name, region)
        stored = await asyncio.to_thread(
            self.store.run, lambda c: self.store.keys_of(c, live.deployment.id)
        )
        return {slot: self.vault.decrypt(cipher) for slot, (_, cipher) in stored.items()}

    async def set_limits(self, name: str, limits: RateLimits, region: str | None = None) -> None:
        live = self.get_live(name, region)
        await asyncio.to_thread(
            self.store.run,
            lambda c: self.store.set_deployment_limits(c, live.deployment.id, limits),
        )
        live.deployment = replace(live.deployment, limits=limits)

    # -- shutdown ---------------------------------------------------------------------------
    async def shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        engines = [live.engine for live in self.registry.all() if live.engine is not None]
        await asyncio.gather(*(engine.stop() for engine in engines), return_exceptions=True)
