"""The deployment service: provisioning, engine start/stop, keys, and the live registry.

Routes and the CLI call this service; it is the one place the deployment lifecycle rules live:

- the deployment name is DNS-safe and unique per region; one deployment per model per project;
- a new deployment is admitted (:mod:`modelport.control.admission`) before anything is written:
  the offer deployable in the project's region (403) and subscribed (412), unless the call
  subscribes and deploys at once; its engine and weights on this machine (412), the engine's
  options valid (422); attaching a server someone else runs is the operator's (403);
- creation returns at once in state ``creating``; the controller (:mod:`modelport.cluster`)
  places its replicas, ending ``succeeded`` or ``failed`` with the reason (and retried); delete
  goes through ``deleting``, the controller stops the replicas and frees the name; ``restart``
  bumps the deployment's generation, which the controller replaces; ``configure`` changes its
  engine's options and restarts it the same way (:mod:`modelport.control.engine_update`);
  ``scale`` sets its instances (scale to zero with ``min_instances = 0``);
- two keys, each regenerated on its own while the other keeps working.

Every change is stored with an entry in the change log in the same transaction
(:func:`modelport.store.cluster.publish`), so every gateway sees it within a second; this
gateway's registry is updated at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from modelport.control.admission import Admission
from modelport.control.availability import Availability, check_offer
from modelport.control.bootstrap import create_default
from modelport.control.controller_waits import until_gone, until_replaced
from modelport.control.deployment_offers import DeploymentOffers
from modelport.control.engine_update import CHANGE_KIND, EngineOptionsUpdate
from modelport.control.placement import SAFETY_OFF, DeleteCheck, Placement, ScaleCheck
from modelport.control.projects import ProjectService
from modelport.domain.catalog import Catalog, Offer
from modelport.domain.deployments import (
    Deployment,
    DeploymentState,
    KeySlot,
    RateLimits,
    validate_deployment_name,
)
from modelport.domain.keys import KeyVault, generate_key
from modelport.domain.regions import Regions
from modelport.domain.replicas import Scale
from modelport.engines.host import EngineHost
from modelport.engines.registry import EngineFactories
from modelport.errors import Conflict, NotFound
from modelport.finetune.models import FineTunedModels
from modelport.inference.live import DeploymentRegistry, LiveDeployment
from modelport.settings import Settings
from modelport.store.cluster import publish
from modelport.store.content_filters import set_content_filter
from modelport.store.repositories import Store

Kick = Callable[[], None]
Refresh = Callable[[str], Awaitable[None]]

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
        self.offers = DeploymentOffers(catalog, fine_tuned)  # what a stored deployment runs
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
        self.admission = Admission(
            store=store,
            vault=vault,
            engines=engines,
            projects=self.projects,
            host=self.host,
            fine_tuned=fine_tuned,
        )
        self.engine_update = EngineOptionsUpdate(
            store, vault, engines, self.host, self.offers.offer_in
        )
        self.kick: Kick = lambda: None  # wakes this process's change followers after a commit
        self.refresh: Refresh | None = None  # reloads one deployment into the registry now
        self.scale_check: ScaleCheck | None = None  # managed: the quota
        self.delete_check: DeleteCheck | None = None  # managed: no live traffic left

    @property
    def model_store(self) -> Path:
        return self.host.model_store

    # -- start-up ---------------------------------------------------------------------------
    def ensure_default(self) -> None:
        """Create the default project and embedded deployment on first start (under the
        store's bootstrap lock: exactly one of several processes starting together does it)."""
        if self.settings.embedded_default:
            offer = self.catalog.embedded()
            engine = self.availability(offer).engine or offer.engines[0]
            created = self.store.run(
                lambda c: create_default(
                    c, self.store, self.settings, offer, engine, self._new_keys
                )
            )
            if created is not None:
                log.info("created the default project and deployment %s", created.name)

    async def _commit(self, kind: str, deployment_id: str, fn: Callable[[Connection], Any]) -> Any:
        """Run ``fn`` and record the change in one transaction; wake the followers here."""

        def run(conn: Connection) -> Any:
            result = fn(conn)
            publish(conn, kind, deployment_id)
            return result

        result = await asyncio.to_thread(self.store.run, run)
        self.kick()
        return result

    def _changed(self, live: LiveDeployment) -> None:
        """``live`` was changed in place after its change was stored: a read of the registry
        sync that began before must not undo it (:class:`DeploymentRegistry`)."""
        self.registry.touch(live.deployment.region, live.deployment.name)

    def _new_keys(self, conn: Connection, deployment_id: str) -> dict[KeySlot, str]:
        fingerprints = {}
        for slot in KeySlot:
            key = generate_key()
            fingerprints[slot] = self.vault.fingerprint(key)
            self.store.put_key(
                conn, deployment_id, slot, fingerprints[slot], self.vault.encrypt(key)
            )
        return fingerprints

    def _forget(self, deployment: Deployment) -> None:
        self.store.run(lambda c: self.store.delete_deployment(c, deployment.id))

    # -- create -----------------------------------------------------------------------------
    def availability(self, offer: Offer) -> Availability:
        return check_offer(offer, self.engines, self.host)

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
        scale: Scale | None = None,
        placement: Placement | None = None,
    ) -> LiveDeployment:
        """Create a deployment in state ``creating`` and start provisioning it in the
        background. Every check (:mod:`modelport.control.admission`) happens before anything
        is written, in one transaction: the engine (``engine``, or the first of the offer's
        that can run it here) and its options are checked by the engine plug-in, down to the
        spec it would start."""
        validate_deployment_name(name)
        wanted = (scale or Scale()).validated()

        def create(
            conn: Connection,
        ) -> tuple[Deployment, dict[KeySlot, str], Offer, Path | None]:
            admitted = self.admission.admit(
                conn,
                project_name,
                name,
                offer_id,
                subscribe=subscribe,
                engine=engine,
                engine_options=engine_options,
                operator=operator,
                scale=wanted,
                placement=placement,
            )
            deployment = admitted.deployment
            self.store.create_deployment(conn, deployment)
            # A managed deployment answers with its endpoint's keys, never its own.
            fingerprints = self._new_keys(conn, deployment.id) if placement is None else {}
            if placement is not None and not placement.content_safety:
                set_content_filter(conn, deployment.id, SAFETY_OFF)
            publish(conn, "created", deployment.id)
            return deployment, fingerprints, admitted.offer, admitted.adapter

        deployment, fingerprints, offer, adapter = await asyncio.to_thread(self.store.run, create)
        live = self.registry.get(deployment.region, deployment.name)
        if live is None or live.deployment.id != deployment.id:
            live = LiveDeployment(deployment, offer, fingerprints, adapter=adapter)
            live.progress = "queued"
            self.registry.put(live)
        # else the registry sync read it already (it may know more than this by now)
        self.kick()
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
        """Fresh replicas for the deployment (the controller replaces every replica of the
        former generation); URL and keys stay."""
        live = self.get_live(name, region)
        if live.deployment.state is DeploymentState.DELETING:
            raise Conflict(f"deployment {name!r} is being deleted")
        deployment_id = live.deployment.id

        def bump(conn: Connection) -> int:
            self.store.set_deployment_runtime(conn, deployment_id, progress="restarting")
            return self.store.bump_generation(conn, deployment_id)

        generation = await self._commit("restart", deployment_id, bump)
        live.deployment = replace(live.deployment, generation=generation)
        self._changed(live)
        log.info("deployment %s restarting on demand", name)
        return await self._replaced(live)

    async def _replaced(self, live: LiveDeployment) -> LiveDeployment:
        """After a generation bump: the former generation's replicas go first (the
        controller's doing; bounded wait), then the registry has the deployment again."""
        live.progress = "restarting"
        self._changed(live)
        deployment_id, generation = live.deployment.id, live.deployment.generation
        await until_replaced(self.store, deployment_id, generation, self.settings.delete_wait)
        if self.refresh is not None:
            await self.refresh(deployment_id)
        return live

    async def configure(
        self, name: str, changes: dict[str, Any], region: str | None = None, *, operator: bool
    ) -> LiveDeployment:
        """Change the engine's options in place and restart it on them; URL and keys stay."""
        live = self.get_live(name, region)
        deployment_id, update = live.deployment.id, self.engine_update
        live.deployment = await self._commit(
            CHANGE_KIND, deployment_id, lambda c: update.write(c, deployment_id, changes, operator)
        )
        self._changed(live)
        log.info("deployment %s: engine options %s changed", name, ", ".join(sorted(changes)))
        return await self._replaced(live)

    # -- scale ------------------------------------------------------------------------------
    async def scale(self, name: str, scale: Scale, region: str | None = None) -> LiveDeployment:
        """Set how many replicas the deployment runs (and how few once idle)."""
        live = self.get_live(name, region)
        wanted = scale.validated()
        deployment_id = live.deployment.id
        check = self.scale_check
        current = live.deployment

        def write(conn: Connection) -> None:
            if check is not None:
                check(conn, current, wanted)
            self.store.set_deployment_scale(conn, deployment_id, wanted)

        await self._commit("scale", deployment_id, write)
        live.deployment = replace(live.deployment, scale=wanted)
        self._changed(live)
        log.info("deployment %s scaled to %s", name, wanted)
        return live

    # -- delete -----------------------------------------------------------------------------
    async def delete(self, name: str, region: str | None = None) -> bool:
        """``deleting``; the controller stops the replicas, forgets the deployment and frees
        its name. Waits (bounded) for that; False when it is still being deleted."""
        live = self.get_live(name, region)
        if live.deployment.state is DeploymentState.DELETING:
            raise Conflict(f"deployment {name!r} is already being deleted")
        deployment_id = live.deployment.id
        deleting = self.delete_check
        current = live.deployment

        def write(conn: Connection) -> None:
            if deleting is not None:
                deleting(conn, current)
            self.store.set_deployment_state(conn, deployment_id, DeploymentState.DELETING)

        await self._commit("deleting", deployment_id, write)
        live.deployment = replace(live.deployment, state=DeploymentState.DELETING)
        live.progress = "deleting"
        self._changed(live)
        gone = await until_gone(self.store, deployment_id, self.settings.delete_wait)
        if gone:
            found = self.registry.get(live.deployment.region, live.deployment.name)
            if found is live:
                self.registry.remove(live.deployment.region, live.deployment.name)
            log.info("deployment %s deleted", name)
        return gone

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
        await self._commit(
            "keys",
            deployment_id,
            lambda c: self.store.put_key(c, deployment_id, slot, fingerprint, cipher),
        )
        live.fingerprints = {**live.fingerprints, slot: fingerprint}
        self._changed(live)
        log.info("deployment %s: %s key regenerated", name, slot.value)
        return await self.keys(name, live.deployment.region)

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
        self,
        *,
        project_id: str | None = None,
        region: str | None = None,
        name: str | None = None,
    ) -> list[LiveDeployment]:
        """The live deployments, oldest first; each filter given narrows them (exact match)."""
        items = self.registry.all()
        if project_id is not None:
            items = [i for i in items if i.deployment.project_id == project_id]
        if region is not None:
            items = [i for i in items if i.deployment.region == region]
        if name is not None:
            items = [i for i in items if i.name == name]
        return sorted(items, key=lambda i: i.deployment.created_at)

    async def keys(self, name: str, region: str | None = None) -> dict[KeySlot, str]:
        live = self.get_live(name, region)
        stored = await asyncio.to_thread(
            self.store.run, lambda c: self.store.keys_of(c, live.deployment.id)
        )
        return {slot: self.vault.decrypt(cipher) for slot, (_, cipher) in stored.items()}

    async def set_limits(self, name: str, limits: RateLimits, region: str | None = None) -> None:
        live = self.get_live(name, region)
        deployment_id = live.deployment.id
        await self._commit(
            "limits",
            deployment_id,
            lambda c: self.store.set_deployment_limits(c, deployment_id, limits),
        )
        live.deployment = replace(live.deployment, limits=limits)
        self._changed(live)
