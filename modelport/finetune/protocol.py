"""What a training worker and its runner say to each other.

The runner starts ``python -m modelport.finetune.worker <job dir>``; the job's configuration is
``<job dir>/job.json`` and its data ``train.jsonl`` (and ``validation.jsonl``) beside it. The
worker prints one JSON object per line on stdout, each with an ``event``:

=============  ====================================================================
``loading``    ``message``: what it is loading (base weights, tokenizer)
``started``    ``examples``, ``tokens_per_epoch``, ``total_tokens``, ``total_steps``,
               ``resumed_from`` (the checkpoint's step, 0 when starting afresh), ``device``
``step``       ``step``, ``total_steps``, ``epoch``, ``train_loss``, ``learning_rate``,
               ``trained_tokens`` (cumulative), ``valid_loss`` at the end of an epoch
``checkpoint`` the same fields as the step it was taken at
``exported``   ``files``: the adapter files written (GGUF for llama.cpp, PEFT safetensors)
``succeeded``  ``trained_tokens``
``cancelled``  ``trained_tokens`` (stopped at a step boundary on SIGTERM)
``failed``     ``code``, ``message`` (the worker then exits non-zero)
=============  ====================================================================

A worker exits when its stdin closes (its runner went away). A worker that dies without a final
event is restarted by the runner and resumes from its last checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

Emit = Callable[[dict[str, Any]], None]

JOB_CONFIG = "job.json"
TRAIN_DATA = "train.jsonl"
VALIDATION_DATA = "validation.jsonl"
MODEL_DIR = "model"
CHECKPOINTS_DIR = "checkpoints"
CHECKPOINT_STATE = "state.pt"  # a checkpoint is complete once this file is in its directory
GGUF_ADAPTER = "adapter.gguf"
PEFT_ADAPTER = "adapter_model.safetensors"
FINAL_EVENTS = frozenset({"succeeded", "cancelled", "failed"})


def checkpoint_name(step: int) -> str:
    """The directory, under ``CHECKPOINTS_DIR``, of the checkpoint taken at ``step``."""
    return f"step-{step:06d}"


def encode(event: dict[str, Any]) -> bytes:
    return orjson.dumps(event) + b"\n"


def decode(line: bytes) -> dict[str, Any] | None:
    """One protocol line, or None for anything else a library printed on stdout."""
    text = line.strip()
    if not text.startswith(b"{"):
        return None
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        return None
    return data
