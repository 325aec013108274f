"""The first start: the default project, subscribed to the embedded offer, with one deployment
of it (``modelport up`` serves it at once). Run under the store's bootstrap lock, so exactly one
of several processes starting together creates them; a later start finds the project and does
nothing."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from modelport.domain.catalog import Offer
from modelport.domain.deployments import Deployment, KeySlot, subscription_resource_id
from modelport.settings import Settings
from modelport.store.cluster import publish
from modelport.store.repositories import Store

NewKeys = Callable[[Connection, str], dict[KeySlot, str]]


def create_default(
    conn: Connection,
    store: Store,
    settings: Settings,
    offer: Offer,
    engine: str,
    new_keys: NewKeys,
) -> Deployment | None:
    """The default project and its deployment of ``offer``; None when the project exists."""
    if store.project_by_name(conn, settings.default_project):
        return None
    project = store.create_project(conn, settings.default_project, settings.default_region)
    sub = store.create_subscription(
        conn, project, offer.id, resource_id=subscription_resource_id(project.id, offer.id)
    )
    deployment = Deployment.new(
        name=offer.id, project=project, offer_id=offer.id, subscription_id=sub.id, engine=engine
    )
    store.create_deployment(conn, deployment)
    new_keys(conn, deployment.id)
    publish(conn, "created", deployment.id)
    return deployment
