"""Members of the cluster (gateways, controllers) and their heartbeats.

Every ``modelport serve`` / ``up`` / ``controller`` process is a member: a row with its role,
address and a heartbeat every ``interval`` seconds carrying what others need to know of it:

- a gateway: its requests in flight per replica (the operator view sums them), when each
  deployment last had a request (the controller scales idle deployments down), its limiter's
  mode and whether it reaches the database;
- a controller: its runtime's nodes and free resources (``modelport cluster status``).

Members not seen for ``3 × interval`` seconds are not counted as live (the limiter's share of a
deployment's limit is limit ÷ live gateways), and are forgotten after a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from modelport.cluster.changes import ChangeFeed
from modelport.cluster.threads import in_thread, in_thread_run
from modelport.store import cluster as sql
from modelport.store.repositories import Store
from modelport.store.values import now

log = logging.getLogger("modelport.cluster")

Status = Callable[[], dict[str, Any]]


def member_id(role: str) -> str:
    return f"{role}-{uuid.uuid4().hex[:12]}"


class Heartbeat:
    def __init__(
        self,
        store: Store,
        feed: ChangeFeed,
        *,
        role: str,
        address: str | None,
        status: Status,
        interval: float = 2.0,
    ) -> None:
        self.store = store
        self.feed = feed
        self.role = role
        self.id = member_id(role)
        self.address = address
        self.status = status
        self.interval = interval
        self.started_at = now()
        self.live_gateways = 1  # gateways seen lately (this one included)
        self.activity: dict[str, float] = {}  # deployment id -> last request (unix time)
        self._task: asyncio.Task[None] | None = None

    @property
    def live_within(self) -> float:
        return self.interval * 3

    def used(self, deployment_id: str) -> None:
        self.activity[deployment_id] = time.time()

    def _beat(self) -> int:
        body = self.status()
        activity = dict(body.get("activity", {}))
        for deployment_id, at in self.activity.items():
            activity[deployment_id] = max(activity.get(deployment_id, 0.0), at)
        body["activity"] = activity

        def write(conn: Any) -> int:
            sql.heartbeat(conn, self.id, self.role, self.address, body, self.started_at)
            live = sql.members(conn, seen_within=self.live_within)
            sql.forget_members(conn, unseen_for=max(300.0, self.interval * 30))
            return sum(1 for m in live if m["role"] == "gateway")

        return self.store.run(write)

    async def beat(self) -> None:
        try:
            gateways = await in_thread(self._beat)
        except SQLAlchemyError as exc:
            log.debug("heartbeat not written: %s", type(exc).__name__)
            return
        self.live_gateways = max(1, gateways)

    async def wake(self, deployment_id: str) -> None:
        """A request waits for a deployment without replicas: say so now (the controller
        scales it up on this change)."""
        self.used(deployment_id)
        await self.beat()
        await in_thread_run(self.store, lambda c: sql.publish(c, "wake", deployment_id))
        self.feed.kick()

    async def start(self) -> None:
        await self.beat()
        self._task = asyncio.create_task(self._run(), name=f"heartbeat-{self.role}")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.beat()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(SQLAlchemyError):
            await in_thread_run(self.store, lambda c: sql.leave(c, self.id))
