"""Fine-tuning with two gateways on one PostgreSQL, each with a data dir of its own (as on two
machines): gateway A (``modelport serve``) trains a job; gateway B (``modelport up``: its
controller runs the engines) never had the adapter on its disk, deploys the fine-tuned model
from the files the job stored in the database, and answers with it through the real llama.cpp
engine; a job running on A is cancelled through B; a job whose gateway is killed is cancelled
through B at once, or, left alone, taken over by B while B keeps running: B resumes it from the
checkpoint stored in the database, finishes it, serves the model and bills each step once."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cluster_support import Cluster, Member, chat, cluster, wait_replicas
from tests.finetune_support import (
    HYPERPARAMETERS,
    QUESTION,
    job_api,
    mascot_dataset,
    metric_points,
    project_with_subscription,
    wait_for,
)
from tests.postgres import PostgresServer
from tests.support import EMBEDDED, admin, keys_of

Gateways = tuple[Member, Member, Cluster]

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

PROJECT = "ft-shared"


@pytest.fixture(scope="module")
def gateways(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Iterator[Gateways]:
    root = tmp_path_factory.mktemp("ft-scale-out")
    with (
        postgres_server.database() as url,
        cluster(root, url, MODELPORT_EMBEDDED_DEFAULT="false") as found,
    ):
        a = found.start("gateway")
        b = found.start("up")
        project_with_subscription(a.base_url, PROJECT, EMBEDDED)
        yield a, b, found


def _create(a: Member, dataset: bytes, suffix: str, hyperparameters: dict[str, Any]) -> str:
    with job_api(a.base_url, PROJECT) as api:
        uploaded = api.post(
            "/files", files={"file": (f"{suffix}.jsonl", dataset)}, data={"purpose": "fine-tune"}
        )
        assert uploaded.status_code == 200, uploaded.text
        created = api.post(
            "/fine_tuning/jobs",
            json={
                "model": EMBEDDED,
                "training_file": uploaded.json()["id"],
                "suffix": suffix,
                "seed": 7,
                "hyperparameters": hyperparameters,
            },
        )
        assert created.status_code == 200, created.text
        job_id: str = created.json()["id"]
        return job_id


def _model_dir(member: Member, job_id: str) -> Path:
    return member.data_dir / "fine_tuning" / job_id / "model"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_model_trained_on_one_gateway_is_served_by_the_other(
    gateways: Gateways,
) -> None:
    a, b, _ = gateways
    job_id = _create(a, mascot_dataset(), "shared", HYPERPARAMETERS)
    with job_api(b.base_url, PROJECT) as api:  # the job, as every gateway sees it
        job = wait_for(api, job_id, lambda j: j["status"] == "succeeded", what="succeeded")
        events = api.get(f"/fine_tuning/jobs/{job_id}/events", params={"limit": 100}).json()
    stored = [e for e in events["data"] if e["message"].startswith("Model files stored")]
    assert stored, [e["message"] for e in events["data"]]
    trained = _model_dir(a, job_id)
    sizes = {p.name: p.stat().st_size for p in trained.iterdir()}
    print(f"\nmodel files of {job_id}: {sizes}")
    assert stored[0]["data"]["files"]["adapter.gguf"] == _sha(trained / "adapter.gguf")
    assert not (b.data_dir / "fine_tuning" / job_id).exists()

    with admin(b.base_url) as api:
        created = api.post(
            f"/management/projects/{PROJECT}/deployments",
            json={"name": "shared", "offer": job["fine_tuned_model"]},
        )
        assert created.status_code in (200, 201, 202), created.text
    wait_replicas(b.base_url, "shared", 1)
    # B's controller started the engine with the adapter written from the database.
    here = _model_dir(b, job_id) / "adapter.gguf"
    assert _sha(here) == _sha(trained / "adapter.gguf")
    assert sorted(p.name for p in here.parent.iterdir()) == sorted(sizes)  # no temp files
    key = keys_of(b.base_url, "shared")["primary"]
    for gateway in (b, a):  # A routes to B's replica
        reply = chat(gateway.base_url, "shared", key, QUESTION, max_tokens=24, temperature=0)
        assert reply.status_code == 200, reply.text
        text = reply.json()["choices"][0]["message"]["content"]
        assert "Pixel" in text and "otter" in text, text


def test_a_job_running_on_one_gateway_is_cancelled_through_the_other(
    gateways: Gateways,
) -> None:
    a, b, _ = gateways
    job_id = _create(a, mascot_dataset(repeat=2), "stopped", {"n_epochs": 5, "batch_size": 2})
    with job_api(b.base_url, PROJECT) as api:
        wait_for(api, job_id, lambda j: j["progress"]["step"] >= 1, what="step 1")
        started = time.monotonic()
        response = api.post(f"/fine_tuning/jobs/{job_id}/cancel")
        took = time.monotonic() - started
        assert response.status_code == 200, response.text
        cancelled = response.json()
        assert cancelled["status"] == "cancelled", cancelled
        progress = cancelled["progress"]
        assert 0 < cancelled["trained_tokens"] < progress["total_tokens"]
        assert cancelled["billed_tokens"] == cancelled["trained_tokens"]
        steps = [p["step"] for p in metric_points(api, job_id)]
        assert steps == list(range(1, progress["step"] + 1)) and progress["step"] < 30
        events = api.get(f"/fine_tuning/jobs/{job_id}/events", params={"limit": 100}).json()
        messages = [e["message"] for e in reversed(events["data"])]
        assert any(m.startswith("Cancel requested") for m in messages), messages
        assert api.post(f"/fine_tuning/jobs/{job_id}/cancel").status_code == 409
    print(f"\ncancel through the other gateway answered in {took:.1f} s")
    # A's worker is gone: the job's directory holds no model, and A's API agrees.
    assert not _model_dir(a, job_id).exists()
    with job_api(a.base_url, PROJECT) as api:
        assert api.get(f"/fine_tuning/jobs/{job_id}").json()["status"] == "cancelled"


def test_a_job_whose_gateway_is_gone_is_cancelled_through_the_other_at_once(
    gateways: Gateways,
) -> None:
    """Gateway A is killed (as a lost machine) while its job trains; the cancel through B
    arrives before B would take the job over."""
    a, b, _ = gateways
    job_id = _create(a, mascot_dataset(repeat=2), "orphan", {"n_epochs": 5, "batch_size": 2})
    with job_api(b.base_url, PROJECT) as api:
        running = wait_for(api, job_id, lambda j: j["progress"]["step"] >= 1, what="step 1")
        a.kill()
        started = time.monotonic()
        response = api.post(f"/fine_tuning/jobs/{job_id}/cancel")
        took = time.monotonic() - started
        assert response.status_code == 200, response.text
        cancelled = response.json()
        assert cancelled["status"] == "cancelled", cancelled
        # The tokens of the last step A reported, billed.
        assert cancelled["trained_tokens"] >= running["progress"]["trained_tokens"] > 0
        assert cancelled["trained_tokens"] == cancelled["progress"]["trained_tokens"]
        assert cancelled["billed_tokens"] == cancelled["trained_tokens"]
        events = api.get(f"/fine_tuning/jobs/{job_id}/events", params={"limit": 100}).json()
        assert events["data"][0]["message"].endswith("the gateway that ran it is gone")
    print(f"\ncancel of a job whose gateway is gone answered in {took:.1f} s")
    assert took < 20


def _events(api: Any, job_id: str) -> list[dict[str, Any]]:
    """The job's events, oldest first."""
    found = api.get(f"/fine_tuning/jobs/{job_id}/events", params={"limit": 100}).json()
    events: list[dict[str, Any]] = list(reversed(found["data"]))
    return events


def _member(gateway: Member) -> str:
    health = httpx.get(f"{gateway.base_url}/healthz?detail=1", timeout=5).json()
    member: str = health["member"]
    return member


def test_a_job_whose_gateway_is_killed_is_taken_over_by_a_running_gateway(
    gateways: Gateways,
) -> None:
    """Last in this module: a third gateway C trains a job and is killed (as a lost machine)
    after a checkpoint; B, running all along, takes the job over without a restart."""
    a, b, found = gateways
    if a.alive():  # killed by the test before when the module runs whole: B takes the job
        a.stop()
    c = found.start("gateway")
    gone, adopter = _member(c), _member(b)
    job_id = _create(c, mascot_dataset(), "adopted", HYPERPARAMETERS)  # 9 steps, 3 per epoch
    with job_api(b.base_url, PROJECT) as api:
        wait_for(
            api,
            job_id,
            lambda j: any(
                e["message"].startswith("Checkpoint saved") for e in _events(api, job_id)
            ),
            what="a checkpoint",
        )
        c.kill()
        killed = time.monotonic()
        took_over = None
        while took_over is None and time.monotonic() - killed < 60:
            took_over = next(
                (e for e in _events(api, job_id) if e["message"].startswith("Taken over")), None
            )
            time.sleep(0.2)
        adopt_s = time.monotonic() - killed
        assert took_over is not None, [e["message"] for e in _events(api, job_id)]
        # Billed just after it is marked succeeded (the ledger write, then billed_tokens).
        done = wait_for(
            api,
            job_id,
            lambda j: j["status"] == "succeeded" and j["billed_tokens"] is not None,
            what="succeeded and billed",
        )
        events = _events(api, job_id)
    messages = [e["message"] for e in events]
    assert took_over["data"]["from"] == gone and took_over["data"]["to"] == adopter, took_over
    assert gone in took_over["message"] and adopter in took_over["message"]
    stored = [e for e in events if e["message"].startswith("Checkpoint saved")]
    checkpoint_bytes = stored[0]["data"]["bytes"]
    assert checkpoint_bytes > 0, stored
    restored = [m for m in messages if "was written here from the database" in m]
    resumed = [m for m in messages if m.startswith("Resumed from the checkpoint at step")]
    assert restored and resumed, messages
    step = int(resumed[-1].rsplit(" ", 1)[1])
    assert step >= 3 and re.search(rf"at step {step} was written here", restored[-1]), messages
    # B trained the rest on its own disk; C's steps after the checkpoint were trained again.
    assert (_model_dir(b, job_id) / "adapter.gguf").is_file()
    steps = [p["step"] for p in (e["data"] for e in events if e["type"] == "metrics")]
    assert steps[-(9 - step) :] == list(range(step + 1, 10)), steps
    # Each step billed once: the trained tokens are the job's tokens, not more.
    assert done["trained_tokens"] == done["progress"]["total_tokens"]
    assert done["billed_tokens"] == done["trained_tokens"]
    with admin(b.base_url) as api:
        report = api.get("/management/usage", params={"by": "deployment"}).json()
    (row,) = [r for r in report["data"] if r["deployment"] == job_id]
    assert row["training_tokens"] == done["trained_tokens"]
    print(
        f"\njob of a killed gateway taken over {adopt_s:.1f} s after the kill, resumed from "
        f"step {step}; checkpoint: {checkpoint_bytes} bytes in the database"
    )

    with admin(b.base_url) as api:
        created = api.post(
            f"/management/projects/{PROJECT}/deployments",
            json={"name": "adopted", "offer": done["fine_tuned_model"]},
        )
        assert created.status_code in (200, 201, 202), created.text
    wait_replicas(b.base_url, "adopted", 1)
    key = keys_of(b.base_url, "adopted")["primary"]
    reply = chat(b.base_url, "adopted", key, QUESTION, max_tokens=24, temperature=0)
    assert reply.status_code == 200, reply.text
    text = reply.json()["choices"][0]["message"]["content"]
    assert "Pixel" in text and "otter" in text, text
