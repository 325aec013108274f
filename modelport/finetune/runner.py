"""Running one fine-tuning job: its worker process, supervised until the job ends.

The runner starts the worker (``modelport.finetune.worker``) with a minimal environment, reads
its protocol lines (:mod:`modelport.finetune.protocol`) and stores what they say: events, metric
points, checkpoints, progress, and the final state. A worker that dies without a final word is
started again (up to ``max_restarts`` times) and resumes from its last checkpoint; a cancelled
job's worker gets SIGTERM, stops at a step boundary and reports the tokens trained so far, or is
killed after a grace period, when the last step it reported counts. A cancel recorded in the
database (by another gateway) is noticed within ``cancel_poll`` seconds and acted on the same way.
A job another gateway took over (this one's heartbeats did not reach the database for long
enough to be seen gone) is noticed in the same poll: its worker is stopped and the job left to
its new owner, not finalized here.
A succeeded job's model files go into the database in the transaction that marks it succeeded
(:mod:`modelport.finetune.artifacts`), so every gateway can serve it; each checkpoint's files go
there too, replacing the previous one's, so a gateway that takes the job over resumes from it
(:mod:`modelport.finetune.checkpoints`); they go when the job ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from modelport.domain.fine_tuning import FineTuningJob, JobError, JobStatus
from modelport.finetune import protocol
from modelport.finetune.artifacts import ArtifactError, read_model_dir
from modelport.finetune.checkpoints import read_checkpoint
from modelport.store import fine_tuning as ft_store
from modelport.store.finetune_artifacts import (
    drop_checkpoint_files,
    put_checkpoint_files,
    put_model_files,
)
from modelport.store.repositories import Store
from modelport.store.values import now

log = logging.getLogger("modelport.finetune")

# Variables a worker inherits; everything else (the gateway's secrets above all) stays behind.
_ENV_NAMES = {"PATH", "HOME", "LANG", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV", "TZ"}
_ENV_PREFIXES = ("LC_", "OMP_", "MKL_", "OPENBLAS_", "CUDA_", "NVIDIA_", "HF_", "TORCH")


def worker_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if (k in _ENV_NAMES or k.startswith(_ENV_PREFIXES)) and not k.startswith("MODELPORT_")
    }
    # OpenMP threads that wait by spinning starve everything else on a busy CPU (measured on a
    # loaded 2-core machine: 13-24 s per step spinning, 3-4 s passive): they sleep instead.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return env


Finalize = Callable[[FineTuningJob], Awaitable[None]]


class JobRunner:
    def __init__(
        self,
        job: FineTuningJob,
        job_dir: Path,
        store: Store,
        *,
        finalize: Finalize,
        max_restarts: int = 3,
        restart_backoff: float = 1.0,
        cancel_grace: float = 30.0,
        cancel_poll: float = 1.0,
        owner: str | None = None,
    ) -> None:
        self.job = job
        self.job_dir = job_dir
        self.store = store
        self.finalize = finalize
        self.max_restarts = max_restarts
        self.restart_backoff = restart_backoff
        self.cancel_grace = cancel_grace
        self.cancel_poll = cancel_poll
        self.owner = owner  # the gateway running the job (None: ownership is not checked)
        self.restarts = 0
        self.cancel_requested = False
        self._abandoned = False
        self._proc: asyncio.subprocess.Process | None = None
        self._stderr: deque[str] = deque(maxlen=30)
        self._final: dict[str, Any] | None = None
        self._last_metrics: dict[str, Any] = {}
        self.done = asyncio.Event()

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.returncode is None else None

    def describe(self) -> dict[str, Any]:
        return {"pid": self.pid, "restarts": self.restarts}

    # -- persistence ------------------------------------------------------------------------
    async def _db(self, fn: Callable[[Connection], Any]) -> Any:
        return await asyncio.to_thread(self.store.run, fn)

    async def _event(self, message: str, level: str = "info", **fields: Any) -> None:
        job_id = self.job.id
        await self._db(lambda c: ft_store.add_event(c, job_id, message, level=level, **fields))

    async def _update(self, **values: Any) -> None:
        job_id = self.job.id
        await self._db(lambda c: ft_store.update_job(c, job_id, **values))

    async def _end(self, message: str, level: str = "info", **values: Any) -> None:
        """A terminal status and the event that says so, in one transaction: a client that sees
        the status also sees why."""
        job_id = self.job.id

        def end(conn: Connection) -> None:
            ft_store.add_event(conn, job_id, message, level=level)
            ft_store.update_job(conn, job_id, **values)

        await self._db(end)

    async def _reload(self) -> FineTuningJob:
        job_id = self.job.id
        found: FineTuningJob | None = await self._db(lambda c: ft_store.get_job(c, job_id))
        assert found is not None
        self.job = found
        return found

    # -- the run ----------------------------------------------------------------------------
    async def run(self) -> None:
        """Run the job to its end (succeeded, failed or cancelled) and finalize it."""
        watch = asyncio.create_task(self._watch_cancel(), name=f"cancel-{self.job.id}")
        try:
            if self.job.started_at is None:
                await self._update(status=JobStatus.RUNNING, started_at=now())
            else:
                await self._update(status=JobStatus.RUNNING)
            if self.job.cancel_requested_at is not None:  # recorded while no gateway ran it
                self.cancel_requested = True
            while not self._abandoned and not self.cancel_requested:
                code = await self._attempt()
                if self._abandoned:
                    return
                if self._final is not None or self.cancel_requested:
                    break
                self.restarts += 1
                tail = " | ".join(list(self._stderr)[-2:])
                if self.restarts > self.max_restarts:
                    await self._fail(
                        "worker_died",
                        f"the training worker exited (code {code}) {self.restarts} times; "
                        f"last output: {tail or '(none)'}",
                    )
                    break
                await self._event(
                    f"The training worker exited (code {code}); restarting it from the last "
                    "checkpoint",
                    level="warn",
                )
                log.warning("fine-tuning job %s: worker exited with %s", self.job.id, code)
                await asyncio.sleep(self.restart_backoff)
            if not self._abandoned:
                await self._conclude()
                job_id = self.job.id
                await self._db(lambda c: drop_checkpoint_files(c, job_id))
        finally:
            self.done.set()
            watch.cancel()

    async def _watch_cancel(self) -> None:
        """Act on a cancel another gateway recorded in the database, or on the job having been
        taken over by another gateway."""
        job_id = self.job.id
        while not self.done.is_set() and not self.cancel_requested:
            await asyncio.sleep(self.cancel_poll)
            try:
                requested, owner = await self._db(lambda c: ft_store.cancel_and_owner(c, job_id))
            except SQLAlchemyError as exc:  # the database is away: ask again at the next poll
                log.warning("fine-tuning job %s: cannot check for a cancel: %s", job_id, exc)
                continue
            if self.owner is not None and owner != self.owner:
                log.warning(
                    "fine-tuning job %s: taken over by %s; stopping the worker here", job_id, owner
                )
                await self.abandon()
                return
            if requested:
                log.info("fine-tuning job %s: cancel requested through another gateway", job_id)
                await self.cancel()
                return

    async def _attempt(self) -> int:
        self._stderr.clear()
        self._final = None
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "modelport.finetune.worker",
            str(self.job_dir),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=worker_env(),
            start_new_session=True,  # a terminal's Ctrl-C goes to the gateway, not the worker
        )
        self._proc = proc
        if self._abandoned:
            self._signal(signal.SIGKILL)
        elif self.cancel_requested:
            self._signal(signal.SIGTERM)
        drain = asyncio.create_task(self._drain_stderr(proc))
        assert proc.stdout is not None
        try:
            async for line in proc.stdout:
                event = protocol.decode(line)
                if event is not None:
                    await self._handle(event)
        finally:
            code = await proc.wait()
            await asyncio.wait({drain}, timeout=2)
            if proc.stdin is not None:
                proc.stdin.close()
        return code

    async def _drain_stderr(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        async for line in proc.stderr:
            text = line.decode(errors="replace").rstrip()
            if text:
                self._stderr.append(text)

    async def _handle(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if self._abandoned:
            return
        if kind == "loading":
            await self._event(str(event.get("message", "loading")).capitalize())
        elif kind == "started":
            await self._started(event)
        elif kind == "step":
            await self._step(event)
        elif kind == "checkpoint":
            await self._checkpoint(event)
        elif kind == "exported":
            formats = ", ".join(sorted(event.get("files", {})))
            await self._event(f"Adapter exported ({formats})", data={"files": event.get("files")})
        elif kind in protocol.FINAL_EVENTS:
            self._final = event

    async def _started(self, event: dict[str, Any]) -> None:
        resumed = int(event.get("resumed_from") or 0)
        await self._update(
            total_tokens=int(event["total_tokens"]),
            total_steps=int(event["total_steps"]),
            step=resumed,
            trained_tokens=int(event.get("trained_tokens") or 0),
        )
        if resumed:
            message = f"Resumed from the checkpoint at step {resumed}"
        else:
            message = (
                f"Training on {event['examples']} examples: {event['tokens_per_epoch']} tokens "
                f"per epoch, {event['total_tokens']} in all, {event['total_steps']} steps on the "
                f"{event.get('device', 'cpu')}"
            )
        await self._event(message, data={"resumed_from": resumed, "device": event.get("device")})

    async def _step(self, event: dict[str, Any]) -> None:
        data = {k: v for k, v in event.items() if k != "event"}
        self._last_metrics = data
        job_id, step, tokens = self.job.id, int(event["step"]), int(event["trained_tokens"])
        message = f"Step {step}/{event['total_steps']}: training loss={event['train_loss']:.4f}"
        if "valid_loss" in event:
            message += f", validation loss={event['valid_loss']:.4f}"

        def write(conn: Connection) -> None:
            ft_store.add_event(conn, job_id, message, type="metrics", data=data)
            ft_store.update_job(conn, job_id, step=step, trained_tokens=tokens)

        await self._db(write)

    async def _checkpoint(self, event: dict[str, Any]) -> None:
        metrics = {k: v for k, v in event.items() if k != "event"}
        job_id, step = self.job.id, int(event["step"])
        files = await asyncio.to_thread(read_checkpoint, self.job_dir, step)
        size = sum(len(content) for _, content in (files or {}).values())

        def write(conn: Connection) -> None:
            ft_store.add_checkpoint(conn, job_id, step, event.get("train_loss"), metrics)
            if files is not None and put_checkpoint_files(conn, job_id, step, files):
                message = f"Checkpoint saved at step {step} ({size} bytes stored for every gateway)"
                data: dict[str, Any] | None = {"step": step, "bytes": size}
            else:  # replaced by a later one already: that one is stored
                message, data = f"Checkpoint saved at step {step}", None
            ft_store.add_event(conn, job_id, message, data=data)

        await self._db(write)

    async def _fail(self, code: str, message: str) -> None:
        await self._end(
            f"The job failed: {message}",
            level="error",
            status=JobStatus.FAILED,
            finished_at=now(),
            error=JobError(code, message),
        )

    async def _conclude(self) -> None:
        final = self._final or {}
        kind = final.get("event")
        job = await self._reload()
        if job.status.terminal:  # failed above
            await self.finalize(job)
            return
        if kind == "succeeded":
            tokens = int(final["trained_tokens"])
            step = int(final.get("step") or job.step)
            metrics = {**self._last_metrics, "step": step, "trained_tokens": tokens}
            try:
                files = await asyncio.to_thread(read_model_dir, self.job_dir / protocol.MODEL_DIR)
            except ArtifactError as exc:
                await self._fail("export_error", str(exc))
                await self.finalize(await self._reload())
                return

            size = sum(len(content) for _, content in files.values())

            def succeed(conn: Connection) -> None:
                # One transaction: whoever sees ``succeeded`` also sees the model's files and
                # the events that announce them (a client listing events right after polling
                # the status must not find them missing).
                ft_store.add_checkpoint(conn, job.id, step, metrics.get("train_loss"), metrics)
                put_model_files(conn, job.id, files)
                ft_store.add_event(
                    conn,
                    job.id,
                    f"Model files stored for every gateway ({size} bytes)",
                    data={"files": {name: digest for name, (digest, _) in files.items()}},
                )
                ft_store.add_event(
                    conn, job.id, f"New fine-tuned model created: {job.fine_tuned_model}"
                )
                ft_store.add_event(conn, job.id, "The job has successfully completed")
                ft_store.update_job(
                    conn,
                    job.id,
                    status=JobStatus.SUCCEEDED,
                    finished_at=now(),
                    trained_tokens=tokens,
                    step=step,
                )

            await self._db(succeed)
        elif kind == "failed":
            await self._fail(str(final.get("code", "training_error")), str(final.get("message")))
        else:  # cancelled: the worker's count, or the last step it reported
            tokens = int(final.get("trained_tokens", job.trained_tokens))
            await self._end(
                f"The job was cancelled after {tokens} trained tokens",
                status=JobStatus.CANCELLED,
                finished_at=now(),
                trained_tokens=tokens,
            )
        await self.finalize(await self._reload())

    # -- cancel -----------------------------------------------------------------------------
    def _signal(self, sig: int) -> None:
        proc = self._proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)

    async def cancel(self) -> None:
        """Ask the worker to stop at the next step boundary; kill it after the grace period.
        Returns once the job is finalized."""
        self.cancel_requested = True
        self._signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(self.done.wait()), self.cancel_grace)
        except TimeoutError:
            self._signal(signal.SIGKILL)
            await self.done.wait()

    async def abandon(self) -> None:
        """Shutdown: stop the worker without finalizing the job, which stays ``running`` and
        resumes from its last checkpoint at the next start."""
        self._abandoned = True
        self._signal(signal.SIGKILL)
