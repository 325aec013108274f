"""The deployment service: provisioning, engine start/stop, keys, and the live registry.

Routes and the CLI call this service; it is the one place the deployment lifecycle rules live:

- the deployment name is DNS-safe and unique per region; one deployment per model per project;
- the offer must be offered in the project's region (403) and subscribed (412), unless the call
  subscribes and deploys at once; its engine and weights must be on this machine (412, with what
  is missing);
- creation returns at once in state ``creating`` and provisions in the background, ending
  ``succeeded`` or ``failed`` with the reason; delete goes through ``deleting``, stops the engine
  and frees the name; every state change is stored, so deployments survive restarts;
- two keys, each regenerated on its own while the other keeps working.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from modelport.control.availability import Availability, check_offer
from modelport.control.projects import ProjectService
from modelport.domain.catalog import Catalog, Offer
from modelport.domain.deployments import (
    Deployment,
    DeploymentState,
    KeySlot,
    RateLimits,
    subscription_resource_id,
    validate_deployment_name,
)
from modelport.domain.keys import KeyVault, generate_key
from modelport.domain.regions import Regions
from modelport.engines.base import Engine, EngineSpec, EngineStartError
from modelport.engines.registry import EngineFactories
from modelport.errors import Conflict, NotFound, OfferNotDeployable, SubscriptionRequired
from modelport.inference.live import DeploymentRegistry, LiveDeployment
from modelport.models.formats import get_format
from modelport.models.gguf_meta import GGUFError, read_gguf_info
from modelport.models.weights import WeightsUnavailable, resolve_weights
from modelport.settings import Settings
from modelport.store.repositories import Store, new_id, now

log = logging.getLogger("modelport.deployments")


def engine_chat_template(offer: Offer, model_template: str | None) -> str:
    """The chat template the engine applies: the model's own when its weights carry one,
    otherwise the Jinja template of the catalog's named prompt format."""
    if model_template is not None and model_template.strip():
        return model_template
    try:
        fmt = get_format(offer.chat_format) if offer.chat_format else None
    except LookupError as exc:
        raise EngineStartError(f"the catalog entry of {offer.id!r}: {exc}") from exc
    template = fmt.jinja_template() if fmt is not None else None
    if not template:
        raise EngineStartError(
            f"the weights of {offer.id!r} carry no chat template and the catalog names no "
            "prompt format (chat_format) to use instead"
        )
    return template


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
        regions: Regions | None = None,
        projects: ProjectService | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.catalog = catalog
        self.vault = vault
        self.registry = registry
        self.engines = engines
        self.regions = regions or Regions(
            settings.default_region, settings.resolved_public_url(), settings.regions
        )
        self.projects = projects or ProjectService(
            store=store, catalog=catalog, regions=self.regions
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._provisioning: dict[str, asyncio.Task[None]] = {}  # deployment id -> task

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
                self._start_provisioning(live)

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
                conn, project, offer.id, resource_id=subscription_resource_id(project.id, offer.id)
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
            self._new_keys(conn, deployment.id)
        log.info("created the default project and deployment %s", deployment.name)

    def _new_keys(self, conn: Connection, deployment_id: str) -> dict[KeySlot, str]:
        fingerprints = {}
        for slot in KeySlot:
            key = generate_key()
            fingerprints[slot] = self.vault.fingerprint(key)
            self.store.put_key(
                conn, deployment_id, slot, fingerprints[slot], self.vault.encrypt(key)
            )
        return fingerprints

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

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _start_provisioning(self, live: LiveDeployment) -> None:
        deployment_id = live.deployment.id
        live.progress = "queued"
        task = self._spawn(self.provision(live))
        self._provisioning[deployment_id] = task
        task.add_done_callback(lambda _: self._provisioning.pop(deployment_id, None))

    # -- create -----------------------------------------------------------------------------
    def availability(self, offer: Offer) -> Availability:
        return check_offer(offer, self.engines, self.model_store)

    async def create(
        self, project_name: str, name: str, offer_id: str, *, subscribe: bool = False
    ) -> LiveDeployment:
        """Create a deployment in state ``creating`` and start provisioning it in the
        background. Every check happens before anything is written, in one transaction."""
        validate_deployment_name(name)
        offer = self.projects.offer(offer_id)

        def create(conn: Connection) -> tuple[Deployment, dict[KeySlot, str]]:
            project = self.projects.project(conn, project_name)
            self.projects.require_offered(offer, project)
            sub = self.store.subscription_for(conn, project.id, offer.id)
            if sub is None:
                if not subscribe:
                    raise SubscriptionRequired(
                        f"project {project.name!r} has not subscribed to {offer.id!r}: accept "
                        "its terms by subscribing first (or subscribe and deploy in one call)",
                        param="offer",
                    )
                sub = self.projects.subscribe_in(conn, project, offer).subscription
            available = self.availability(offer)
            if available.engine is None:
                raise OfferNotDeployable(available.message(), param="offer")
            deployment = Deployment(
                id=new_id(),
                name=name,
                project_id=project.id,
                region=project.region,
                offer_id=offer.id,
                subscription_id=sub.id,
                state=DeploymentState.CREATING,
                created_at=now(),
                engine=available.engine,
            )
            self.store.create_deployment(conn, deployment)
            return deployment, self._new_keys(conn, deployment.id)

        deployment, fingerprints = await asyncio.to_thread(self.store.run, create)
        live = LiveDeployment(deployment, offer, fingerprints)
        self.registry.put(live)
        self._start_provisioning(live)
        log.info("deployment %s of %s created in %s", name, offer.id, deployment.region)
        return live

    # -- delete -----------------------------------------------------------------------------
    async def delete(self, name: str, region: str | None = None) -> None:
        """``deleting``, then stop the engine, then forget the deployment and free its name."""
        live = self.get_live(name, region)
        if live.deployment.state is DeploymentState.DELETING:
            raise Conflict(f"deployment {name!r} is already being deleted")
        await self._set_state(live, DeploymentState.DELETING, None)
        live.progress = "deleting"
        task = self._provisioning.get(live.deployment.id)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        engine, live.engine = live.engine, None
        if engine is not None:
            await engine.stop()
        await asyncio.to_thread(self._forget, live.deployment)
        self.registry.remove(live.deployment.region, live.deployment.name)
        log.info("deployment %s deleted", name)

    # -- keys -------------------------------------------------------------------------------
    async def regenerate_key(
        self, name: str, slot: KeySlot, region: str | None = None
    ) -> dict[KeySlot, str]:
        """Replace one key; the other keeps working throughout."""
        live = self.get_live(name, region)
        key = generate_key()
        fingerprint = self.vault.fingerprint(key)
        cipher = self.vault.encrypt(key)
        deployment_id = live.deployment.id
        await asyncio.to_thread(
            self.store.run,
            lambda c: self.store.put_key(c, deployment_id, slot, fingerprint, cipher),
        )
        live.fingerprints = {**live.fingerprints, slot: fingerprint}
        log.info("deployment %s: %s key regenerated", name, slot.value)
        return await self.keys(name, live.deployment.region)

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
        template = engine_chat_template(offer, info.chat_template)
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
        engine: Engine | None = None
        try:
            live.progress = "resolving weights"
            engine = await asyncio.to_thread(self._make_engine, deployment, live.offer)
            live.progress = f"starting the {deployment.engine} engine and loading the model"
            await engine.start()
        except EngineStartError as exc:
            live.progress = "failed"
            await self._set_state(live, DeploymentState.FAILED, str(exc))
            log.error("deployment %s failed: %s", deployment.name, exc)
            return
        except asyncio.CancelledError:
            if engine is not None:
                await asyncio.shield(engine.stop())
            raise
        live.engine = engine
        live.progress = "ready"
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
        """The deployment ``name`` in ``region``; without a region, the one in the default
        region, else the only one of that name (names are unique per region, not globally)."""
        if region is not None:
            live = self.registry.get(region, name)
            if live is None:
                raise NotFound(f"deployment {name!r} does not exist in region {region!r}")
            return live
        found = self.registry.named(name)
        preferred = [f for f in found if f.deployment.region == self.regions.default]
        if preferred:
            return preferred[0]
        if not found:
            raise NotFound(f"deployment {name!r} does not exist")
        if len(found) > 1:
            regions = ", ".join(sorted(f.deployment.region for f in found))
            raise Conflict(
                f"deployments named {name!r} exist in several regions ({regions}); name the region",
                param="region",
            )
        return found[0]

    def all_live(
        self, *, project_id: str | None = None, region: str | None = None
    ) -> list[LiveDeployment]:
        items = self.registry.all()
        if project_id is not None:
            items = [i for i in items if i.deployment.project_id == project_id]
        if region is not None:
            items = [i for i in items if i.deployment.region == region]
        return sorted(items, key=lambda i: i.deployment.created_at)

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
