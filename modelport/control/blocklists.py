"""Custom content-safety blocklists: stored, validated, and swapped into the live set at once.

The live :class:`~modelport.policy.safety.blocklist.BlocklistSet` is what the data plane reads;
every change is stored first, then the whole set is reloaded from the store (lists are few and
small). Each change is published in the store's change log in the same transaction, so every
other gateway reloads its live set within a second (``cluster.sync``).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Connection

from modelport.cluster.snapshots import InRevisionOrder, SnapshotRead
from modelport.cluster.threads import in_thread_snapshot
from modelport.control.deployments import DeploymentService
from modelport.errors import InvalidRequest
from modelport.policy.safety.blocklist import Blocklist, BlocklistInvalid, BlocklistSet, validate
from modelport.store.blocklists import (
    all_blocklists,
    delete_blocklist,
    get_blocklist,
    put_blocklist,
)
from modelport.store.cluster import publish
from modelport.store.repositories import Store

log = logging.getLogger("modelport.safety")

BLOCKLIST_CHANGE = "blocklists"  # the change-log kind every gateway reloads its lists on


class BlocklistControl:
    def __init__(self, store: Store, deployments: DeploymentService, live: BlocklistSet) -> None:
        self.store = store
        self.deployments = deployments
        self.live = live
        # What the registry sync reads in its pass's snapshot too (``read``): the reads of both
        # go in place in the order of the revisions they saw, never an older over a newer.
        self.read: SnapshotRead = InRevisionOrder(all_blocklists, self.live.replace)

    async def load(self) -> None:
        """Compile the stored lists into the live set (start-up, and after every change)."""
        (await in_thread_snapshot(self.store, self.read))()

    async def list(self) -> list[Blocklist]:
        return await asyncio.to_thread(self.store.run, all_blocklists)

    async def get(self, name: str) -> Blocklist:
        return await asyncio.to_thread(self.store.run, lambda c: get_blocklist(c, name))

    def deployment_id(self, name: str | None, region: str | None) -> str | None:
        """The id of deployment ``name`` (``None``: platform-wide); ``NotFound`` if unknown."""
        if name is None:
            return None
        return self.deployments.get_live(name, region).deployment.id

    def deployment_name(self, deployment_id: str | None) -> tuple[str | None, str | None]:
        """(name, region) of a list's deployment, for views."""
        if deployment_id is None:
            return None, None
        for live in self.deployments.registry.all():
            if live.deployment.id == deployment_id:
                return live.name, live.deployment.region
        return None, None

    async def put(self, blocklist: Blocklist) -> bool:
        """Validate, store and apply ``blocklist``; True when it is new."""
        try:
            validate(blocklist)
        except BlocklistInvalid as exc:
            raise InvalidRequest(str(exc), param="blocklist") from None

        def store(conn: Connection) -> bool:
            created = put_blocklist(conn, blocklist)
            publish(conn, BLOCKLIST_CHANGE)
            return created

        created = await asyncio.to_thread(self.store.run, store)
        await self.load()
        log.info("content-safety blocklist %s %s", blocklist.name, "created" if created else "set")
        return created

    async def delete(self, name: str) -> None:
        def remove(conn: Connection) -> None:
            delete_blocklist(conn, name)
            publish(conn, BLOCKLIST_CHANGE)

        await asyncio.to_thread(self.store.run, remove)
        await self.load()
        log.info("content-safety blocklist %s deleted", name)
