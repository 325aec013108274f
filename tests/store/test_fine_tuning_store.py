"""Fine-tuning's tables against real SQLite and real PostgreSQL: migration 0030 from a database
with subscriptions, files, jobs, events, checkpoints, and long fine-tuned model names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from modelport.domain.deployments import SUBSCRIPTION_METERS, Deployment, DeploymentState
from modelport.domain.fine_tuning import (
    FineTuningJob,
    Hyperparameters,
    JobError,
    JobStatus,
    TrainingFile,
    fine_tuned_model_name,
)
from modelport.errors import Conflict
from modelport.store import fine_tuning as ft
from modelport.store import fine_tuning_files as ft_files
from modelport.store.db import upgrade
from modelport.store.repositories import Store
from modelport.store.values import new_id, now


def test_the_reserved_meter_becomes_the_training_meter(engine: Engine) -> None:
    upgrade(engine, "0004")
    created = datetime(2026, 11, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO projects VALUES ('p1', 'default', 'local', :t)"), {"t": created}
        )
        conn.execute(
            sa.text(
                "INSERT INTO subscriptions VALUES ('s1', 'p1', 'smollm2-135m-instruct', "
                "'/projects/p1/subscriptions/smollm2-135m-instruct', :t)"
            ),
            {"t": created},
        )
        for i, (meter, unit, reserved) in enumerate(
            [
                ("inference-input-tokens", "1K tokens", False),
                ("inference-output-tokens", "1K tokens", False),
                ("fine-tuning", "hours", True),
            ]
        ):
            conn.execute(
                sa.text("INSERT INTO subscription_meters VALUES (:id, 's1', :m, :u, :r, :t)"),
                {"id": f"m{i}", "m": meter, "u": unit, "r": reserved, "t": created},
            )
    upgrade(engine)
    store = Store(engine)
    with store.transaction() as conn:
        sub = store.subscription_for(conn, "p1", "smollm2-135m-instruct")
    assert sub is not None
    assert [(m.name, m.unit, m.reserved) for m in sub.meters] == [
        (m.name, m.unit, False) for m in SUBSCRIPTION_METERS
    ]
    assert ("fine-tuning-training-tokens", "1K tokens", False) in [
        (m.name, m.unit, m.reserved) for m in sub.meters
    ]


def _job(project_id: str, file_id: str, suffix: str = "mascot") -> FineTuningJob:
    return FineTuningJob(
        id=f"ftjob-{new_id()[:24]}",
        project_id=project_id,
        base_offer_id="smollm2-135m-instruct",
        subscription_id=None,
        training_file=file_id,
        validation_file=None,
        hyperparameters=Hyperparameters(n_epochs=2, lora_rank=4, target_modules=("q_proj",)),
        seed=7,
        suffix=suffix,
        fine_tuned_model=fine_tuned_model_name("smollm2-135m-instruct", "a" * 63, suffix),
        status=JobStatus.QUEUED,
        created_at=now(),
        metadata={"team": "docs"},
    )


def test_files_jobs_events_and_checkpoints(store: Store) -> None:
    with store.transaction() as conn:
        project = store.create_project(conn, "a" * 63, "local")
        file = TrainingFile("file-1", project.id, "train.jsonl", "fine-tune", 12, 3, now())
        ft_files.insert_file(conn, file, b'{"messages": []}\n')
        job = _job(project.id, file.id)
        ft.insert_job(conn, job)
        with pytest.raises(Conflict, match="choose another suffix"):
            ft.insert_job(conn, _job(project.id, file.id))  # the same model name
        for step in (1, 2, 3):
            ft.add_event(conn, job.id, f"step {step}", type="metrics", data={"step": step})
        ft.add_checkpoint(conn, job.id, 2, 0.5, {"step": 2, "train_loss": 0.5})
        ft.add_checkpoint(conn, job.id, 2, 0.5, {"step": 2})  # once per step
        ft.update_job(
            conn,
            job.id,
            status=JobStatus.FAILED,
            error=JobError("worker_died", "gone"),
            trained_tokens=40,
        )
        # A fine-tuned model's long name goes where offer ids go.
        store.create_deployment(
            conn,
            Deployment(
                new_id(),
                "long",
                project.id,
                "local",
                job.fine_tuned_model,
                None,
                DeploymentState.CREATING,
                now(),
            ),
        )
    with store.transaction() as conn:
        assert ft_files.get_file(conn, project.id, "file-1") == file
        assert ft_files.get_file(conn, "other", "file-1") is None
        assert ft_files.file_content(conn, "file-1") == b'{"messages": []}\n'
        assert ft_files.file_in_use(conn, "file-1") is False  # its job failed
        stored = ft.get_job(conn, job.id, project.id)
        assert stored is not None and stored.status is JobStatus.FAILED
        assert stored.error == JobError("worker_died", "gone") and stored.trained_tokens == 40
        assert stored.hyperparameters == job.hyperparameters and stored.metadata == job.metadata
        assert ft.job_by_model(conn, job.fine_tuned_model) == stored
        newest, more = ft.list_events(conn, job.id, limit=2)
        assert [e.message for e in newest] == ["step 3", "step 2"] and more
        older, more = ft.list_events(conn, job.id, after=newest[-1].id, limit=2)
        assert [e.data for e in older] == [{"step": 1}] and not more
        (checkpoint,) = ft.list_checkpoints(conn, job.id)
        assert checkpoint.step == 2 and checkpoint.metrics["train_loss"] == 0.5
        assert ft.count_active_jobs(conn, project.id) == 0
        deployment = store.deployment_by_name(conn, "long", "local")
        assert deployment is not None and deployment.offer_id == job.fine_tuned_model
        store.delete_deployment(conn, deployment.id)
    with store.transaction() as conn:
        ft.delete_project_data(conn, project.id)
        store.delete_project(conn, project.id)
    with store.engine.connect() as conn:
        for table in ("ft_files", "ft_jobs", "ft_events", "ft_checkpoints"):
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0  # noqa: S608


def test_training_and_hosting_records_in_the_ledger(store: Store) -> None:
    from modelport.billing.records import FINE_TUNING, HOSTING
    from modelport.store.usage import insert_usage, ledger_rows, rollup_rows
    from tests.billing_support import record

    training = record("ft-job1", 0, 0, dialect=FINE_TUNING, training_tokens=798,
                      deployment_id="ftjob-1", deployment="ftjob-1")  # fmt: skip
    hour = record("host-d1-0", 0, 0, dialect=HOSTING, hosting_hours=1,
                  offer_id="ft:smollm2-135m-instruct:" + "p" * 63 + ":mascot")  # fmt: skip
    with store.transaction() as conn:
        assert insert_usage(conn, [training, hour]) == 2
    with store.transaction() as conn:
        assert insert_usage(conn, [training]) == 0  # once per job, however often written
        rows = {r.request_id: r for r in ledger_rows(conn)}
        rollups = {(r.deployment, r.meter): r.quantity for r in rollup_rows(conn)}
    assert rows["ft-job1"].training_tokens == 798 and rows["host-d1-0"].hosting_hours == 1
    assert rollups == {
        ("ftjob-1", "fine-tuning-training-tokens"): 798,
        ("dep-one", "fine-tuned-hosting-hours"): 1,
    }
