"""The deployment service: provisioning, engine start/stop, keys, and the live registry.

Routes and the CLI call this service; it is the one place the deployment lifecycle rules live:

- the deployment name is DNS-safe and unique per region; one deployment per model per project;
- the offer must be deployable in the project's region (403) and subscribed (412), unless the
  call subscribes and deploys at once; its engine (the one asked for, or the first of the offer's
  that can run it here) and weights must be on this machine (412, with what is missing), and the
  engine's options valid (422); attaching a server someone else runs is the operator's (403);
- creation returns at once in state ``creating`` and provisions in the background, ending
  ``succeeded`` or ``failed`` with the reason (and retried, see ``control.provisioning``); delete
  goes through ``deleting``, stops the engine and frees the name; ``restart`` starts a fresh
  engine; every state change is stored, so deployments survive restarts;
- two keys, each regenerated on its own while the other keeps working.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from modelport.control.availability import Availability, check_offer
from modelport.control.engine_choice import choose_engine
from modelport.control.projects import ProjectService
from modelport.control.provisioning import Provisioner
from modelport.control.views import EngineView
from modelport.domain.catalog import Catalog, Offer
from modelport.domain.deployments import (
    Deployment,
    DeploymentState,
    KeySlot,
    Project,
    RateLimits,
    subscription_resource_id,
    validate_deployment_name,
)
from modelport.domain.fine_tuning import is_fine_tuned
from modelport.domain.keys import KeyVault, generate_key
from modelport.domain.regions import Regions
from modelport.engines.base import EngineStartError
from modelport.engines.host import EngineHost
from modelport.engines.plugin import secret_fields
from modelport.engines.registry import EngineFactories
from modelport.engines.supervisor import Backoff
from modelport.errors import Conflict, NotFound, OfferNotDeployable, SubscriptionRequired
from modelport.finetune.models import FineTunedModels
from modelport.inference.live import DeploymentRegistry, LiveDeployment
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
        regions: Regions | None = None,
        projects: ProjectService | None = None,
        host: EngineHost | None = None,
        fine_tuned: FineTunedModels | None = None,
    ) -> None:
        self.settings = settings
        self.fine_tuned = fine_tuned  # resolves ft:<base>:<project>:<suffix> models
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
        self.host = host or EngineHost.from_settings(settings)
        self.provisioner = Provisioner(
            engines=engines,
            host=self.host,
            vault=vault,
            registry=registry,
            record=self._set_state,
            retry=Backoff(settings.deployment_retry_initial, settings.deployment_retry_max),
        )

    @property
    def model_store(self) -> Path:
        return self.host.model_store

    # -- start-up ---------------------------------------------------------------------------
    async def bootstrap(self) -> None:
        """Create the default project and embedded deployment on first start, then bring every
        persisted deployment back: engines started from the store, failed ones tried again."""
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
            self.provisioner.launch(live)

    def _all(self) -> list[Deployment]:
        return self.store.run(lambda c: self.store.list_deployments(c))

    def _ensure_default(self) -> None:
        offer = self.catalog.embedded()
        engine = self.availability(offer).engine or offer.engines[0]
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
                engine=engine,
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
        offer, adapter = self._offer_of(deployment)
        if offer is None:
            log.error(
                "deployment %s: offer %s is not in the catalog",
                deployment.name,
                deployment.offer_id,
            )
            return None
        keys = self.store.run(lambda c: self.store.keys_of(c, deployment.id))
        fingerprints = {slot: fp for slot, (fp, _) in keys.items()}
        return LiveDeployment(deployment, offer, fingerprints, adapter=adapter)

    # -- fine-tuned models --------------------------------------------------------------------
    def _offer_of(self, deployment: Deployment) -> tuple[Offer | None, Path | None]:
        """The deployment's offer and LoRA adapter: a fine-tuned model is its base offer
        (renamed) plus the adapter its job made."""
        if self.fine_tuned is None or not is_fine_tuned(deployment.offer_id):
            return self.catalog.get(deployment.offer_id), None
        fine_tuned = self.fine_tuned
        found = self.store.run(lambda c: fine_tuned.lookup(c, deployment.offer_id))
        return (found.offer, found.gguf_adapter) if found is not None else (None, None)

    def _model(
        self, conn: Connection, model: str, project: Project
    ) -> tuple[Offer, Offer, Path | None]:
        """The offer to deploy, the offer whose subscription bills it, and the adapter: the same
        offer and none, except for a fine-tuned model of the project (its base offer renamed,
        billed on the base's subscription, with the job's adapter)."""
        if self.fine_tuned is not None and is_fine_tuned(model):
            found = self.fine_tuned.require(conn, model, project.id)
            return found.offer, self.projects.offer(found.base_offer_id), found.gguf_adapter
        offer = self.projects.offer(model)
        return offer, offer, None

    def _forget(self, deployment: Deployment) -> None:
        self.store.run(lambda c: self.store.delete_deployment(c, deployment.id))

    # -- create -----------------------------------------------------------------------------
    def availability(self, offer: Offer) -> Availability:
        return check_offer(offer, self.engines, self.host)

    def engine_views(self) -> list[EngineView]:
        views = []
        for name in self.engines.names():
            factory = self.engines.get(name)
            if factory is None:
                continue
            views.append(
                EngineView(
                    name=name,
                    label=factory.label,
                    attaches=factory.attaches,
                    options=factory.options.model_json_schema(),
                    secret_options=secret_fields(factory.options),
                )
            )
        return views

    async def create(
        self,
        project_name: str,
        name: str,
        offer_id: str,
        *,
        subscribe: bool = False,
        engine: str | None = None,
        engine_options: dict[str, Any] | None = None,
        operator: bool = True,
    ) -> LiveDeployment:
        """Create a deployment in state ``creating`` and start provisioning it in the
        background. Every check happens before anything is written, in one transaction:
        the engine (``engine``, or the first of the offer's that can run it here) and its
        options are checked by the engine plug-in, down to the spec it would start."""
        validate_deployment_name(name)

        def create(
            conn: Connection,
        ) -> tuple[Deployment, dict[KeySlot, str], Offer, Path | None]:
            project = self.projects.project(conn, project_name)
            offer, billed_offer, adapter = self._model(conn, offer_id, project)
            self.projects.require_offered(offer, project)
            sub = self.store.subscription_for(conn, project.id, billed_offer.id)
            if sub is None:
                if not subscribe:
                    raise SubscriptionRequired(
                        f"project {project.name!r} has not subscribed to {offer.id!r}: accept "
                        "its terms by subscribing first (or subscribe and deploy in one call)",
                        param="offer",
                    )
                sub = self.projects.subscribe_in(conn, project, billed_offer).subscription
            choice = choose_engine(
                offer,
                self.engines,
                self.host,
                requested=engine,
                options=engine_options or {},
                operator=operator,
            )
            try:
                choice.factory.spec(name, offer, choice.options, self.host)
            except EngineStartError as exc:
                raise OfferNotDeployable(
                    f"{offer.id!r} cannot be deployed with the {choice.name} engine: {exc}",
                    param="engine_options",
                ) from exc
            public, secret = choice.stored(self.vault)
            deployment = Deployment(
                id=new_id(),
                name=name,
                project_id=project.id,
                region=project.region,
                offer_id=offer.id,
                subscription_id=sub.id,
                state=DeploymentState.CREATING,
                created_at=now(),
                engine=choice.name,
                engine_options=public,
                engine_secret=secret,
            )
            self.store.create_deployment(conn, deployment)
            return deployment, self._new_keys(conn, deployment.id), offer, adapter

        deployment, fingerprints, offer, adapter = await asyncio.to_thread(self.store.run, create)
        live = LiveDeployment(deployment, offer, fingerprints, adapter=adapter)
        self.registry.put(live)
        self.provisioner.launch(live)
        log.info(
            "deployment %s of %s created in %s on %s",
            name,
            offer.id,
            deployment.region,
            deployment.engine,
        )
        return live

    # -- restart ----------------------------------------------------------------------------
    async def restart(self, name: str, region: str | None = None) -> LiveDeployment:
        """Stop the deployment's engine (if any) and start a fresh one; URL and keys stay."""
        live = self.get_live(name, region)
        if live.deployment.state is DeploymentState.DELETING:
            raise Conflict(f"deployment {name!r} is being deleted")
        await self.provisioner.restart(live)
        log.info("deployment %s restarting on demand", name)
        return live

    # -- delete -----------------------------------------------------------------------------
    async def delete(self, name: str, region: str | None = None) -> None:
        """``deleting``, then stop the engine, then forget the deployment and free its name."""
        live = self.get_live(name, region)
        if live.deployment.state is DeploymentState.DELETING:
            raise Conflict(f"deployment {name!r} is already being deleted")
        await self._set_state(live, DeploymentState.DELETING, None)
        live.progress = "deleting"
        await self.provisioner.stop(live)
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

    # -- state ------------------------------------------------------------------------------
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
        """Stop every engine; nothing that fails because of it is recorded as a failure."""
        await self.provisioner.shutdown()
