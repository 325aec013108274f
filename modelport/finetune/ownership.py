"""Which gateway runs a fine-tuning job, and cancelling a job another gateway runs.

Several gateways share one database; each runs the jobs it takes in its own worker processes.
A gateway takes a job by writing its cluster member id as the job's ``owner`` (a queued job, or
a running one whose gateway is this one or gone: not seen by the heartbeats for
``live_within`` seconds), so no job trains twice.

A cancel that reaches a gateway which does not run the job is recorded in the database
(``cancel_requested_at``); the owner's runner notices it within a second or so and stops the
worker as for a cancel of its own, and the gateway that was asked waits for the job to end, so
the API answers as it does on the owner. When the owner is gone, the job is cancelled at once
with the tokens of the last step it reported (its checkpoints stay on that machine's disk).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from modelport.domain.fine_tuning import FineTuningJob, JobStatus
from modelport.store import cluster as cluster_sql
from modelport.store import fine_tuning as ft_store
from modelport.store.repositories import Store


class JobOwnership:
    def __init__(self, store: Store, owner: str, *, live_within: float, cancel_wait: float) -> None:
        self.store = store
        self.owner = owner  # this gateway's cluster member id
        self.live_within = live_within
        self.cancel_wait = cancel_wait  # how long a cancel waits for another gateway
        self.poll = 0.25

    async def _db(self, fn: Any) -> Any:
        return await asyncio.to_thread(self.store.run, fn)

    def live(self, conn: Connection) -> list[str]:
        members = cluster_sql.members(conn, seen_within=self.live_within)
        return [self.owner, *(m["id"] for m in members if m["id"] != self.owner)]

    async def claim(self, job_id: str) -> FineTuningJob | None:
        """The job, now this gateway's to run; None when another gateway has it or it ended."""

        def claim(conn: Connection) -> FineTuningJob | None:
            if not ft_store.claim_job(conn, job_id, self.owner, self.live(conn)):
                return None
            return ft_store.get_job(conn, job_id)

        found: FineTuningJob | None = await self._db(claim)
        return found

    async def cancel_elsewhere(self, job: FineTuningJob) -> bool:
        """Cancel a job this gateway does not run: a queued one at once, a running one through
        its gateway (or at once when that gateway is gone). Returns once the job ended, or
        False when its gateway did not act within ``cancel_wait`` seconds (the request stays
        recorded; the job ends when that gateway acts on it)."""
        job_id = job.id

        def queued(conn: Connection) -> bool:
            if not ft_store.cancel_queued(conn, job_id):
                return False
            ft_store.add_event(conn, job_id, "The job was cancelled before it started")
            return True

        if await self._db(queued):
            return True

        def request(conn: Connection) -> None:
            ft_store.request_cancel(conn, job_id)
            ft_store.add_event(
                conn, job_id, "Cancel requested; the gateway running the job stops it"
            )

        await self._db(request)
        deadline = time.monotonic() + self.cancel_wait
        while time.monotonic() < deadline:
            if await self._db(self._ended_or_orphaned(job_id)):
                return True
            await asyncio.sleep(self.poll)
        return False

    def _ended_or_orphaned(self, job_id: str) -> Callable[[Connection], bool]:
        def check(conn: Connection) -> bool:
            job = ft_store.get_job(conn, job_id)
            if job is None or job.status.terminal:
                return True
            if job.status is not JobStatus.RUNNING or job.owner in self.live(conn):
                return False
            # Its gateway is gone: cancelled here, with the tokens of the last step it reported.
            if not ft_store.cancel_orphaned(conn, job_id, job.owner):
                return False
            ft_store.add_event(
                conn,
                job_id,
                f"The job was cancelled after {job.trained_tokens} trained tokens; the gateway "
                "that ran it is gone",
            )
            return True

        return check
