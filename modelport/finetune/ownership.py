"""Which gateway runs a fine-tuning job, and cancelling a job another gateway runs.

Several gateways share one database; each runs the jobs it takes in its own worker processes.
A gateway takes a job by writing its cluster member id as the job's ``owner`` (a queued job, or
a running one whose gateway is this one or gone: not seen by the heartbeats for
``live_within`` seconds), so no job trains twice.

A gateway whose jobs' owner is gone takes them over while it runs, not only when it starts:
every heartbeat interval, a gateway with a free training slot looks for running jobs whose
gateway is gone, and for jobs queued for longer than ``live_within`` (:meth:`adoptable`), and
queues them; its worker then claims each one (the conditional UPDATE on ``owner`` of
:func:`~modelport.store.fine_tuning.claim_job`, so one gateway only) and resumes it as a start
does, from the last checkpoint stored in the database. The claim records who took the job
over from whom.

A cancel that reaches a gateway which does not run the job is recorded in the database
(``cancel_requested_at``); the owner's runner notices it within a second or so and stops the
worker as for a cancel of its own, and the gateway that was asked waits for the job to end, so
the API answers as it does on the owner. When the owner is gone, the job is cancelled at once
with the tokens of the last step it reported (by the gateway that was asked, or by the next
gateway that looks for jobs to take over), not taken over.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from modelport.domain.fine_tuning import FineTuningJob, JobStatus
from modelport.store import cluster as cluster_sql
from modelport.store import fine_tuning as ft_store
from modelport.store.finetune_artifacts import drop_checkpoint_files
from modelport.store.repositories import Store
from modelport.store.values import now


@dataclass
class Adoption:
    """What one look for ownerless jobs found: jobs to claim, and orphaned jobs it cancelled
    (a cancel was requested for them), to bill."""

    take: list[str] = field(default_factory=list)
    cancelled: list[FineTuningJob] = field(default_factory=list)


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
        """The job, now this gateway's to run; None when another gateway has it or it ended.
        Taking over a running job from a gone gateway is recorded in its events."""

        def claim(conn: Connection) -> FineTuningJob | None:
            before = ft_store.get_job(conn, job_id)
            if before is None or not ft_store.claim_job(conn, job_id, self.owner, self.live(conn)):
                return None
            if before.status is JobStatus.RUNNING and before.owner != self.owner:
                ft_store.add_event(
                    conn,
                    job_id,
                    f"Taken over by gateway {self.owner} at step {before.step}: the gateway that "
                    f"ran the job ({before.owner or 'unknown'}) is gone",
                    level="warn",
                    data={"from": before.owner, "to": self.owner, "step": before.step},
                )
            return ft_store.get_job(conn, job_id)

        found: FineTuningJob | None = await self._db(claim)
        return found

    def adoptable(self, conn: Connection, free: int) -> Adoption:
        """Up to ``free`` jobs this gateway may take over (running ones whose gateway is gone,
        then long-queued ones); orphaned jobs a cancel was requested for are cancelled instead,
        whatever the free slots."""
        live = self.live(conn)
        found = Adoption()
        for job in ft_store.orphans_to_cancel(conn, live):
            if self._cancel_orphan(conn, job):
                ended = ft_store.get_job(conn, job.id)
                if ended is not None:
                    found.cancelled.append(ended)
        queued_before = now() - timedelta(seconds=self.live_within)
        jobs = ft_store.adoptable_jobs(conn, live, free, queued_before=queued_before)
        found.take = [job.id for job in jobs]
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
            return self._cancel_orphan(conn, job)

        return check

    def _cancel_orphan(self, conn: Connection, job: FineTuningJob) -> bool:
        """Cancel a running job whose gateway is gone, with the tokens of the last step it
        reported; False if it changed meanwhile."""
        if not ft_store.cancel_orphaned(conn, job.id, job.owner):
            return False
        drop_checkpoint_files(conn, job.id)
        ft_store.add_event(
            conn,
            job.id,
            f"The job was cancelled after {job.trained_tokens} trained tokens; the gateway "
            "that ran it is gone",
        )
        return True
