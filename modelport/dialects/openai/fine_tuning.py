"""The OpenAI files and fine-tuning wire format: request schemas and the objects rendered back.

What ``openai.OpenAI().files`` and ``.fine_tuning.jobs`` send and parse. LoRA settings ride in
the job's ``method`` (``{"type": "supervised", "supervised": {"hyperparameters": {...},
"lora": {"rank": 8, "alpha": 16, "target_modules": [...]}}}``; ``"type": "lora"`` is accepted as
the same thing), since LoRA is how Modelport does supervised fine-tuning.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from modelport.domain.fine_tuning import (
    FineTuningJob,
    JobCheckpoint,
    JobEvent,
    JobStatus,
    TrainingFile,
)

Auto = Literal["auto"]


class LoraIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rank: int = Field(8, ge=1, le=256)
    alpha: float | None = Field(None, gt=0, le=4096)
    dropout: float = Field(0.0, ge=0, lt=1)
    target_modules: list[str] | None = Field(None, min_length=1, max_length=64)


class HyperparametersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n_epochs: int | Auto = "auto"
    batch_size: int | Auto = "auto"
    learning_rate_multiplier: float | Auto = "auto"
    learning_rate: float | None = Field(None, gt=0, le=1)
    checkpoint_steps: int | None = Field(None, ge=0, le=1_000_000)


class MethodBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hyperparameters: HyperparametersIn | None = None
    lora: LoraIn | None = None


class MethodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["supervised", "lora"] = "supervised"
    supervised: MethodBody | None = None
    lora: MethodBody | None = None

    def body(self) -> MethodBody:
        return (self.supervised if self.type == "supervised" else self.lora) or MethodBody()


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str = Field(min_length=1, max_length=255)
    training_file: str = Field(min_length=1, max_length=64)
    validation_file: str | None = Field(None, max_length=64)
    hyperparameters: HyperparametersIn | None = None  # the older, top-level place
    method: MethodIn | None = None
    seed: int | None = Field(None, ge=0, le=2_147_483_647)
    suffix: str | None = None
    integrations: list[dict[str, Any]] | None = Field(None, max_length=0)
    metadata: dict[str, str] | None = Field(None, max_length=16)


def _ts(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def file_object(file: TrainingFile) -> dict[str, Any]:
    return {
        "object": "file",
        "id": file.id,
        "bytes": file.bytes,
        "created_at": _ts(file.created_at),
        "filename": file.filename,
        "purpose": file.purpose,
        "status": "processed",
        "status_details": None,
        "examples": file.examples,
    }


def job_object(job: FineTuningJob, project: str, worker: dict[str, Any] | None) -> dict[str, Any]:
    hp = job.hyperparameters
    hyperparameters = {
        "n_epochs": hp.n_epochs,
        "batch_size": hp.batch_size,
        "learning_rate_multiplier": round(hp.learning_rate_multiplier, 6),
    }
    lora = {
        "rank": hp.lora_rank,
        "alpha": hp.lora_alpha,
        "dropout": hp.lora_dropout,
        "target_modules": list(hp.target_modules),
    }
    error = (
        {"code": job.error.code, "message": job.error.message, "param": job.error.param}
        if job.error
        else None
    )
    return {
        "object": "fine_tuning.job",
        "id": job.id,
        "model": job.base_offer_id,
        "created_at": _ts(job.created_at),
        "finished_at": _ts(job.finished_at),
        "fine_tuned_model": job.fine_tuned_model if job.succeeded else None,
        "organization_id": job.project_id,
        "project": project,
        "result_files": [],
        "status": job.status.value,
        "validation_file": job.validation_file,
        "training_file": job.training_file,
        "hyperparameters": hyperparameters,
        "method": {
            "type": "supervised",
            "supervised": {
                "hyperparameters": {**hyperparameters, "learning_rate": hp.learning_rate},
                "lora": lora,
            },
        },
        "trained_tokens": job.trained_tokens if job.status.terminal else None,
        "error": error,
        "seed": job.seed,
        "suffix": job.suffix,
        "user_provided_suffix": job.suffix,
        "estimated_finish": None,
        "integrations": [],
        "metadata": job.metadata or None,
        # Modelport's own, beside OpenAI's fields: where a running job is.
        "progress": {
            "step": job.step,
            "total_steps": job.total_steps,
            "trained_tokens": job.trained_tokens,
            "total_tokens": job.total_tokens,
        },
        "billed_tokens": job.billed_tokens,
        "worker": worker,
    }


def event_object(event: JobEvent) -> dict[str, Any]:
    return {
        "object": "fine_tuning.job.event",
        "id": event.id,
        "created_at": _ts(event.created_at),
        "level": event.level,
        "message": event.message,
        "data": event.data or None,
        "type": event.type,
    }


def checkpoint_object(checkpoint: JobCheckpoint, job: FineTuningJob) -> dict[str, Any]:
    metrics = {
        k: checkpoint.metrics[k]
        for k in ("step", "train_loss", "valid_loss", "trained_tokens", "epoch")
        if k in checkpoint.metrics
    }
    return {
        "object": "fine_tuning.job.checkpoint",
        "id": checkpoint.id,
        "created_at": _ts(checkpoint.created_at),
        "fine_tuned_model_checkpoint": f"{job.fine_tuned_model}:ckpt-step-{checkpoint.step}",
        "fine_tuning_job_id": job.id,
        "step_number": checkpoint.step,
        "metrics": metrics,
    }


def page(data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": data,
        "has_more": has_more,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }


TERMINAL = frozenset(s.value for s in JobStatus if s.terminal)
