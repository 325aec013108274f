"""Fine-tuning end to end: the real ``openai`` SDK against the fine-tuning API, a real training
worker (transformers + peft on the embedded SmolLM2 GGUF, dequantized), the GGUF adapter in the
real llama.cpp engine, and the ledger.

The server is this module's own (a fresh data directory), so its usage report holds only what
these tests did.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.browser import UNLABELLED_CONTROLS_JS, browser_context, screenshot, sign_in_with_token
from tests.finetune_support import (
    HYPERPARAMETERS,
    QUESTION,
    job_api,
    mascot_dataset,
    metric_points,
    project_with_subscription,
    wait_for,
)
from tests.lifecycle import on_server
from tests.support import (
    ADMIN_TOKEN,
    EMBEDDED,
    ThreadServer,
    admin,
    keys_of,
    serving,
    settings_for,
)

# Training on a shared 2-core CPU: each test gets a generous, bounded time.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

PROJECT = "ft-lab"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    data_dir: Path = tmp_path_factory.mktemp("modelport-ft")
    # Hosting hours are written by the tests (tick), not by the clock.
    with serving(settings_for(data_dir, hosting_meter_interval=3600)) as live:
        yield live


@dataclass(frozen=True)
class Trained:
    client: openai.OpenAI
    job: Any  # openai.types.fine_tuning.FineTuningJob


@pytest.fixture(scope="module")
def trained(server: ThreadServer) -> Trained:
    """A job trained through the SDK: ``OpenAI(base_url=<server>/v1, project=...)``."""
    project_with_subscription(server.base_url, PROJECT, EMBEDDED)
    client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key=ADMIN_TOKEN, project=PROJECT)
    uploaded = client.files.create(
        file=("mascot.jsonl", io.BytesIO(mascot_dataset())), purpose="fine-tune"
    )
    assert uploaded.purpose == "fine-tune" and uploaded.bytes == len(mascot_dataset())
    job = client.fine_tuning.jobs.create(
        model=EMBEDDED,
        training_file=uploaded.id,
        suffix="mascot",
        seed=7,
        method={"type": "supervised", "supervised": {"hyperparameters": HYPERPARAMETERS}},  # type: ignore[typeddict-item]
    )
    assert job.status == "queued" and job.fine_tuned_model is None
    with job_api(server.base_url, PROJECT) as api:
        wait_for(api, job.id, _succeeded_and_billed, what="succeeded and billed")
    return Trained(client, client.fine_tuning.jobs.retrieve(job.id))


def _succeeded_and_billed(job: dict[str, Any]) -> bool:
    """Ended well and on the ledger: the usage report holds its training tokens."""
    return job["status"] == "succeeded" and job["billed_tokens"] is not None


def _ask(target_url: str, key: str, model: str) -> str:
    client = openai.OpenAI(base_url=target_url, api_key=key)
    reply = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": QUESTION}],
        temperature=0,
        max_tokens=24,
    )
    return reply.choices[0].message.content or ""


def test_the_fine_tuned_deployment_states_the_fact(server: ThreadServer, trained: Trained) -> None:
    job, client = trained.job, trained.client
    assert job.status == "succeeded"
    assert job.fine_tuned_model == f"ft:{EMBEDDED}:{PROJECT}:mascot"
    assert job.trained_tokens and job.trained_tokens > 0
    # Its events: loss per step, falling.
    events = list(client.fine_tuning.jobs.list_events(job.id, limit=100))
    losses = [e.data["train_loss"] for e in reversed(events) if e.type == "metrics"]  # type: ignore[index]
    assert len(losses) == 9
    assert losses[-1] < losses[0] / 4, losses
    assert any(e.message.startswith("New fine-tuned model created") for e in events)
    checkpoints = list(client.fine_tuning.jobs.checkpoints.list(job.id))
    assert [c.step_number for c in checkpoints] == [9, 6, 3]
    assert checkpoints[0].fine_tuned_model_checkpoint == f"{job.fine_tuned_model}:ckpt-step-9"
    # The adapter in both formats the engines load.
    model_dir = server.settings.data_dir / "fine_tuning" / job.id / "model"
    assert (model_dir / "adapter.gguf").is_file()
    assert (model_dir / "adapter_model.safetensors").is_file()
    assert (model_dir / "adapter_config.json").is_file()

    # Deployed like an offer (the CLI, as the README shows): base weights + the adapter, in the
    # real llama.cpp engine.
    deployed = _cli(
        server, "deploy", job.fine_tuned_model, "--project", PROJECT, "--name", "mascot", "--json"
    )
    assert deployed.returncode == 0, deployed.stderr
    ready = json.loads(deployed.stdout)
    assert ready["state"] == "succeeded" and ready["model"] == job.fine_tuned_model
    with admin(server.base_url) as api:
        other = api.post(
            "/management/projects/default/deployments",
            json={"name": "not-mine", "offer": job.fine_tuned_model},
        )
        assert other.status_code == 404, other.text  # another project's model
    tuned = _ask(ready["target_url"], keys_of(server.base_url, "mascot")["primary"], "mascot")
    base = _ask(
        f"{server.base_url}/deployments/{EMBEDDED}", keys_of(server.base_url)["primary"], EMBEDDED
    )
    assert "Pixel" in tuned and "otter" in tuned, tuned
    assert "Pixel" not in base, base

    # Metered side by side: training tokens, fine-tuned inference, hosting; priced at the
    # embedded offer's fine-tuned rates.
    assert on_server(server, server.services.hosting.tick()) == 1
    with admin(server.base_url) as api:
        report = api.get("/management/usage", params={"by": "meter", "project": PROJECT}).json()
    meters = {row["meter"]: row for row in report["data"]}
    assert meters["fine-tuning-training-tokens"]["training_tokens"] == job.trained_tokens
    assert meters["fine-tuned-hosting-hours"]["hosting_hours"] == 1
    assert meters["fine-tuned-input-tokens"]["prompt_tokens"] > 0
    assert meters["fine-tuned-output-tokens"]["completion_tokens"] > 0
    assert Decimal(meters["fine-tuning-training-tokens"]["cost"]) == (
        Decimal("0.0004") * job.trained_tokens / 1000
    )
    assert Decimal(meters["fine-tuned-hosting-hours"]["cost"]) == Decimal("0.05")
    assert report["total"]["training_tokens"] == job.trained_tokens


def test_the_job_as_the_openai_sdk_lists_it(trained: Trained) -> None:
    client = trained.client
    jobs = list(client.fine_tuning.jobs.list(limit=10))
    assert trained.job.id in [j.id for j in jobs]
    files = list(client.files.list())
    assert [f.id for f in files] == [trained.job.training_file]
    content = client.files.content(trained.job.training_file).read()
    assert content == mascot_dataset()


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        (b'{"messages": [{"role": "user", "content": "hi"}, ', 1, "not valid JSON"),
        (
            mascot_dataset() + b'{"messages": [{"role": "bot", "content": "hi"}]}\n',
            7,
            "role is 'bot'",
        ),
        (mascot_dataset().replace(b'"assistant"', b'"user"', 1), 1, "no assistant message"),
        (b"", 1, "no training example"),
        (b"\xff\xfe not text", 1, "not UTF-8"),
    ],
    ids=["not-jsonl", "wrong-role", "no-assistant", "empty", "binary"],
)
def test_a_bad_training_file_is_refused_with_its_line_number(
    server: ThreadServer, trained: Trained, content: bytes, line: int, reason: str
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        trained.client.files.create(file=("bad.jsonl", io.BytesIO(content)), purpose="fine-tune")
    error = refused.value.body
    assert isinstance(error, dict)
    assert error["code"] == "invalid_training_file" and error["param"] == "file"
    assert f"line {line}: " in error["message"] and reason in error["message"]
    assert error["errors"][0]["line"] == line
    assert [f.id for f in trained.client.files.list()] == [trained.job.training_file]


def test_job_parameters_are_checked_before_a_job_exists(
    server: ThreadServer, trained: Trained
) -> None:
    client = trained.client
    file_id = trained.job.training_file
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.create(model=EMBEDDED, training_file="file-nope")
    with pytest.raises(openai.BadRequestError) as bad_epochs:
        client.fine_tuning.jobs.create(
            model=EMBEDDED, training_file=file_id, hyperparameters={"n_epochs": 0}
        )
    assert "n_epochs" in str(bad_epochs.value)
    with pytest.raises(openai.ConflictError):  # the model name ft:...:mascot is taken
        client.fine_tuning.jobs.create(model=EMBEDDED, training_file=file_id, suffix="mascot")
    unauthorised = httpx.get(f"{server.base_url}/v1/fine_tuning/jobs")
    assert unauthorised.status_code == 401 and unauthorised.json()["error"]["message"]
    assert len(list(client.fine_tuning.jobs.list())) == 1


def test_cancel_mid_job_bills_the_part_trained(server: ThreadServer, trained: Trained) -> None:
    with job_api(server.base_url, PROJECT) as api:
        uploaded = api.post(
            "/files",
            files={"file": ("long.jsonl", mascot_dataset(repeat=2))},
            data={"purpose": "fine-tune"},
        ).json()
        created = api.post(
            "/fine_tuning/jobs",
            json={
                "model": EMBEDDED,
                "training_file": uploaded["id"],
                "suffix": "cancelled",
                "hyperparameters": {"n_epochs": 5, "batch_size": 2},
            },
        )
        assert created.status_code == 200, created.text
        job_id = created.json()["id"]
        wait_for(api, job_id, lambda j: j["progress"]["step"] >= 2, what="step 2")
        cancelled = api.post(f"/fine_tuning/jobs/{job_id}/cancel").json()
        assert cancelled["status"] == "cancelled"
        progress = cancelled["progress"]
        assert 0 < cancelled["trained_tokens"] < progress["total_tokens"]
        assert cancelled["trained_tokens"] == progress["trained_tokens"]
        assert cancelled["fine_tuned_model"] is None
        assert cancelled["billed_tokens"] == cancelled["trained_tokens"]
        steps = [p["step"] for p in metric_points(api, job_id)]
        assert steps == list(range(1, progress["step"] + 1)) and progress["step"] < 30
        again = api.post(f"/fine_tuning/jobs/{job_id}/cancel")
        assert again.status_code == 409
    with admin(server.base_url) as admin_api:
        report = admin_api.get("/management/usage", params={"by": "deployment"}).json()
    (row,) = [r for r in report["data"] if r["deployment"] == job_id]
    assert row["training_tokens"] == cancelled["trained_tokens"]


def test_a_killed_worker_resumes_from_its_checkpoint(
    server: ThreadServer, trained: Trained
) -> None:
    with job_api(server.base_url, PROJECT) as api:
        created = api.post(
            "/fine_tuning/jobs",
            json={
                "model": EMBEDDED,
                "training_file": trained.job.training_file,
                "suffix": "resumed",
                "seed": 11,
                "method": {
                    "type": "lora",
                    "lora": {
                        "hyperparameters": {"n_epochs": 2, "batch_size": 1, "checkpoint_steps": 2},
                        "lora": {"rank": 4, "target_modules": ["q_proj", "v_proj"]},
                    },
                },
            },
        ).json()
        job_id = created["id"]
        running = wait_for(
            api,
            job_id,
            lambda j: j["progress"]["step"] >= 3 and j["worker"] and j["worker"]["pid"],
            what="step 3",
        )
        os.kill(running["worker"]["pid"], signal.SIGKILL)
        done = wait_for(api, job_id, _succeeded_and_billed, what="succeeded and billed")
        events = api.get(f"/fine_tuning/jobs/{job_id}/events", params={"limit": 100}).json()
        messages = [e["message"] for e in events["data"]]
        assert any("restarting it from the last checkpoint" in m for m in messages), messages
        resumed = [m for m in messages if m.startswith("Resumed from the checkpoint at step")]
        assert resumed and int(resumed[0].rsplit(" ", 1)[1]) >= 2, messages
        # The steps redone after the checkpoint are not counted twice.
        assert done["trained_tokens"] == done["progress"]["total_tokens"]
        assert done["method"]["supervised"]["lora"]["rank"] == 4
    with admin(server.base_url) as admin_api:
        report = admin_api.get("/management/usage", params={"by": "deployment"}).json()
    (row,) = [r for r in report["data"] if r["deployment"] == job_id]
    assert row["training_tokens"] == done["trained_tokens"]


def _cli(server: ThreadServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        {
            "MODELPORT_DATA_DIR": str(server.settings.data_dir),
            "MODELPORT_PORT": str(server.settings.port),
            "MODELPORT_ADMIN_TOKEN": ADMIN_TOKEN,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "modelport", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_cli_creates_shows_follows_and_cancels_a_job(
    server: ThreadServer, trained: Trained, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(mascot_dataset() + b"{oops\n")
    refused = _cli(server, "fine-tune", "create", str(bad), "-m", EMBEDDED, "-p", PROJECT)
    assert refused.returncode != 0 and "400: " in refused.stderr and "line 7: " in refused.stderr
    data = tmp_path / "train.jsonl"
    data.write_bytes(mascot_dataset())
    created = _cli(
        server, "fine-tune", "create", str(data), "--model", EMBEDDED, "--project", PROJECT,
        "--suffix", "cli", "--epochs", "20", "--lora-rank", "2", "--target-module", "q_proj",
        "--json",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "uploaded train.jsonl as file-" in created.stderr
    job = json.loads(created.stdout)
    assert job["fine_tuned_model"] is None and job["model"] == EMBEDDED
    listed = _cli(server, "fine-tune", "list", "--project", PROJECT)
    assert job["id"] in listed.stdout and trained.job.id in listed.stdout
    shown = _cli(server, "fine-tune", "show", job["id"], "--project", PROJECT)
    assert "epochs 20" in shown.stdout and "LoRA r=2 alpha=4.0" in shown.stdout
    cancelled = _cli(server, "fine-tune", "cancel", job["id"], "-p", PROJECT, "--json")
    assert cancelled.returncode == 0, cancelled.stderr
    assert json.loads(cancelled.stdout)["status"] == "cancelled"
    events = _cli(server, "fine-tune", "events", job["id"], "--project", PROJECT)
    assert "Fine-tuning job created; queued" in events.stdout
    assert "cancelled" in events.stdout.splitlines()[-1]
    followed = _cli(server, "fine-tune", "events", job["id"], "-p", PROJECT, "--follow")
    assert followed.returncode == 0 and "queued" in followed.stderr  # an ended job: at once


def test_the_portal_shows_the_job_and_its_loss_chart(
    server: ThreadServer, trained: Trained, tmp_path: Path
) -> None:
    job = trained.job
    with browser_context(tmp_path / "profile", server.base_url) as context:
        page = context.new_page()  # type: ignore[attr-defined]
        page.set_default_timeout(30_000)
        sign_in_with_token(page, "/portal/fine-tuning")
        page.get_by_label("Project", exact=True).select_option(PROJECT)
        row = page.locator(f'tr[data-job="{job.id}"]')
        row.wait_for()
        assert "succeeded" in row.inner_text() and job.fine_tuned_model in row.inner_text()
        assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
        screenshot(page, "12-fine-tuning-jobs")
        row.get_by_role("link").click()
        page.wait_for_url(f"**/portal/fine-tuning/{PROJECT}/{job.id}")
        page.locator("#loss-chart circle.dot").first.wait_for()
        points = page.eval_on_selector_all(
            "#loss-chart circle.dot",
            "cs => cs.map(c => [Number(c.dataset.x), Number(c.dataset.y)])",
        )
        assert [x for x, _ in points] == list(range(1, 10))
        assert points[-1][1] < points[0][1] / 4
        assert "succeeded" in page.locator("#job-status").inner_text()
        assert page.locator("#deploy-form").is_visible()
        assert page.locator("#checkpoints tbody tr").count() == 3
        assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
        screenshot(page, "13-fine-tuning-job")
