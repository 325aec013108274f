"""What a reconciler writes about its deployment: its progress and state, and its replicas'
rows. Every write is published on the change log in its transaction (gateways and other
controllers follow it) and wakes this process's change feed.

Every write is fenced: made only while this controller holds the lease at the epoch its
reconciler runs under, asked in the write's own transaction (no transaction of its own). A write
refused raises :class:`LeaseLost`, nothing written: another controller took over and its
progress, health and replica records stand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from modelport.cluster.changes import ChangeFeed
from modelport.cluster.threads import in_thread, in_thread_run
from modelport.domain.deployments import Deployment, DeploymentState
from modelport.domain.replicas import Replica, ReplicaState
from modelport.errors import OperatorError
from modelport.store import cluster as sql
from modelport.store.repositories import Store
from modelport.store.values import now

Fence = Callable[[Any], bool]
"""Whether this controller still holds its lease, asked in a write's transaction."""

T = TypeVar("T")


class LeaseLost(OperatorError):
    """A write refused (nothing written): this controller no longer holds the lease it acts
    under. Not to be retried: the controller stops acting and stands by."""


class DeploymentRecord:
    def __init__(
        self, deployment_id: str, store: Store, feed: ChangeFeed, fence: Fence | None = None
    ) -> None:
        self.deployment_id = deployment_id
        self.store = store
        self.feed = feed
        self.fence = fence  # None: this process is the only controller (a test)
        self.progress: str | None = None  # the last progress written

    def check(self, conn: Any) -> None:
        """Raise :class:`LeaseLost` unless this controller holds its lease (in ``conn``'s
        transaction, before it writes: on PostgreSQL a takeover waits for it to end)."""
        if self.fence is not None and not self.fence(conn):
            raise LeaseLost(f"deployment {self.deployment_id}: the controller lease was taken over")

    def write_now(self, kind: str, fn: Callable[[Any], T]) -> T:
        """``fn`` and its change published, fenced, in one transaction (in this thread); what
        ``fn`` returned."""

        def run(conn: Any) -> T:
            self.check(conn)
            result = fn(conn)
            sql.publish(conn, kind, self.deployment_id)
            return result

        result = self.store.run(run)
        self.feed.kick()
        return result

    async def write(self, kind: str, fn: Callable[[Any], T]) -> T:
        """:meth:`write_now` in a worker thread."""
        return await in_thread(lambda: self.write_now(kind, fn))

    def read(
        self, conn: Any, members_within: float
    ) -> tuple[Deployment | None, list[Replica], float | None]:
        """The deployment, its active replicas, and when a gateway last saw a request for it
        (asked only when it scales down when idle)."""
        d = self.store.deployment_by_id(conn, self.deployment_id)
        rows = sql.active_replicas(conn, self.deployment_id)
        last = None
        if (d is not None and d.scale.scales_to_zero) or (
            d is not None and d.scale.floor < d.scale.instances
        ):
            for member in sql.members(conn, seen_within=members_within):
                seen = member["status"].get("activity", {}).get(self.deployment_id)
                if isinstance(seen, int | float):
                    last = max(last or 0.0, float(seen))
        return d, rows, last

    async def set_progress(self, text: str) -> None:
        if text == self.progress:
            return
        self.progress = text
        await self.write(
            "progress",
            lambda c: self.store.set_deployment_runtime(c, self.deployment_id, progress=text),
        )

    async def succeeded(self, d: Deployment) -> None:
        """Succeeded and ready, in one transaction (readers never see one without the other)."""
        if d.state is DeploymentState.SUCCEEDED and self.progress == "ready":
            return
        self.progress = "ready"

        def record(conn: Any) -> None:
            self.store.set_deployment_runtime(conn, self.deployment_id, progress="ready")
            self.store.set_deployment_state(conn, self.deployment_id, DeploymentState.SUCCEEDED)

        await self.write("state", record)

    async def failed(self, progress: str, reason: str | None) -> None:
        """The progress of a failed attempt, and the deployment ``failed`` with ``reason``
        unless None (a replica still serves); state and progress seen together."""

        def record(conn: Any) -> None:
            self.store.set_deployment_runtime(conn, self.deployment_id, progress=progress)
            if reason is not None:
                self.store.set_deployment_state(
                    conn, self.deployment_id, DeploymentState.FAILED, reason
                )

        await self.write("state", record)
        self.progress = progress

    async def insert_replica(self, row: Replica) -> bool:
        """Record a replica about to start; False, nothing written, when a live one holds its
        ordinal already (another controller's, placed at the same moment)."""

        def insert(conn: Any) -> bool:
            self.check(conn)
            if not sql.insert_replica(conn, row):
                return False
            sql.publish(conn, "replicas", self.deployment_id)
            return True

        inserted: bool = await in_thread_run(self.store, insert)
        if inserted:
            self.feed.kick()
        return inserted

    async def update_replica(
        self, replica_id: str, *, live_only: bool = False, **values: Any
    ) -> bool:
        """Store what changed of a replica; ``live_only``: only while its row is not stopped.
        Whether its row changed."""
        if values.get("state") is not ReplicaState.READY:
            return await self.write(
                "replicas",
                lambda c: sql.update_replica(c, replica_id, live_only=live_only, **values),
            )
        # A replica ready and its deployment succeeded (a former failure cleared) in one
        # transaction: no reader sees a routable replica beside the previous failure.

        def ready(conn: Any) -> bool:
            changed = sql.update_replica(conn, replica_id, live_only=live_only, **values)
            d = self.store.deployment_by_id(conn, self.deployment_id)
            if changed and d is not None and d.state is not DeploymentState.DELETING:
                self.store.set_deployment_runtime(conn, self.deployment_id, progress="ready")
                self.store.set_deployment_state(conn, self.deployment_id, DeploymentState.SUCCEEDED)
                sql.publish(conn, "state", self.deployment_id)
            return changed

        changed = await self.write("replicas", ready)
        if changed:
            self.progress = "ready"
        return changed

    async def stopped(self, replica_id: str, state: ReplicaState, error: str | None) -> bool:
        return await self.update_replica(
            replica_id, state=state, stopped_at=now(), last_error=error
        )
