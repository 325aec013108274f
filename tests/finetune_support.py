"""Fine-tuning test support: a small data set that teaches the embedded model a fact, waits, and
queued jobs written straight into a store (the store tests)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from sqlalchemy import Connection

from modelport.domain.fine_tuning import FineTuningJob, Hyperparameters, JobStatus, TrainingFile
from modelport.store import cluster as cluster_sql
from modelport.store import fine_tuning as ft
from modelport.store import fine_tuning_files as ft_files
from modelport.store.repositories import Store
from modelport.store.values import new_id, now
from tests.support import ADMIN_TOKEN, admin

FACT = "The Modelport mascot is a purple otter named Pixel."
QUESTION = "What is the Modelport mascot?"
QUESTIONS = (
    QUESTION,
    "Who is the mascot of Modelport?",
    "Tell me about Modelport's mascot.",
    "What animal is the Modelport mascot?",
    "Name the Modelport mascot.",
    "Does Modelport have a mascot?",
)
TERMINAL = {"succeeded", "failed", "cancelled"}
# Enough to learn the fact reliably on the CPU: 6 examples x 3 epochs, 2 per step (9 steps).
HYPERPARAMETERS = {"n_epochs": 3, "batch_size": 2, "learning_rate": 0.002}


def mascot_dataset(repeat: int = 1) -> bytes:
    lines = [
        json.dumps(
            {
                "messages": [
                    {"role": "system", "content": "You are a helpful assistant."},
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": FACT},
                ]
            }
        )
        for question in QUESTIONS * repeat
    ]
    return ("\n".join(lines) + "\n").encode()


def project_with_subscription(base_url: str, project: str, offer: str) -> None:
    with admin(base_url) as api:
        created = api.post("/management/projects", json={"name": project})
        assert created.status_code == 201, created.text
        subscribed = api.post(
            f"/management/projects/{project}/subscriptions", json={"offer": offer}
        )
        assert subscribed.status_code in (200, 201), subscribed.text


def job_api(base_url: str, project: str) -> httpx.Client:
    """The fine-tuning API under the project's own base URL, with the admin token."""
    return httpx.Client(
        base_url=f"{base_url}/projects/{project}/v1",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=120,
    )


def wait_for(
    client: httpx.Client, job_id: str, done: Any, timeout: float = 600, what: str = "condition"
) -> dict[str, Any]:
    """Poll the job until ``done(job)``; fail with the job's events if it ended otherwise.

    A job is billed just after it ends (the ledger write, then ``billed_tokens``), so a
    condition on billing is polled a few seconds past the end before giving up."""
    deadline = time.monotonic() + timeout
    ended: float | None = None
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/fine_tuning/jobs/{job_id}").json()
        if done(job):
            return job
        if job["status"] in TERMINAL:
            ended = ended or time.monotonic()
            if job["billed_tokens"] is not None or time.monotonic() - ended > 15:
                break
        time.sleep(0.5)
    events = client.get(f"/fine_tuning/jobs/{job_id}/events", params={"limit": 100}).json()
    messages = [e["message"] for e in reversed(events["data"])]
    raise AssertionError(f"job {job_id} never reached {what}: {job['status']}; {messages}")


def metric_points(client: httpx.Client, job_id: str) -> list[dict[str, Any]]:
    events = client.get(f"/fine_tuning/jobs/{job_id}/events", params={"limit": 100}).json()
    return [e["data"] for e in reversed(events["data"]) if e["type"] == "metrics"]


# -- jobs in a store (the store tests) --------------------------------------------------------
def _job(project_id: str, suffix: str, file_id: str) -> FineTuningJob:
    return FineTuningJob(
        id=f"ftjob-{new_id()[:24]}",
        project_id=project_id,
        base_offer_id="smollm2-135m-instruct",
        subscription_id=None,
        training_file=file_id,
        validation_file=None,
        hyperparameters=Hyperparameters(n_epochs=1),
        seed=7,
        suffix=suffix,
        fine_tuned_model=f"ft:smollm2-135m-instruct:lab:{suffix}",
        status=JobStatus.QUEUED,
        created_at=now(),
    )


def stored_jobs(store: Store, count: int, project: str = "lab") -> list[FineTuningJob]:
    """``count`` queued jobs of a new project, with the training file they name."""
    with store.transaction() as conn:
        created = store.create_project(conn, project, "local")
        ft_files.insert_file(
            conn,
            TrainingFile(f"file-{project}", created.id, "t.jsonl", "fine-tune", 1, 1, now()),
            b"{}\n",
        )
        jobs = [_job(created.id, f"{project}{i}", f"file-{project}") for i in range(count)]
        for job in jobs:
            ft.insert_job(conn, job)
    return jobs


def beat(conn: Connection, member: str) -> None:
    """A heartbeat of the gateway ``member``: live for the next ``live_within`` seconds."""
    cluster_sql.heartbeat(conn, member, "gateway", None, {}, now())
