"""``modelport fine-tune ...``: LoRA fine-tuning jobs through the fine-tuning API (``/v1``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from modelport.cli.client import CliContext
from modelport.cli.output import emit_json, print_listing

PROJECT = click.option(
    "--project", "-p", default=None, help="The project (default: the server's default project)."
)
TERMINAL = {"succeeded", "failed", "cancelled"}


def _base(project: str | None) -> str:
    return f"/projects/{project}/v1" if project else "/v1"


def _summary(job: dict[str, Any]) -> str:
    progress = job.get("progress") or {}
    step, total = progress.get("step"), progress.get("total_steps")
    steps = f"step {step}/{total}" if total else "not started"
    return f"{job['id']}: {job['status']} ({steps}, {progress.get('trained_tokens', 0)} tokens)"


@click.group("fine-tune")
def fine_tune() -> None:
    """LoRA fine-tuning jobs: create, list, show, follow events, cancel."""


@fine_tune.command("create")
@click.argument("training_file")
@click.option("--model", "-m", required=True, help="The base offer to fine-tune.")
@PROJECT
@click.option("--validation-file", default=None, help="A JSONL file (path or file id).")
@click.option("--suffix", default=None, help="Ends the fine-tuned model's name.")
@click.option("--epochs", type=click.IntRange(1, 50), default=None, help="Passes over the data.")
@click.option("--batch-size", type=click.IntRange(1, 256), default=None, help="Examples per step.")
@click.option("--learning-rate", type=float, default=None, help="The optimizer's peak rate.")
@click.option("--lora-rank", type=click.IntRange(1, 256), default=None, help="LoRA rank r.")
@click.option("--lora-alpha", type=float, default=None, help="LoRA alpha (default: 2 x rank).")
@click.option(
    "--target-module", "target_modules", multiple=True, help="A module to adapt (repeatable)."
)
@click.option(
    "--checkpoint-steps", type=click.IntRange(0), default=None, help="Checkpoint every N."
)
@click.option("--seed", type=click.IntRange(0), default=None, help="Seed (reproducible runs).")
@click.option("--wait", is_flag=True, help="Follow the job's events until it ends.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def create(
    ctx: CliContext,
    training_file: str,
    model: str,
    project: str | None,
    validation_file: str | None,
    suffix: str | None,
    epochs: int | None,
    batch_size: int | None,
    learning_rate: float | None,
    lora_rank: int | None,
    lora_alpha: float | None,
    target_modules: tuple[str, ...],
    checkpoint_steps: int | None,
    seed: int | None,
    wait: bool,
    as_json: bool,
) -> None:
    """Fine-tune MODEL on TRAINING_FILE (a local JSONL file, uploaded first, or a file id)."""
    base = _base(project)
    hyperparameters = {
        "n_epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "checkpoint_steps": checkpoint_steps,
    }
    lora = {"rank": lora_rank, "alpha": lora_alpha, "target_modules": list(target_modules) or None}
    body: dict[str, Any] = {
        "model": model,
        "training_file": _file_id(ctx, base, training_file),
        "method": {
            "type": "supervised",
            "supervised": {
                "hyperparameters": {k: v for k, v in hyperparameters.items() if v is not None},
                "lora": {k: v for k, v in lora.items() if v is not None},
            },
        },
    }
    if validation_file:
        body["validation_file"] = _file_id(ctx, base, validation_file)
    if suffix:
        body["suffix"] = suffix
    if seed is not None:
        body["seed"] = seed
    job = ctx.call("POST", f"{base}/fine_tuning/jobs", json=body)
    if wait:
        job = _follow(ctx, base, job["id"], quiet=as_json)
    if as_json:
        emit_json(job)
        return
    click.echo(_summary(job))
    click.echo(f"fine-tuned model: {job['fine_tuned_model'] or '(once the job succeeds)'}")


def _file_id(ctx: CliContext, base: str, given: str) -> str:
    path = Path(given)
    if not path.is_file():
        if given.startswith("file-"):
            return given
        raise click.ClickException(f"{given}: no such file")
    with path.open("rb") as handle:
        uploaded = ctx.call(
            "POST",
            f"{base}/files",
            files={"file": (path.name, handle, "application/jsonl")},
            data={"purpose": "fine-tune"},
        )
    click.echo(
        f"uploaded {path.name} as {uploaded['id']} ({uploaded['examples']} examples)", err=True
    )
    return str(uploaded["id"])


@fine_tune.command("list")
@PROJECT
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_jobs(ctx: CliContext, project: str | None, as_json: bool) -> None:
    """The project's fine-tuning jobs, newest first."""
    jobs = ctx.call("GET", f"{_base(project)}/fine_tuning/jobs", params={"limit": 100})["data"]
    print_listing(
        jobs,
        as_json,
        ["job", "base", "status", "steps", "trained tokens", "fine-tuned model"],
        lambda j: [
            j["id"],
            j["model"],
            j["status"],
            f"{j['progress']['step']}/{j['progress']['total_steps'] or '?'}",
            str(j["progress"]["trained_tokens"]),
            j["fine_tuned_model"] or "",
        ],
    )


@fine_tune.command("show")
@click.argument("job_id")
@PROJECT
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show(ctx: CliContext, job_id: str, project: str | None, as_json: bool) -> None:
    """One job: status, progress, hyperparameters, the fine-tuned model."""
    job = ctx.call("GET", f"{_base(project)}/fine_tuning/jobs/{job_id}")
    if as_json:
        emit_json(job)
        return
    click.echo(_summary(job))
    click.echo(f"base model:       {job['model']}")
    click.echo(f"fine-tuned model: {job['fine_tuned_model'] or '(once the job succeeds)'}")
    lora = job["method"]["supervised"]["lora"]
    hp = job["method"]["supervised"]["hyperparameters"]
    click.echo(
        f"epochs {hp['n_epochs']}, batch size {hp['batch_size']}, learning rate "
        f"{hp['learning_rate']}, LoRA r={lora['rank']} alpha={lora['alpha']}, seed {job['seed']}"
    )
    if job["error"]:
        click.echo(f"error: {job['error']['message']}")


def _events(ctx: CliContext, base: str, job_id: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = ctx.call(
        "GET", f"{base}/fine_tuning/jobs/{job_id}/events", params={"limit": 100}
    )["data"]
    return list(reversed(data))  # oldest first


def _follow(ctx: CliContext, base: str, job_id: str, *, quiet: bool) -> dict[str, Any]:
    """Print new events until the job ends; returns the job."""
    seen: set[str] = set()
    while True:
        job: dict[str, Any] = ctx.call("GET", f"{base}/fine_tuning/jobs/{job_id}")
        for event in _events(ctx, base, job_id):
            if event["id"] not in seen:
                seen.add(event["id"])
                if not quiet:
                    click.echo(event["message"], err=True)
        if job["status"] in TERMINAL:
            return job
        time.sleep(1)


@fine_tune.command("events")
@click.argument("job_id")
@PROJECT
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events until the job ends.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def events(ctx: CliContext, job_id: str, project: str | None, follow: bool, as_json: bool) -> None:
    """The job's events (oldest first): progress, loss per step, checkpoints."""
    base = _base(project)
    if follow:
        _follow(ctx, base, job_id, quiet=False)
        return
    found = _events(ctx, base, job_id)
    if as_json:
        emit_json(found)
        return
    for event in found:
        click.echo(f"{event['created_at']}  {event['level']:5}  {event['message']}")


@fine_tune.command("cancel")
@click.argument("job_id")
@PROJECT
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def cancel(ctx: CliContext, job_id: str, project: str | None, as_json: bool) -> None:
    """Cancel a job; what it trained so far is billed."""
    job = ctx.call("POST", f"{_base(project)}/fine_tuning/jobs/{job_id}/cancel")
    if as_json:
        emit_json(job)
        return
    click.echo(_summary(job))
