"""The fine-tuning service: jobs and their lifecycle, metering (training files:
:mod:`modelport.finetune.files`).

Rules, in one place:

- a training file is checked line by line when it is uploaded; a bad one is refused with each
  bad line's number and why (nothing is stored);
- a job trains a LoRA adapter on a catalog offer that has fine-tuned rates, is offered in the
  project's region, is subscribed to by the project, and whose weights are on this machine;
- jobs run one at a time by default (``finetune_concurrency``), each in its own worker process;
  ``queued`` → ``running`` → ``succeeded`` | ``failed`` | ``cancelled``; a running job survives a
  restart of Modelport (it resumes from its last checkpoint);
- with several gateways, a job runs in the gateway that took it (its ``owner``); a cancel through
  another gateway is recorded in the database and acted on by the owner; a live gateway with a
  free slot takes over, within a few heartbeats, the jobs of a gateway that is gone
  (:mod:`modelport.finetune.ownership`); a succeeded job's model files are in the database, so
  every gateway can serve the model (:mod:`modelport.finetune.artifacts`);
- a job that ends trained (succeeded, or cancelled part way) writes its trained tokens to the
  ledger once, on the fine-tuning meter of its subscription (idempotent by the job's id); a
  failed job is not billed.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from modelport.billing.ledger import UsageLedger
from modelport.control.projects import ProjectService
from modelport.dialects.openai.fine_tuning import JobCreate
from modelport.domain.catalog import Offer
from modelport.domain.deployments import Project
from modelport.domain.fine_tuning import (
    FineTuningJob,
    JobCheckpoint,
    JobError,
    JobEvent,
    JobStatus,
    fine_tuned_model_name,
    is_fine_tuned,
    validate_suffix,
)
from modelport.errors import (
    Conflict,
    InvalidRequest,
    ModelportError,
    NotFound,
    SubscriptionRequired,
)
from modelport.finetune import protocol
from modelport.finetune.artifacts import store_earlier_models
from modelport.finetune.checkpoints import restore_recorded
from modelport.finetune.files import TrainingFiles, file_in, short_id
from modelport.finetune.hyperparameters import resolve_hyperparameters
from modelport.finetune.metering import training_record
from modelport.finetune.models import FineTunedModels
from modelport.finetune.ownership import Adoption, JobOwnership
from modelport.finetune.runner import JobRunner
from modelport.finetune.workdir import base_files, base_weights, write_job_dir
from modelport.settings import Settings
from modelport.store import fine_tuning as ft_store
from modelport.store import fine_tuning_files as ft_files
from modelport.store.finetune_artifacts import drop_checkpoint_files
from modelport.store.repositories import Store
from modelport.store.values import now

log = logging.getLogger("modelport.finetune")


class FineTuningService:
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        projects: ProjectService,
        models: FineTunedModels,
        ledger: UsageLedger,
        owner: str = "gateway",
        live_within: float = 6.0,
        adopt_interval: float = 2.0,
    ) -> None:
        self.settings = settings
        self.store = store
        self.projects = projects
        self.catalog = projects.catalog
        self.models = models
        self.ledger = ledger
        self.training_files = TrainingFiles(settings=settings, store=store, projects=projects)
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._runners: dict[str, JobRunner] = {}
        self._taken: set[str] = set()  # jobs a worker holds, from before its claim to the end
        self._tasks: list[asyncio.Task[None]] = []
        self.adopt_interval = adopt_interval  # how often to look for jobs of gone gateways
        # This gateway's cluster member id (the heartbeat's) marks the jobs it runs.
        self.ownership = JobOwnership(
            store,
            owner,
            live_within=live_within,
            cancel_wait=settings.finetune_cancel_grace + live_within + 5.0,
        )

    async def _db(self, fn: Any) -> Any:
        return await asyncio.to_thread(self.store.run, fn)

    # -- start-up and shutdown ---------------------------------------------------------------
    async def start(self) -> None:
        """Bill what a previous run ended but did not bill; store the model files of earlier
        jobs trained here; queue unfinished jobs again."""
        for job in await self._db(ft_store.unbilled_jobs):
            await self._bill(job)
        await asyncio.to_thread(
            store_earlier_models, self.store, self.models.root, protocol.MODEL_DIR
        )
        active = await self._db(
            lambda c: ft_store.jobs_with_status(c, JobStatus.RUNNING, JobStatus.QUEUED)
        )
        for job in active:
            self._queue.put_nowait(job.id)
        self._tasks = [
            asyncio.create_task(self._work(), name=f"fine-tuning-{i}")
            for i in range(self.settings.finetune_concurrency)
        ]
        # Jobs of gateways that are gone (one that stopped just now still looks live for
        # ``live_within`` seconds), taken over while this gateway runs.
        self._tasks.append(asyncio.create_task(self._adopt_loop(), name="fine-tuning-adopt"))

    async def _adopt_loop(self) -> None:
        while True:
            await asyncio.sleep(self.adopt_interval)
            try:
                await self.adopt()
            except SQLAlchemyError as exc:  # the database is away: look again next time
                log.warning("cannot look for fine-tuning jobs to take over: %s", exc)

    async def adopt(self) -> list[str]:
        """Queue the jobs this gateway may take over, as many as it has free slots (a job
        waiting in its queue takes one); bill the orphaned jobs it cancelled. Returns the ids
        queued; each is claimed when a worker takes it, so one gateway only runs it."""
        free = self.settings.finetune_concurrency - len(self._taken) - self._queue.qsize()
        found: Adoption = await self._db(lambda c: self.ownership.adoptable(c, free))
        for job in found.cancelled:
            log.info("fine-tuning job %s cancelled: its gateway is gone", job.id)
            await self._bill(job)
        for job_id in found.take:
            log.info("fine-tuning job %s: taking it over", job_id)
            self._queue.put_nowait(job_id)
        return found.take

    async def close(self) -> None:
        runners = list(self._runners.values())
        await asyncio.gather(*(r.abandon() for r in runners), return_exceptions=True)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- jobs ---------------------------------------------------------------------------------
    def _base_offer(self, conn: Connection, project: Project, model: str) -> tuple[Offer, str]:
        if is_fine_tuned(model):
            raise InvalidRequest(
                "fine-tuning a fine-tuned model is not supported: start from its base offer",
                param="model",
            )
        offer = self.projects.offer(model)
        self.projects.require_offered(offer, project)
        if offer.pricing is None or offer.pricing.fine_tuning is None:
            raise InvalidRequest(
                f"{offer.id!r} is not offered for fine-tuning (the price sheet has no "
                "fine-tuned rates for it)",
                param="model",
            )
        sub = self.store.subscription_for(conn, project.id, offer.id)
        if sub is None:
            raise SubscriptionRequired(
                f"project {project.name!r} has not subscribed to {offer.id!r}: subscribe first "
                "(its subscription carries the fine-tuning meter)",
                param="model",
            )
        base_files(offer, self.settings.data_dir / "models")  # refused here if it has none
        return offer, sub.id

    async def create_job(self, project_name: str, body: JobCreate) -> FineTuningJob:
        method = body.method.body() if body.method else None

        def create(conn: Connection) -> FineTuningJob:
            project = self.projects.project(conn, project_name)
            offer, subscription_id = self._base_offer(conn, project, body.model)
            training = file_in(conn, project, body.training_file, "training_file")
            if body.validation_file:
                file_in(conn, project, body.validation_file, "validation_file")
            hp = resolve_hyperparameters(
                training.examples,
                body.hyperparameters,
                method.hyperparameters if method else None,
                method.lora if method else None,
            )
            job_id = short_id("ftjob")
            suffix = validate_suffix(body.suffix) if body.suffix else job_id[-8:]
            job = FineTuningJob(
                id=job_id,
                project_id=project.id,
                base_offer_id=offer.id,
                subscription_id=subscription_id,
                training_file=training.id,
                validation_file=body.validation_file,
                hyperparameters=hp,
                seed=body.seed if body.seed is not None else secrets.randbelow(2**31),
                suffix=suffix,
                fine_tuned_model=fine_tuned_model_name(offer.id, project.name, suffix),
                status=JobStatus.QUEUED,
                created_at=now(),
                metadata=dict(body.metadata or {}),
            )
            ft_store.insert_job(conn, job)
            ft_store.add_event(conn, job.id, f"Validated training file: {training.id}")
            ft_store.add_event(conn, job.id, "Fine-tuning job created; queued")
            return job

        job: FineTuningJob = await self._db(create)
        self._queue.put_nowait(job.id)
        log.info("fine-tuning job %s of %s created", job.id, job.base_offer_id)
        return job

    async def jobs(self, project_name: str) -> tuple[Project, list[FineTuningJob]]:
        def load(conn: Connection) -> tuple[Project, list[FineTuningJob]]:
            project = self.projects.project(conn, project_name)
            return project, ft_store.list_jobs(conn, project.id)

        found: tuple[Project, list[FineTuningJob]] = await self._db(load)
        return found

    def _job(self, conn: Connection, project_name: str, job_id: str) -> FineTuningJob:
        project = self.projects.project(conn, project_name)
        job = ft_store.get_job(conn, job_id, project.id)
        if job is None:
            raise NotFound(f"no fine-tuning job {job_id!r} in project {project_name!r}")
        return job

    async def job(self, project_name: str, job_id: str) -> FineTuningJob:
        found: FineTuningJob = await self._db(lambda c: self._job(c, project_name, job_id))
        return found

    async def events(
        self, project_name: str, job_id: str, after: str | None, limit: int
    ) -> tuple[list[JobEvent], bool]:
        def load(conn: Connection) -> tuple[list[JobEvent], bool]:
            job = self._job(conn, project_name, job_id)
            return ft_store.list_events(conn, job.id, after=after, limit=limit)

        found: tuple[list[JobEvent], bool] = await self._db(load)
        return found

    async def checkpoints(
        self, project_name: str, job_id: str
    ) -> tuple[FineTuningJob, list[JobCheckpoint]]:
        def load(conn: Connection) -> tuple[FineTuningJob, list[JobCheckpoint]]:
            job = self._job(conn, project_name, job_id)
            return job, ft_store.list_checkpoints(conn, job.id)

        found: tuple[FineTuningJob, list[JobCheckpoint]] = await self._db(load)
        return found

    def worker_of(self, job_id: str) -> dict[str, Any] | None:
        runner = self._runners.get(job_id)
        return runner.describe() if runner is not None else None

    async def cancel(self, project_name: str, job_id: str) -> FineTuningJob:
        """Cancel a queued or running job; returns once it is ``cancelled`` and billed for
        what it trained."""
        job = await self.job(project_name, job_id)
        if job.status.terminal:
            raise Conflict(f"the job is already {job.status.value}", param="fine_tuning_job_id")
        runner = self._runners.get(job.id)
        if runner is not None:
            await runner.cancel()
        elif await self.ownership.cancel_elsewhere(job):
            ended = await self.job(project_name, job_id)
            if ended.status is JobStatus.CANCELLED:
                await self._bill(ended)  # once: the owner may have billed it already
        return await self.job(project_name, job_id)

    # -- running ------------------------------------------------------------------------------
    async def _work(self) -> None:
        while True:
            job_id = await self._queue.get()
            if job_id in self._taken:  # queued again while another worker here claims or runs it
                continue
            self._taken.add(job_id)
            job: FineTuningJob | None = None
            try:
                job = await self.ownership.claim(job_id)
                if job is None:  # another gateway runs it, or it ended
                    continue
                await self._run(job)
            except asyncio.CancelledError:
                raise
            except (ModelportError, OSError, ValueError, RuntimeError) as exc:
                log.error("fine-tuning job %s could not run: %s", job_id, exc)
                if job is not None:
                    await self._fail(job, "job_error", str(exc))
            finally:
                self._taken.discard(job_id)

    async def _run(self, job: FineTuningJob) -> None:
        runner = JobRunner(
            job,
            self.models.job_dir(job.id),
            self.store,
            finalize=self._bill,
            max_restarts=self.settings.finetune_max_restarts,
            cancel_grace=self.settings.finetune_cancel_grace,
            owner=self.ownership.owner,
        )
        self._runners[job.id] = runner  # from here on, a cancel goes through the runner
        try:
            await asyncio.to_thread(self._prepare, job)
            await runner.run()
        finally:
            self._runners.pop(job.id, None)
            runner.done.set()  # a cancel waiting on a job that could not start returns too

    def _prepare(self, job: FineTuningJob) -> None:
        """The job's directory: its configuration and data, as the worker reads them."""
        offer = self.catalog.get(job.base_offer_id)
        if offer is None:
            raise NotFound(f"offer {job.base_offer_id!r} is no longer in the catalog")
        base = base_weights(offer, self.settings.data_dir / "models", self.models.base_cache)
        job_dir = self.models.job_dir(job.id)
        job_dir.mkdir(parents=True, exist_ok=True)
        with self.store.transaction() as conn:
            train = ft_files.file_content(conn, job.training_file)
            valid = None
            if job.validation_file:
                valid = ft_files.file_content(conn, job.validation_file)
        if train is None:
            raise NotFound(f"the training file {job.training_file} was deleted")
        write_job_dir(
            job_dir,
            job,
            offer,
            train=train,
            validation=valid,
            base=base,
            settings=self.settings,
        )
        # Taken over from a gateway on another machine: its last checkpoint, from the database.
        self.store.run(lambda conn: restore_recorded(conn, job.id, job_dir))

    async def _fail(self, job: FineTuningJob, code: str, message: str) -> None:
        def fail(conn: Connection) -> None:
            ft_store.update_job(
                conn,
                job.id,
                status=JobStatus.FAILED,
                finished_at=now(),
                error=JobError(code, message),
            )
            ft_store.add_event(conn, job.id, f"The job failed: {message}", level="error")
            drop_checkpoint_files(conn, job.id)

        await self._db(fail)

    # -- metering -----------------------------------------------------------------------------
    async def _bill(self, job: FineTuningJob) -> None:
        """The job's trained tokens, once, on its subscription's fine-tuning meter."""
        if job.billed_tokens is not None:
            return
        trained = job.status in (JobStatus.SUCCEEDED, JobStatus.CANCELLED)
        tokens = job.trained_tokens if trained else 0
        if tokens > 0:
            record = training_record(job, tokens)
            try:
                await self.ledger.write(record)
            except ModelportError as exc:  # retried at the next start
                log.error("fine-tuning job %s not billed yet: %s", job.id, exc.message)
                return
        await self._db(lambda c: ft_store.update_job(c, job.id, billed_tokens=tokens))
        log.info("fine-tuning job %s: %d training tokens billed", job.id, tokens)
