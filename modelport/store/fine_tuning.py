"""SQL of fine-tuning: jobs, events and checkpoints, returned as domain objects (training files:
:mod:`.fine_tuning_files`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from modelport.domain.fine_tuning import (
    FineTuningJob,
    Hyperparameters,
    JobCheckpoint,
    JobError,
    JobEvent,
    JobStatus,
)
from modelport.errors import Conflict
from modelport.store.finetune_artifacts import delete_project_files
from modelport.store.finetune_tables import ft_checkpoints, ft_events, ft_files, ft_jobs
from modelport.store.values import aware, new_id, now

ACTIVE = (JobStatus.VALIDATING_FILES, JobStatus.QUEUED, JobStatus.RUNNING)


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _load(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


def _when(value: datetime | None) -> datetime | None:
    return aware(value) if value is not None else None


# -- jobs -----------------------------------------------------------------------------------
def _job(row: Row[Any]) -> FineTuningJob:
    error = _load(row.error)
    return FineTuningJob(
        id=row.id,
        project_id=row.project_id,
        base_offer_id=row.base_offer_id,
        subscription_id=row.subscription_id,
        training_file=row.training_file,
        validation_file=row.validation_file,
        hyperparameters=Hyperparameters.from_json(_load(row.hyperparameters)),
        seed=int(row.seed),
        suffix=row.suffix,
        fine_tuned_model=row.fine_tuned_model,
        status=JobStatus(row.status),
        created_at=aware(row.created_at),
        started_at=_when(row.started_at),
        finished_at=_when(row.finished_at),
        trained_tokens=int(row.trained_tokens),
        total_tokens=None if row.total_tokens is None else int(row.total_tokens),
        step=int(row.step),
        total_steps=row.total_steps,
        billed_tokens=None if row.billed_tokens is None else int(row.billed_tokens),
        error=JobError(**error) if error else None,
        metadata=_load(row.metadata) or {},
        owner=row.owner,
        cancel_requested_at=_when(row.cancel_requested_at),
    )


def insert_job(conn: Connection, job: FineTuningJob) -> None:
    try:
        with conn.begin_nested():
            conn.execute(
                insert(ft_jobs).values(
                    id=job.id,
                    project_id=job.project_id,
                    base_offer_id=job.base_offer_id,
                    subscription_id=job.subscription_id,
                    training_file=job.training_file,
                    validation_file=job.validation_file,
                    hyperparameters=_json(job.hyperparameters.as_json()),
                    seed=job.seed,
                    suffix=job.suffix,
                    fine_tuned_model=job.fine_tuned_model,
                    status=job.status.value,
                    created_at=job.created_at,
                    metadata=_json(job.metadata or None),
                )
            )
    except IntegrityError as exc:
        raise Conflict(
            f"the fine-tuned model name {job.fine_tuned_model!r} is taken: choose another suffix",
            param="suffix",
        ) from exc


def get_job(conn: Connection, job_id: str, project_id: str | None = None) -> FineTuningJob | None:
    query = select(ft_jobs).where(ft_jobs.c.id == job_id)
    if project_id is not None:
        query = query.where(ft_jobs.c.project_id == project_id)
    row = conn.execute(query).first()
    return _job(row) if row else None


def job_by_model(conn: Connection, model: str) -> FineTuningJob | None:
    row = conn.execute(select(ft_jobs).where(ft_jobs.c.fine_tuned_model == model)).first()
    return _job(row) if row else None


def list_jobs(conn: Connection, project_id: str) -> list[FineTuningJob]:
    """The project's jobs, newest first."""
    rows = conn.execute(
        select(ft_jobs)
        .where(ft_jobs.c.project_id == project_id)
        .order_by(ft_jobs.c.created_at.desc(), ft_jobs.c.id.desc())
    )
    return [_job(r) for r in rows]


def jobs_with_status(conn: Connection, *statuses: JobStatus) -> list[FineTuningJob]:
    rows = conn.execute(
        select(ft_jobs)
        .where(ft_jobs.c.status.in_([s.value for s in statuses]))
        .order_by(ft_jobs.c.created_at, ft_jobs.c.id)
    )
    return [_job(r) for r in rows]


def unbilled_jobs(conn: Connection) -> list[FineTuningJob]:
    rows = conn.execute(
        select(ft_jobs).where(
            ft_jobs.c.status.in_([JobStatus.SUCCEEDED.value, JobStatus.CANCELLED.value]),
            ft_jobs.c.billed_tokens.is_(None),
        )
    )
    return [_job(r) for r in rows]


def count_active_jobs(conn: Connection, project_id: str) -> int:
    query = select(func.count()).where(
        ft_jobs.c.project_id == project_id, ft_jobs.c.status.in_([s.value for s in ACTIVE])
    )
    return int(conn.execute(query).scalar_one())


def update_job(conn: Connection, job_id: str, **values: Any) -> None:
    if "status" in values and isinstance(values["status"], JobStatus):
        values["status"] = values["status"].value
    if "error" in values:
        error = values["error"]
        values["error"] = _json(
            {"code": error.code, "message": error.message, "param": error.param}
            if isinstance(error, JobError)
            else error
        )
    conn.execute(update(ft_jobs).where(ft_jobs.c.id == job_id).values(**values))


def claim_job(conn: Connection, job_id: str, owner: str, live: list[str]) -> bool:
    """Make ``owner`` the gateway running the job: a queued job, or a running one whose gateway
    is gone (not among the ``live`` members, ``owner`` being one). False when a live gateway
    (this one included) runs it, or it ended."""
    gone = ft_jobs.c.owner.is_(None) | ft_jobs.c.owner.not_in([owner, *live])
    claimable = (ft_jobs.c.status == JobStatus.QUEUED.value) | (
        (ft_jobs.c.status == JobStatus.RUNNING.value) & gone
    )
    result = conn.execute(
        update(ft_jobs)
        .where(ft_jobs.c.id == job_id, claimable)
        .values(owner=owner, status=JobStatus.RUNNING.value)
    )
    return bool(result.rowcount)


def _gone(live: list[str]) -> Any:
    return ft_jobs.c.owner.is_(None) | ft_jobs.c.owner.not_in(live)


def adoptable_jobs(
    conn: Connection, live: list[str], limit: int, *, queued_before: datetime
) -> list[FineTuningJob]:
    """Up to ``limit`` jobs a gateway with free slots may take (:func:`claim_job` decides):
    running ones whose gateway is gone (not among the ``live`` members) and that no cancel was
    requested for, oldest start first, then jobs queued before ``queued_before`` (the gateway
    that queued them has had time to take them itself), oldest first."""
    if limit <= 0:
        return []
    orphaned = conn.execute(
        select(ft_jobs)
        .where(
            ft_jobs.c.status == JobStatus.RUNNING.value,
            _gone(live),
            ft_jobs.c.cancel_requested_at.is_(None),
        )
        .order_by(ft_jobs.c.started_at, ft_jobs.c.id)
        .limit(limit)
    )
    jobs = [_job(r) for r in orphaned]
    if len(jobs) < limit:
        waiting = conn.execute(
            select(ft_jobs)
            .where(ft_jobs.c.status == JobStatus.QUEUED.value, ft_jobs.c.created_at < queued_before)
            .order_by(ft_jobs.c.created_at, ft_jobs.c.id)
            .limit(limit - len(jobs))
        )
        jobs += [_job(r) for r in waiting]
    return jobs


def orphans_to_cancel(conn: Connection, live: list[str]) -> list[FineTuningJob]:
    """Running jobs whose gateway is gone and that a cancel was requested for."""
    rows = conn.execute(
        select(ft_jobs)
        .where(
            ft_jobs.c.status == JobStatus.RUNNING.value,
            _gone(live),
            ft_jobs.c.cancel_requested_at.is_not(None),
        )
        .order_by(ft_jobs.c.started_at, ft_jobs.c.id)
    )
    return [_job(r) for r in rows]


def cancel_queued(conn: Connection, job_id: str) -> bool:
    """Cancel the job if it is still queued (no gateway took it); False otherwise."""
    result = conn.execute(
        update(ft_jobs)
        .where(ft_jobs.c.id == job_id, ft_jobs.c.status == JobStatus.QUEUED.value)
        .values(status=JobStatus.CANCELLED.value, finished_at=now())
    )
    return bool(result.rowcount)


def cancel_orphaned(conn: Connection, job_id: str, owner: str | None) -> bool:
    """Cancel a running job whose gateway (``owner``) is gone; False if it changed meanwhile."""
    where = ft_jobs.c.owner.is_(None) if owner is None else ft_jobs.c.owner == owner
    result = conn.execute(
        update(ft_jobs)
        .where(ft_jobs.c.id == job_id, ft_jobs.c.status == JobStatus.RUNNING.value, where)
        .values(status=JobStatus.CANCELLED.value, finished_at=now())
    )
    return bool(result.rowcount)


def request_cancel(conn: Connection, job_id: str) -> None:
    """Record that the job is to be cancelled: the gateway running it acts on it."""
    conn.execute(
        update(ft_jobs)
        .where(ft_jobs.c.id == job_id, ft_jobs.c.cancel_requested_at.is_(None))
        .values(cancel_requested_at=now())
    )


def cancel_requested(conn: Connection, job_id: str) -> bool:
    row = conn.execute(select(ft_jobs.c.cancel_requested_at).where(ft_jobs.c.id == job_id)).first()
    return row is not None and row.cancel_requested_at is not None


def cancel_and_owner(conn: Connection, job_id: str) -> tuple[bool, str | None]:
    """Whether a cancel of the job was requested, and the gateway that owns it now."""
    row = conn.execute(
        select(ft_jobs.c.cancel_requested_at, ft_jobs.c.owner).where(ft_jobs.c.id == job_id)
    ).first()
    if row is None:
        return False, None
    return row.cancel_requested_at is not None, row.owner


def delete_project_data(conn: Connection, project_id: str) -> None:
    """Everything fine-tuning holds for a project (its jobs have all ended)."""
    job_ids = select(ft_jobs.c.id).where(ft_jobs.c.project_id == project_id)
    delete_project_files(conn, project_id)
    conn.execute(delete(ft_events).where(ft_events.c.job_id.in_(job_ids)))
    conn.execute(delete(ft_checkpoints).where(ft_checkpoints.c.job_id.in_(job_ids)))
    conn.execute(delete(ft_jobs).where(ft_jobs.c.project_id == project_id))
    conn.execute(delete(ft_files).where(ft_files.c.project_id == project_id))


# -- events and checkpoints -----------------------------------------------------------------
def add_event(
    conn: Connection,
    job_id: str,
    message: str,
    *,
    level: str = "info",
    type: str = "message",
    data: dict[str, Any] | None = None,
) -> JobEvent:
    seq = conn.execute(
        select(func.coalesce(func.max(ft_events.c.seq), 0)).where(ft_events.c.job_id == job_id)
    ).scalar_one()
    event = JobEvent(f"ftevent-{new_id()}", job_id, now(), level, message, type, data or {})
    conn.execute(
        insert(ft_events).values(
            id=event.id,
            job_id=job_id,
            seq=int(seq) + 1,
            created_at=event.created_at,
            level=level,
            type=type,
            message=message,
            data=_json(data),
        )
    )
    return event


def _event(row: Row[Any]) -> JobEvent:
    return JobEvent(
        row.id,
        row.job_id,
        aware(row.created_at),
        row.level,
        row.message,
        row.type,
        _load(row.data) or {},
    )


def list_events(
    conn: Connection, job_id: str, *, after: str | None = None, limit: int = 20
) -> tuple[list[JobEvent], bool]:
    """Events newest first (as OpenAI lists them), those older than ``after``; and whether
    there are more."""
    query = select(ft_events).where(ft_events.c.job_id == job_id)
    if after is not None:
        seq = conn.execute(
            select(ft_events.c.seq).where(ft_events.c.id == after, ft_events.c.job_id == job_id)
        ).scalar()
        if seq is not None:
            query = query.where(ft_events.c.seq < seq)
    rows = list(conn.execute(query.order_by(ft_events.c.seq.desc()).limit(limit + 1)))
    return [_event(r) for r in rows[:limit]], len(rows) > limit


def add_checkpoint(
    conn: Connection, job_id: str, step: int, train_loss: float | None, metrics: dict[str, Any]
) -> None:
    exists = conn.execute(
        select(ft_checkpoints.c.id).where(
            ft_checkpoints.c.job_id == job_id, ft_checkpoints.c.step == step
        )
    ).first()
    if exists:
        return
    conn.execute(
        insert(ft_checkpoints).values(
            id=f"ftckpt-{new_id()}",
            job_id=job_id,
            step=step,
            train_loss=train_loss,
            metrics=_json(metrics),
            created_at=now(),
        )
    )


def list_checkpoints(conn: Connection, job_id: str) -> list[JobCheckpoint]:
    rows = conn.execute(
        select(ft_checkpoints)
        .where(ft_checkpoints.c.job_id == job_id)
        .order_by(ft_checkpoints.c.step.desc())
    )
    return [
        JobCheckpoint(r.id, r.job_id, aware(r.created_at), int(r.step), _load(r.metrics) or {})
        for r in rows
    ]
