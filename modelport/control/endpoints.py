"""The endpoint service: managed online endpoints and the deployments they host.

- An endpoint belongs to a project (and its region); its name is DNS-safe and unique per region;
  it has one Target URL (``/endpoints/{name}``) and two keys that all its deployments share.
- ``deploy`` creates a deployment under it through the deployment service (the same lifecycle,
  replicas and engines as any deployment) with an instance type and count, checked against the
  core quota in the creating transaction, and content safety on or (managed compute only) off.
  The first deployment of an endpoint gets all its traffic.
- ``traffic`` splits requests by percentage; ``mirror`` copies some to deployments without live
  traffic. A deployment that still gets live traffic cannot be deleted.
- Deleting an endpoint (or its shared-quota lifetime ending) marks it and its deployments
  ``deleting``; the controller stops their replicas and removes them, then the endpoint
  (:func:`sweep_endpoints`).

Every change is stored with an ``endpoint`` entry in the change log: every gateway's endpoint
registry follows within a second; this process's is updated at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from modelport.cluster.snapshots import InRevisionOrder, SnapshotRead
from modelport.cluster.threads import in_thread_snapshot
from modelport.control.content_safety import default_policy, restore_policy
from modelport.control.deployments import DeploymentService
from modelport.control.placement import SAFETY_OFF, Placement
from modelport.control.quota import QuotaService
from modelport.domain.deployments import (
    Deployment,
    KeySlot,
    Project,
    validate_deployment_name,
)
from modelport.domain.endpoints import ManagedEndpoint, validate_mirror, validate_traffic
from modelport.domain.keys import KeyVault, generate_key
from modelport.domain.replicas import Scale
from modelport.errors import Conflict, InvalidRequest, NotFound
from modelport.inference.endpoints import EndpointRegistry, LiveEndpoint
from modelport.inference.live import LiveDeployment
from modelport.store import compute as sql
from modelport.store.cluster import publish
from modelport.store.repositories import Store
from modelport.store.values import new_id, now

log = logging.getLogger("modelport.endpoints")

ENDPOINT_CHANGE = "endpoint"


class EndpointService:
    def __init__(
        self,
        *,
        store: Store,
        vault: KeyVault,
        deployments: DeploymentService,
        quota: QuotaService,
        registry: EndpointRegistry,
        shared_quota_lifetime: float,
    ) -> None:
        self.store = store
        self.vault = vault
        self.deployments = deployments
        self.quota = quota
        self.registry = registry
        self.lifetime = timedelta(seconds=shared_quota_lifetime)
        # What the registry sync reads in its pass's snapshot too (``read``): the reads of both
        # go in place in the order of the revisions they saw.
        self.read: SnapshotRead = InRevisionOrder(self.load, self.registry.replace_all)
        # Where this process follows the change log: the registry sync's catch-up, which shows
        # a change of an endpoint with its deployments' (see refresh).
        self.catch_up: Callable[[], Awaitable[None]] | None = None
        deployments.scale_check = quota.check_scale
        deployments.delete_check = self._check_delete

    # -- reading ------------------------------------------------------------------------------
    def load(self, conn: Connection) -> list[LiveEndpoint]:
        """Every endpoint with its keys' fingerprints (the registry sync calls this too)."""
        keys = sql.all_endpoint_fingerprints(conn)
        return [LiveEndpoint(e, dict(keys.get(e.id, {}))) for e in sql.list_endpoints(conn)]

    async def reload(self) -> None:
        """Read every endpoint and replace the registry with them. An older read than the one
        in place (this service's after a write, finishing after the registry sync's on a later
        change) is dropped."""
        (await in_thread_snapshot(self.store, self.read))()

    async def refresh(self) -> None:
        """This process shows what it just committed: through the registry sync where there is
        one (the endpoints and the deployments from one snapshot: an endpoint read here ahead
        of the sync could answer 404 while its removed deployment still showed), else by
        reading the endpoints."""
        if self.catch_up is not None:
            await self.catch_up()
        else:
            await self.reload()

    def get_live(self, name: str, region: str | None = None) -> LiveEndpoint:
        where = region or self.deployments.regions.default
        found = self.registry.get(where, name)
        if found is None:
            raise NotFound(f"endpoint {name!r} does not exist in region {where!r}")
        return found

    def all_live(self, project_id: str | None = None) -> list[LiveEndpoint]:
        items = [
            e
            for e in self.registry.all()
            if project_id is None or e.endpoint.project_id == project_id
        ]
        return sorted(items, key=lambda e: e.endpoint.created_at)

    def deployments_of(self, endpoint: ManagedEndpoint) -> list[LiveDeployment]:
        found = [
            live
            for live in self.deployments.registry.all()
            if live.deployment.endpoint_id == endpoint.id
        ]
        return sorted(found, key=lambda live: live.name)

    async def _commit(self, endpoint_id: str | None, fn: Any) -> Any:
        def run(conn: Connection) -> Any:
            result = fn(conn)
            if endpoint_id is not None:
                publish(conn, ENDPOINT_CHANGE, endpoint_id)
            return result

        result = await asyncio.to_thread(self.store.run, run)
        self.deployments.kick()
        await self.refresh()
        return result

    # -- create -------------------------------------------------------------------------------
    async def create(self, project: str, name: str, *, shared_quota: bool = False) -> LiveEndpoint:
        validate_deployment_name(name)
        created = now()

        def create(conn: Connection) -> ManagedEndpoint:
            found = self.deployments.projects.project(conn, project)
            endpoint = ManagedEndpoint(
                id=new_id(),
                name=name,
                project_id=found.id,
                region=found.region,
                created_at=created,
                shared_quota=shared_quota,
                expires_at=created + self.lifetime if shared_quota else None,
            )
            sql.create_endpoint(conn, endpoint)
            for slot in KeySlot:
                key = generate_key()
                fingerprint = self.vault.fingerprint(key)
                sql.put_endpoint_key(conn, endpoint.id, slot, fingerprint, self.vault.encrypt(key))
            publish(conn, ENDPOINT_CHANGE, endpoint.id)
            return endpoint

        endpoint = await self._commit(None, create)
        log.info("endpoint %s created in %s", name, endpoint.region)
        return self.get_live(name, endpoint.region)

    async def deploy(
        self,
        endpoint_name: str,
        name: str,
        offer: str,
        *,
        instance_type: str,
        instances: int = 1,
        subscribe: bool = False,
        engine: str | None = None,
        engine_options: dict[str, Any] | None = None,
        content_safety: bool = True,
        region: str | None = None,
        operator: bool = False,
    ) -> LiveDeployment:
        live_endpoint = self.get_live(endpoint_name, region)
        endpoint = live_endpoint.endpoint
        if endpoint.deleting:
            raise Conflict(f"endpoint {endpoint_name!r} is being deleted")
        scale = Scale(instances=instances).validated()

        def check(conn: Connection, project: Project) -> None:
            self.quota.check(conn, project, instance_type, instances, shared=endpoint.shared_quota)

        project = await asyncio.to_thread(
            self.store.read, lambda c: self.store.project_by_id(c, endpoint.project_id)
        )
        if project is None:
            raise NotFound(f"the project of endpoint {endpoint_name!r} no longer exists")
        live = await self.deployments.create(
            project.name,
            name,
            offer,
            subscribe=subscribe,
            engine=engine,
            engine_options=engine_options,
            operator=operator,
            scale=scale,
            placement=Placement(
                endpoint.id,
                instance_type,
                check,
                content_safety,
                size=self.quota.types.get(instance_type),
            ),
        )
        # What it was stored with, live at once (the sync would apply it within a second).
        policy = default_policy(live)
        live.safety = policy if content_safety else restore_policy(live, SAFETY_OFF)
        if not endpoint.traffic:  # the first deployment takes all the traffic
            await self._commit(
                endpoint.id, lambda c: sql.set_routing(c, endpoint.id, traffic={name: 100})
            )
        else:
            await self.refresh()
        return live

    # -- routing ------------------------------------------------------------------------------
    async def set_traffic(
        self, name: str, traffic: Mapping[str, int], region: str | None = None
    ) -> LiveEndpoint:
        endpoint = self.get_live(name, region).endpoint

        def write(conn: Connection) -> None:
            names = {n for _, n in sql.endpoint_deployments(conn, endpoint.id)}
            current = sql.endpoint_by_id(conn, endpoint.id)
            cleaned = validate_traffic(traffic, names)
            mirror = dict(current.mirror) if current else {}
            clash = [n for n in mirror if cleaned.get(n)]
            if clash:
                raise InvalidRequest(
                    f"{clash[0]!r} receives mirror traffic; set its mirror to 0 first",
                    param=f"traffic.{clash[0]}",
                )
            sql.set_routing(conn, endpoint.id, traffic=cleaned)

        await self._commit(endpoint.id, write)
        return self.get_live(name, endpoint.region)

    async def set_mirror(
        self, name: str, mirror: Mapping[str, int], region: str | None = None
    ) -> LiveEndpoint:
        endpoint = self.get_live(name, region).endpoint

        def write(conn: Connection) -> None:
            names = {n for _, n in sql.endpoint_deployments(conn, endpoint.id)}
            current = sql.endpoint_by_id(conn, endpoint.id)
            traffic = current.traffic if current else {}
            sql.set_routing(conn, endpoint.id, mirror=validate_mirror(mirror, traffic, names))

        await self._commit(endpoint.id, write)
        return self.get_live(name, endpoint.region)

    def _check_delete(self, conn: Connection, deployment: Deployment) -> None:
        if deployment.endpoint_id is None:
            return
        endpoint = sql.endpoint_by_id(conn, deployment.endpoint_id)
        if endpoint is not None and not endpoint.deleting and endpoint.traffic.get(deployment.name):
            raise Conflict(
                f"deployment {deployment.name!r} receives {endpoint.traffic[deployment.name]}% "
                f"of endpoint {endpoint.name!r}'s traffic: move it elsewhere first "
                "(`modelport endpoints traffic`)",
                param="traffic",
            )
        if endpoint is not None and endpoint.mirror.get(deployment.name):
            mirror = {k: v for k, v in endpoint.mirror.items() if k != deployment.name}
            sql.set_routing(conn, endpoint.id, mirror=mirror)
            publish(conn, ENDPOINT_CHANGE, endpoint.id)

    # -- keys ---------------------------------------------------------------------------------
    async def keys(self, name: str, region: str | None = None) -> dict[KeySlot, str]:
        endpoint = self.get_live(name, region).endpoint
        stored = await asyncio.to_thread(
            self.store.read, lambda c: sql.endpoint_keys_of(c, endpoint.id)
        )
        return {slot: self.vault.decrypt(cipher) for slot, (_, cipher) in stored.items()}

    async def regenerate_key(
        self, name: str, slot: KeySlot, region: str | None = None
    ) -> dict[KeySlot, str]:
        """Replace one key of the endpoint (every deployment under it); the other keeps
        working throughout."""
        endpoint = self.get_live(name, region).endpoint
        key = generate_key()
        fingerprint, cipher = self.vault.fingerprint(key), self.vault.encrypt(key)
        await self._commit(
            endpoint.id,
            lambda c: sql.put_endpoint_key(c, endpoint.id, slot, fingerprint, cipher),
        )
        log.info("endpoint %s: %s key regenerated", name, slot.value)
        return await self.keys(name, endpoint.region)

    # -- delete -------------------------------------------------------------------------------
    async def delete(self, name: str, region: str | None = None, wait: float = 60.0) -> bool:
        """Mark the endpoint and its deployments ``deleting``; the controller removes them.
        Waits (bounded) until it is gone; False when it is still being deleted."""
        endpoint = self.get_live(name, region).endpoint
        await self._commit(endpoint.id, lambda c: begin_delete(c, endpoint))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            gone = await asyncio.to_thread(
                self.store.read, lambda c: sql.endpoint_by_id(c, endpoint.id) is None
            )
            if gone:
                await self.refresh()
                return True
            await asyncio.sleep(0.2)
        return False


def begin_delete(conn: Connection, endpoint: ManagedEndpoint) -> None:
    """The endpoint and its deployments ``deleting`` (the controller finishes it)."""
    for deployment_id in sql.mark_endpoint_deleting(conn, endpoint.id):
        publish(conn, "deleting", deployment_id)


def sweep_endpoints(conn: Connection, at: datetime) -> list[str]:
    """The controller's duty: endpoints whose shared-quota lifetime ended begin deleting;
    deleting ones whose deployments are gone are removed. Returns the names removed."""
    for endpoint in sql.expired_endpoints(conn, at):
        if not endpoint.deleting:
            log.info("endpoint %s: its shared-quota lifetime ended; deleting it", endpoint.name)
            begin_delete(conn, endpoint)
            publish(conn, ENDPOINT_CHANGE, endpoint.id)
    removed = []
    for endpoint in sql.list_endpoints(conn):
        if endpoint.deleting and not sql.endpoint_deployments(conn, endpoint.id):
            sql.delete_endpoint(conn, endpoint.id)
            publish(conn, ENDPOINT_CHANGE, endpoint.id)
            removed.append(endpoint.name)
    return removed
