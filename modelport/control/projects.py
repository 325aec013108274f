"""Projects and marketplace subscriptions: the rules, in one place, over the store.

A project lives in one configured region. Subscribing a project to an offer accepts the offer's
terms and creates the resource (with its meters) that tracks the cost of using it; there is one
subscription per project per offer, and subscribing again returns the existing one. An offer can
be subscribed to in any region it is offered in (every configured region, unless the operator
restricts the offer), even where its weights or engine are not on this machine (deploying it is
what needs them).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from sqlalchemy import Connection

from modelport.domain.catalog import Catalog, Offer
from modelport.domain.deployments import Project, Subscription, subscription_resource_id
from modelport.domain.regions import Regions
from modelport.errors import Conflict, InvalidRequest, NotFound, RegionNotOffered
from modelport.store import compute as compute_store
from modelport.store import fine_tuning as ft_store
from modelport.store.repositories import Store

_PROJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")


def validate_project_name(name: str) -> str:
    if not _PROJECT_NAME.match(name):
        raise InvalidRequest(
            "project name must be 1-63 letters, digits, '-' or '_', starting with a letter or "
            "digit",
            param="name",
        )
    return name


@dataclass(frozen=True)
class Subscribed:
    subscription: Subscription
    created: bool  # False when the project already subscribed (idempotent)


class ProjectService:
    def __init__(self, *, store: Store, catalog: Catalog, regions: Regions) -> None:
        self.store = store
        self.catalog = catalog
        self.regions = regions

    # -- lookups (synchronous: inside a store transaction) ----------------------------------
    def offer(self, offer_id: str) -> Offer:
        offer = self.catalog.get(offer_id)
        if offer is None:
            raise NotFound(f"offer {offer_id!r} is not in the catalog", param="offer")
        return offer

    def project(self, conn: Connection, name: str) -> Project:
        project = self.store.project_by_name(conn, name)
        if project is None:
            raise NotFound(f"project {name!r} does not exist", param="project")
        return project

    def require_offered(self, offer: Offer, project: Project) -> None:
        if not self.regions.allows(offer, project.region):
            where = ", ".join(self.regions.for_offer(offer)) or "no region"
            raise RegionNotOffered(
                f"{offer.id!r} is not offered in region {project.region!r} of project "
                f"{project.name!r} (this server offers it in: {where})",
                param="offer",
            )

    def subscribe_in(self, conn: Connection, project: Project, offer: Offer) -> Subscribed:
        """Subscribe (or find the subscription) inside the caller's transaction."""
        self.require_offered(offer, project)
        existing = self.store.subscription_for(conn, project.id, offer.id)
        if existing is not None:
            return Subscribed(existing, created=False)
        resource = subscription_resource_id(project.id, offer.id)
        try:
            sub = self.store.create_subscription(conn, project, offer.id, resource)
        except Conflict:  # subscribed concurrently: that one is ours too
            again = self.store.subscription_for(conn, project.id, offer.id)
            if again is None:
                raise
            return Subscribed(again, created=False)
        return Subscribed(sub, created=True)

    # -- projects ---------------------------------------------------------------------------
    async def create_project(self, name: str, region: str | None) -> Project:
        validate_project_name(name)
        region_name = self.regions.require(region or self.regions.default).name
        return await asyncio.to_thread(
            self.store.run, lambda c: self.store.create_project(c, name, region_name)
        )

    async def list_projects(self) -> list[Project]:
        return await asyncio.to_thread(self.store.run, self.store.list_projects)

    async def get_project(self, name: str) -> Project:
        return await asyncio.to_thread(self.store.run, lambda c: self.project(c, name))

    async def update_project(
        self, name: str, *, new_name: str | None, region: str | None
    ) -> Project:
        def update(conn: Connection) -> Project:
            project = self.project(conn, name)
            target_name = validate_project_name(new_name) if new_name else project.name
            target_region = self.regions.require(region).name if region else project.region
            if target_region != project.region and self.store.count_deployments(conn, project.id):
                raise Conflict(
                    f"project {name!r} has deployments in {project.region!r}; delete them "
                    "before moving the project to another region",
                    param="region",
                )
            self.store.update_project(conn, project.id, name=target_name, region=target_region)
            return Project(project.id, target_name, target_region, project.created_at)

        return await asyncio.to_thread(self.store.run, update)

    async def delete_project(self, name: str) -> None:
        def delete(conn: Connection) -> None:
            project = self.project(conn, name)
            count = self.store.count_deployments(conn, project.id)
            if count:
                raise Conflict(
                    f"project {name!r} still has {count} deployment(s); delete them first",
                    param="project",
                )
            endpoints = compute_store.list_endpoints(conn, project.id)
            if endpoints:
                raise Conflict(
                    f"project {name!r} still has {len(endpoints)} endpoint(s); delete them "
                    "first (`modelport endpoints delete`)",
                    param="project",
                )
            if ft_store.count_active_jobs(conn, project.id):
                raise Conflict(
                    f"project {name!r} has unfinished fine-tuning jobs; cancel them first",
                    param="project",
                )
            ft_store.delete_project_data(conn, project.id)
            self.store.delete_project(conn, project.id)

        await asyncio.to_thread(self.store.run, delete)

    # -- subscriptions ----------------------------------------------------------------------
    async def subscribe(self, project_name: str, offer_id: str) -> tuple[Project, Subscribed]:
        offer = self.offer(offer_id)

        def subscribe(conn: Connection) -> tuple[Project, Subscribed]:
            project = self.project(conn, project_name)
            return project, self.subscribe_in(conn, project, offer)

        return await asyncio.to_thread(self.store.run, subscribe)

    async def subscriptions(self, project_name: str) -> tuple[Project, list[Subscription]]:
        def load(conn: Connection) -> tuple[Project, list[Subscription]]:
            project = self.project(conn, project_name)
            return project, self.store.list_subscriptions(conn, project.id)

        return await asyncio.to_thread(self.store.run, load)

    async def subscription(self, project_name: str, offer_id: str) -> Subscription:
        def load(conn: Connection) -> Subscription:
            project = self.project(conn, project_name)
            sub = self.store.subscription_for(conn, project.id, offer_id)
            if sub is None:
                raise NotFound(
                    f"project {project_name!r} has no subscription to {offer_id!r}", param="offer"
                )
            return sub

        return await asyncio.to_thread(self.store.run, load)

    async def unsubscribe(self, project_name: str, offer_id: str) -> None:
        def delete(conn: Connection) -> None:
            project = self.project(conn, project_name)
            sub = self.store.subscription_for(conn, project.id, offer_id)
            if sub is None:
                raise NotFound(
                    f"project {project_name!r} has no subscription to {offer_id!r}", param="offer"
                )
            if self.store.count_deployments(conn, project.id, offer_id):
                raise Conflict(
                    f"project {project_name!r} has a deployment of {offer_id!r}; delete it "
                    "before cancelling the subscription",
                    param="offer",
                )
            self.store.delete_subscription(conn, sub.id)

        await asyncio.to_thread(self.store.run, delete)
