"""What the deployment service waits for from the controller after a change it stored: the
replicas of a former generation gone (a restart), the deployment forgotten (a delete). Each
wait is bounded; the store is polled from a worker thread."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import Connection

from modelport.store.cluster import active_replicas
from modelport.store.repositories import Store

POLL_S = 0.1


def _older_replicas(conn: Connection, deployment_id: str, generation: int) -> int:
    return sum(1 for r in active_replicas(conn, deployment_id) if r.generation < generation)


async def until_replaced(store: Store, deployment_id: str, generation: int, within: float) -> None:
    """Until no replica older than ``generation`` is active, or ``within`` seconds passed."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        older = await asyncio.to_thread(
            store.run, lambda c: _older_replicas(c, deployment_id, generation)
        )
        if not older:
            break
        await asyncio.sleep(POLL_S)


async def until_gone(store: Store, deployment_id: str, within: float) -> bool:
    """Until the deployment is forgotten (True), or ``within`` seconds passed (False)."""
    deadline = time.monotonic() + within
    while True:
        found = await asyncio.to_thread(
            store.run, lambda c: store.deployment_by_id(c, deployment_id)
        )
        if found is None:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(POLL_S)
