"""Fine-tuning: training files, jobs, their events and checkpoints, and fine-tuned model names.

A project uploads a training file (JSONL, chat format), creates a job that trains a LoRA adapter
on a base offer it is subscribed to, and gets a fine-tuned model ``ft:<base>:<project>:<suffix>``
that it can deploy like an offer (base weights + the adapter). Pure types and rules only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from modelport.errors import InvalidRequest

FILE_PURPOSE = "fine-tune"
FT_PREFIX = "ft:"
DEFAULT_TARGET_MODULES = (
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
)
BASE_LEARNING_RATE = 2e-4  # learning_rate_multiplier 1.0 (LoRA's usual rate)


class JobStatus(StrEnum):
    VALIDATING_FILES = "validating_files"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class TrainingFile:
    id: str
    project_id: str
    filename: str
    purpose: str
    bytes: int
    examples: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Hyperparameters:
    n_epochs: int = 3
    batch_size: int = 1
    learning_rate: float = BASE_LEARNING_RATE
    lora_rank: int = 8
    lora_alpha: float = 16.0
    lora_dropout: float = 0.0
    target_modules: tuple[str, ...] = DEFAULT_TARGET_MODULES
    checkpoint_steps: int = 0  # 0: a checkpoint at the end of each epoch only

    @property
    def learning_rate_multiplier(self) -> float:
        return self.learning_rate / BASE_LEARNING_RATE

    def as_json(self) -> dict[str, Any]:
        return {
            "n_epochs": self.n_epochs,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "lora_rank": self.lora_rank,
            "lora_alpha": self.lora_alpha,
            "lora_dropout": self.lora_dropout,
            "target_modules": list(self.target_modules),
            "checkpoint_steps": self.checkpoint_steps,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Hyperparameters:
        values = dict(data)
        values["target_modules"] = tuple(values.get("target_modules", DEFAULT_TARGET_MODULES))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class JobError:
    code: str
    message: str
    param: str | None = None


@dataclass(frozen=True, slots=True)
class FineTuningJob:
    id: str
    project_id: str
    base_offer_id: str
    subscription_id: str | None
    training_file: str
    validation_file: str | None
    hyperparameters: Hyperparameters
    seed: int
    suffix: str
    fine_tuned_model: str  # the name it will have (set when the job succeeds)
    status: JobStatus
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    trained_tokens: int = 0  # tokens trained so far (final when the job ended)
    total_tokens: int | None = None  # tokens in the training file x epochs, once counted
    step: int = 0
    total_steps: int | None = None
    billed_tokens: int | None = None  # what the ledger holds for this job (None: not yet)
    error: JobError | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    owner: str | None = None  # the gateway (cluster member) running it, once one took it
    cancel_requested_at: datetime | None = None  # a cancel recorded for its gateway to act on

    @property
    def succeeded(self) -> bool:
        return self.status is JobStatus.SUCCEEDED


@dataclass(frozen=True, slots=True)
class JobEvent:
    id: str
    job_id: str
    created_at: datetime
    level: str  # info | warn | error
    message: str
    type: str = "message"  # message | metrics
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobCheckpoint:
    id: str
    job_id: str
    created_at: datetime
    step: int
    metrics: dict[str, Any] = field(default_factory=dict)


_SUFFIX = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def validate_suffix(suffix: str) -> str:
    if not _SUFFIX.match(suffix):
        raise InvalidRequest(
            "suffix must be 1-40 characters of lower-case letters, digits and hyphens, starting "
            "with a letter or digit",
            param="suffix",
        )
    return suffix


def fine_tuned_model_name(base_offer_id: str, project: str, suffix: str) -> str:
    return f"{FT_PREFIX}{base_offer_id}:{project}:{suffix}"


@dataclass(frozen=True, slots=True)
class FineTunedName:
    base_offer_id: str
    project: str
    suffix: str


def parse_fine_tuned_model(name: str) -> FineTunedName | None:
    """``ft:<base>:<project>:<suffix>`` (checkpoints add ``:ckpt-step-N``), else None."""
    if not name.startswith(FT_PREFIX):
        return None
    parts = name.removeprefix(FT_PREFIX).split(":")
    if len(parts) not in (3, 4) or not all(parts[:3]):
        return None
    return FineTunedName(parts[0], parts[1], parts[2])


def is_fine_tuned(name: str) -> bool:
    return parse_fine_tuned_model(name) is not None
