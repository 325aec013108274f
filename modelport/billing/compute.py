"""The compute meter of managed deployments: instance time, from the replicas' real lifetimes.

Each replica of a managed deployment is billed from its creation (``created_at``: the instance
is allocated) to its stop (``stopped_at``), in slices of ``slice_s`` seconds counted from its
creation. Slice ``k`` of replica ``r`` is the usage record ``compute-<r>-<k>`` on the
subscription's ``managed-compute-hours`` meter, holding the instance-milliseconds of that slice
and the deployment's instance type (which prices it per instance-hour). A slice is written once
it is over (or its replica stopped), so a record never changes; the ledger holds each once
however often it is written (after a restart of the controller, or by the final bill).

The active controller writes the slices every ``interval`` seconds; the last ones of a deleted
deployment are written in the transaction that forgets it (:meth:`ComputeMeter.final_bill`), so
nothing is lost when a deployment goes away between two ticks.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from modelport.billing.records import COMPUTE, UsageRecord, metered_record
from modelport.cluster.threads import in_thread
from modelport.domain.deployments import Deployment
from modelport.domain.replicas import Replica
from modelport.store.cluster import replica_history
from modelport.store.repositories import Store
from modelport.store.usage import insert_usage
from modelport.store.values import now

log = logging.getLogger("modelport.billing")

HISTORY = timedelta(days=2)  # how far back a tick looks for replicas that stopped


def compute_records(
    deployment: Deployment, replica: Replica, slice_s: int, at: datetime
) -> list[UsageRecord]:
    """The records of every finished slice of ``replica``'s life up to ``at``."""
    start = replica.created_at
    end = replica.stopped_at or at
    if end <= start or deployment.instance_type is None:
        return []
    step = timedelta(seconds=slice_s)
    records = []
    k = 0
    while True:
        lo = start + k * step
        if lo >= end:
            break
        hi = lo + step
        if hi > end and replica.stopped_at is None:
            break  # the current slice of a running replica: billed once it is over
        ms = round((min(hi, end) - lo) / timedelta(milliseconds=1))
        records.append(
            metered_record(
                request_id=f"compute-{replica.id}-{k}",
                time=lo,
                dialect=COMPUTE,
                project_id=deployment.project_id,
                subscription_id=deployment.subscription_id,
                offer_id=deployment.offer_id,
                deployment_id=deployment.id,
                deployment=deployment.name,
                instance_type=deployment.instance_type,
                compute_ms=ms,
            )
        )
        k += 1
    return records


class ComputeMeter:
    def __init__(self, store: Store, *, slice_s: int = 60, interval: float = 30.0) -> None:
        self.store = store
        self.slice_s = slice_s
        self.interval = interval
        self._billed: dict[str, int] = {}  # replica id -> slices known to be in the ledger
        self._at = 0.0

    def _bill(
        self, conn: Connection, deployment: Deployment, at: datetime, marks: dict[str, int]
    ) -> int:
        """Write the finished slices of the deployment's replicas not known to be billed;
        ``marks`` gets how many each replica has once this transaction commits."""
        records: list[UsageRecord] = []
        for replica in replica_history(conn, deployment.id, since=at - HISTORY):
            found = compute_records(deployment, replica, self.slice_s, at)
            records.extend(found[self._billed.get(replica.id, 0) :])
            marks[replica.id] = len(found)
        return insert_usage(conn, records) if records else 0

    def final_bill(self, conn: Connection, deployment: Deployment) -> None:
        """Bill a deployment's last slices (its replicas all stopped), in the caller's
        transaction: the one that forgets the deployment."""
        if deployment.managed:
            self._bill(conn, deployment, now(), {})

    def tick(self, at: datetime | None = None) -> int:
        """Bill every managed deployment (synchronous: run it in a worker thread); how many
        records were new."""
        when = at or now()
        marks: dict[str, int] = {}

        def run(conn: Connection) -> int:
            written = 0
            for deployment in self.store.list_deployments(conn):
                if deployment.managed:
                    written += self._bill(conn, deployment, when, marks)
            return written

        written = self.store.run(run)
        self._billed.update(marks)  # committed: those need not be written again
        return written

    async def duty(self) -> None:
        """One tick when its interval has passed (the controller calls this every second)."""
        loop = asyncio.get_running_loop()
        if loop.time() - self._at < self.interval:
            return
        self._at = loop.time()
        try:
            await in_thread(self.tick)  # cancelled at shutdown: waits for the thread
        except SQLAlchemyError as exc:  # the next tick writes them
            log.warning("instance time not billed yet: %s", type(exc).__name__)
