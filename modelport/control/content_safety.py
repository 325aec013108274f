"""Content-safety policy per deployment: the platform default, stored changes, the live copy.

Every deployment starts with the default of its kind: serverless: on, mandatory, block medium
and above (:meth:`SafetyPolicy.serverless`); managed compute: the same thresholds, but not
mandatory, so its owner may opt out (``enabled: false``, at deploy time or later). Changes
made through the management API are validated (a mandatory policy can be made stricter,
never switched off), stored in the deployment's row and applied to the live registry, which
is what the data plane reads: no database on the hot path. At start-up the stored policies
are applied to the registry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from modelport.control.deployments import DeploymentService
from modelport.errors import InvalidRequest
from modelport.inference.live import LiveDeployment
from modelport.policy.safety import SafetyPolicy
from modelport.store.cluster import publish
from modelport.store.content_filters import set_content_filter, stored_content_filters
from modelport.store.repositories import Store

log = logging.getLogger("modelport.safety")


def default_policy(live: LiveDeployment) -> SafetyPolicy:
    """The platform's policy for a deployment of this kind."""
    if live.deployment.managed:
        return SafetyPolicy()  # on by default; managed compute may opt out
    return SafetyPolicy.serverless()


def restore_policy(live: LiveDeployment, document: Mapping[str, Any]) -> SafetyPolicy:
    """A stored policy, re-validated against the deployment's default (``mandatory`` comes from
    the platform, never from the store); an unusable document falls back to the default."""
    base = default_policy(live)
    changes = {k: v for k, v in document.items() if k != "mandatory"}
    try:
        return base.updated(changes)
    except InvalidRequest as exc:
        log.error(
            "deployment %s: stored content filter ignored (%s); using the default",
            live.name,
            exc.message,
        )
        return base


class ContentSafetyControl:
    def __init__(self, store: Store, deployments: DeploymentService) -> None:
        self.store = store
        self.deployments = deployments

    async def load(self) -> None:
        """Apply the stored policies to the live registry (at start-up, after bootstrap)."""
        stored = await asyncio.to_thread(self.store.run, stored_content_filters)
        for live in self.deployments.registry.all():
            document = stored.get(live.deployment.id)
            live.safety = (
                default_policy(live) if document is None else restore_policy(live, document)
            )

    def get(self, name: str, region: str | None = None) -> LiveDeployment:
        return self.deployments.get_live(name, region)

    async def update(
        self, name: str, changes: Mapping[str, Any], region: str | None = None
    ) -> LiveDeployment:
        """Apply ``changes`` (``InvalidRequest`` when malformed or not allowed), store, go live."""
        live = self.deployments.get_live(name, region)
        policy = live.safety.updated(changes)
        document = policy.model_dump(mode="json")
        deployment_id = live.deployment.id

        def store(conn: Connection) -> None:
            set_content_filter(conn, deployment_id, document)
            publish(conn, "safety", deployment_id)  # every gateway applies it within a second

        await asyncio.to_thread(self.store.run, store)
        self.deployments.kick()
        live.safety = policy
        self.deployments.registry.touch(live.deployment.region, live.deployment.name)
        log.info("deployment %s: content filter set to %s", live.name, document)
        return live
