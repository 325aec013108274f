"""Core quota of managed compute: per project in its region, and per region in total.

A limit is the operator's (``modelport quota set``), else the settings' default. What is used
is counted from the managed deployments that hold compute (not being deleted), each
``instances x`` its instance type's cores and GPUs; deployments under an endpoint on the shared
quota count against neither. The check runs in the transaction that creates or scales a
deployment, so two of them cannot both take the last cores.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Connection

from modelport.control.projects import ProjectService
from modelport.domain.compute import Cores, InstanceTypes, QuotaUse, check_quota, drawn
from modelport.domain.deployments import Deployment, Project
from modelport.domain.regions import Regions
from modelport.domain.replicas import Scale
from modelport.errors import InvalidRequest
from modelport.settings import Settings
from modelport.store import compute as sql
from modelport.store.repositories import Store

PROJECT = "project"
REGION = "region"


class QuotaService:
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        types: InstanceTypes,
        projects: ProjectService,
        regions: Regions,
    ) -> None:
        self.settings = settings
        self.store = store
        self.types = types
        self.projects = projects
        self.regions = regions

    # -- inside a transaction ---------------------------------------------------------------
    def _limit(self, conn: Connection, scope: str, subject: str) -> Cores:
        stored = sql.quota_limit(conn, scope, subject)
        if stored is not None:
            return Cores(*stored)
        if scope == PROJECT:
            return Cores(self.settings.project_core_quota, self.settings.project_gpu_quota)
        return Cores(self.settings.region_core_quota, self.settings.region_gpu_quota)

    def uses(
        self, conn: Connection, project: Project, *, without: str | None = None
    ) -> list[QuotaUse]:
        """The project's quota in its region and the region's, with what each has used
        (``without``: leave this deployment out, the one being scaled)."""
        mine = Cores()
        everyone = Cores()
        for deployment_id, project_id, type_name, instances, shared in sql.managed_draws(
            conn, project.region
        ):
            found = self.types.get(type_name)
            if shared or found is None or deployment_id == without:
                continue
            amount = drawn(found, instances)
            everyone += amount
            if project_id == project.id:
                mine += amount
        return [
            QuotaUse(
                PROJECT, project.name, project.region, self._limit(conn, PROJECT, project.id), mine
            ),
            QuotaUse(
                REGION,
                project.region,
                project.region,
                self._limit(conn, REGION, project.region),
                everyone,
            ),
        ]

    def check(
        self,
        conn: Connection,
        project: Project,
        instance_type: str,
        instances: int,
        *,
        shared: bool,
        without: str | None = None,
    ) -> None:
        """Refuse (QuotaExceeded) what the quotas cannot hold; the shared quota holds all."""
        found = self.types.require(instance_type, project.region)
        if shared:
            return
        check_quota(self.uses(conn, project, without=without), drawn(found, instances))

    def check_scale(self, conn: Connection, deployment: Deployment, scale: Scale) -> None:
        """A managed deployment scaled up must fit too (its current draw left out)."""
        if deployment.endpoint_id is None or deployment.instance_type is None:
            return
        endpoint = sql.endpoint_by_id(conn, deployment.endpoint_id)
        project = self.store.project_by_id(conn, deployment.project_id)
        if endpoint is None or project is None:
            return
        self.check(
            conn,
            project,
            deployment.instance_type,
            scale.instances,
            shared=endpoint.shared_quota,
            without=deployment.id,
        )

    # -- API --------------------------------------------------------------------------------
    async def show(self, project: str) -> list[QuotaUse]:
        def read(conn: Connection) -> list[QuotaUse]:
            return self.uses(conn, self.projects.project(conn, project))

        return await asyncio.to_thread(self.store.run, read)

    async def set(self, *, project: str | None, region: str | None, cores: int, gpus: int) -> str:
        """Set a project's (in its region) or a region's limit; returns what was set."""
        if (project is None) == (region is None):
            raise InvalidRequest("name a project or a region", param="project")
        if not (0 <= cores <= 1_000_000 and 0 <= gpus <= 100_000):
            raise InvalidRequest("cores and gpus must be between 0 and a million", param="cores")

        def write(conn: Connection) -> str:
            if project is not None:
                found = self.projects.project(conn, project)
                sql.set_quota_limit(conn, PROJECT, found.id, cores, gpus)
                return found.name
            name = self.regions.require(region or "").name
            sql.set_quota_limit(conn, REGION, name, cores, gpus)
            return name

        return await asyncio.to_thread(self.store.run, write)
