"""The training loop of one job: LoRA (``peft``) on a ``transformers`` causal LM, in the worker.

Imported only by the worker process (it imports torch). Deterministic for a seed: the example
order of each epoch is drawn from ``seed + epoch``, so a job resumed from a checkpoint at step N
trains steps N+1... on exactly the batches it would have trained on.

Checkpoints (``<job dir>/checkpoints/step-NNNNNN/``) hold the adapter weights, the optimizer and
scheduler state, the RNG state and the counters; each is written to a temporary directory and
renamed, so a worker killed mid-write leaves the previous checkpoint intact. They are read back
with ``weights_only`` (tensors and plain values, no pickled code).
"""

from __future__ import annotations

import json
import math
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from peft import LoraConfig, PeftModel, get_peft_model, set_peft_model_state_dict
from peft.utils import get_peft_model_state_dict

from modelport.finetune.protocol import CHECKPOINT_STATE, CHECKPOINTS_DIR, Emit, checkpoint_name

KEEP_CHECKPOINTS = 3


@dataclass(frozen=True)
class Encoded:
    line: int
    input_ids: list[int]
    labels: list[int]


@dataclass
class Progress:
    step: int = 0
    trained_tokens: int = 0
    last_loss: float | None = None


def encode_examples(
    tokenizer: Any,
    examples: list[dict[str, Any]],
    *,
    default_system_prompt: str | None,
    max_tokens: int,
) -> list[Encoded]:
    """Token ids of each example through the chat template; labels are the assistant messages'
    tokens (weight 1), everything else -100. A default system prompt is added where the example
    has none, as the gateway adds it at inference."""
    encoded = []
    for example in examples:
        messages = [{"role": m["role"], "content": m["content"]} for m in example["messages"]]
        if default_system_prompt and messages[0]["role"] != "system":
            messages.insert(0, {"role": "system", "content": default_system_prompt})
            weights = [1, *(m.get("weight", 1) for m in example["messages"])]
        else:
            weights = [m.get("weight", 1) for m in example["messages"]]
        ids = _template(tokenizer, messages, generation_prompt=False)
        labels = [-100] * len(ids)
        for i, message in enumerate(messages):
            if message["role"] != "assistant" or not weights[i]:
                continue
            start = len(_template(tokenizer, messages[:i], generation_prompt=True))
            end = len(_template(tokenizer, messages[: i + 1], generation_prompt=False))
            labels[start:end] = ids[start:end]
        if len(ids) > max_tokens:
            raise ValueError(
                f"line {example['line']}: {len(ids)} tokens, more than the {max_tokens} a "
                "training example may have"
            )
        encoded.append(Encoded(int(example["line"]), ids, labels))
    return encoded


def _template(
    tokenizer: Any, messages: list[dict[str, str]], *, generation_prompt: bool
) -> list[int]:
    out = tokenizer.apply_chat_template(
        messages, tokenize=True, add_generation_prompt=generation_prompt, return_dict=True
    )
    return list(out["input_ids"])


class Plan:
    """Which examples each global step trains on (1-based steps, across epochs)."""

    def __init__(self, n_examples: int, batch_size: int, epochs: int, seed: int) -> None:
        self.n = n_examples
        self.batch_size = batch_size
        self.epochs = epochs
        self.seed = seed
        self.steps_per_epoch = math.ceil(n_examples / batch_size)
        self.total_steps = self.steps_per_epoch * epochs

    def epoch_of(self, step: int) -> int:
        return (step - 1) // self.steps_per_epoch

    def batch(self, step: int) -> list[int]:
        epoch = self.epoch_of(step)
        order = list(range(self.n))
        random.Random(self.seed + epoch).shuffle(order)
        start = ((step - 1) % self.steps_per_epoch) * self.batch_size
        return order[start : start + self.batch_size]

    def ends_epoch(self, step: int) -> bool:
        return step % self.steps_per_epoch == 0


def collate(batch: list[Encoded], pad_id: int) -> dict[str, torch.Tensor]:
    width = max(len(e.input_ids) for e in batch)
    ids, labels, mask = [], [], []
    for e in batch:
        pad = width - len(e.input_ids)
        ids.append(e.input_ids + [pad_id] * pad)
        labels.append(e.labels + [-100] * pad)
        mask.append([1] * len(e.input_ids) + [0] * pad)
    return {
        "input_ids": torch.tensor(ids),
        "labels": torch.tensor(labels),
        "attention_mask": torch.tensor(mask),
    }


def lora_model(model: Any, hp: dict[str, Any]) -> PeftModel:
    alpha: Any = float(hp["lora_alpha"])  # PEFT's scale is alpha / r, a float
    config = LoraConfig(
        r=int(hp["lora_rank"]),
        lora_alpha=alpha,
        lora_dropout=float(hp["lora_dropout"]),
        target_modules=list(hp["target_modules"]),
        bias="none",
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


class Trainer:
    def __init__(
        self,
        model: PeftModel,
        data: list[Encoded],
        plan: Plan,
        *,
        learning_rate: float,
        pad_id: int,
        job_dir: Path,
        emit: Emit,
        checkpoint_steps: int = 0,
        validation: list[Encoded] | None = None,
        device: str = "cpu",
    ) -> None:
        self.model = model
        self.data = data
        self.plan = plan
        self.pad_id = pad_id
        self.job_dir = job_dir
        self.emit = emit
        self.checkpoint_steps = checkpoint_steps
        self.validation = validation or []
        self.device = device
        params = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(params, lr=learning_rate, weight_decay=0.0)
        total = plan.total_steps

        def linear(step: int) -> float:  # linear decay to 10% of the rate
            return 1.0 - 0.9 * step / max(1, total)

        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, linear)
        self.progress = Progress()

    @property
    def checkpoints_dir(self) -> Path:
        return self.job_dir / CHECKPOINTS_DIR

    # -- checkpoints ------------------------------------------------------------------------
    def latest_checkpoint(self) -> Path | None:
        if not self.checkpoints_dir.is_dir():
            return None
        done = sorted(
            p for p in self.checkpoints_dir.glob("step-*") if (p / CHECKPOINT_STATE).is_file()
        )
        return done[-1] if done else None

    def resume(self) -> int:
        """Load the latest checkpoint, if any; returns the step it was taken at (0: none)."""
        found = self.latest_checkpoint()
        if found is None:
            return 0
        # Tensors and plain values only: a checkpoint may come from another machine through the
        # database (:mod:`modelport.finetune.checkpoints`), and a pickle would run its code here.
        state = torch.load(found / CHECKPOINT_STATE, weights_only=True)
        set_peft_model_state_dict(self.model, state["adapter"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        self.progress = Progress(state["step"], state["trained_tokens"], state.get("loss"))
        return int(state["step"])

    def save_checkpoint(self, metrics: dict[str, Any]) -> Path:
        step = self.progress.step
        final = self.checkpoints_dir / checkpoint_name(step)
        tmp = self.checkpoints_dir / f".tmp-{checkpoint_name(step)}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        state = {
            "adapter": get_peft_model_state_dict(self.model),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "step": step,
            "trained_tokens": self.progress.trained_tokens,
            "loss": self.progress.last_loss,
        }
        torch.save(state, tmp / CHECKPOINT_STATE)
        (tmp / "metrics.json").write_text(json.dumps(metrics))
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
        for old in sorted(self.checkpoints_dir.glob("step-*"))[:-KEEP_CHECKPOINTS]:
            shutil.rmtree(old, ignore_errors=True)
        return final

    # -- training ---------------------------------------------------------------------------
    def _loss(self, batch: list[Encoded]) -> torch.Tensor:
        inputs = {k: v.to(self.device) for k, v in collate(batch, self.pad_id).items()}
        loss: torch.Tensor = self.model(**inputs).loss
        return loss

    def validation_loss(self) -> float | None:
        if not self.validation:
            return None
        self.model.eval()
        total = 0.0
        with torch.no_grad():
            for example in self.validation:
                total += float(self._loss([example]).item())
        self.model.train()
        return total / len(self.validation)

    def train(self, should_stop: Callable[[], bool]) -> bool:
        """Train from the current step to the end; False if stopped early (at a step boundary)."""
        self.model.train()
        for step in range(self.progress.step + 1, self.plan.total_steps + 1):
            if should_stop():
                return False
            batch = [self.data[i] for i in self.plan.batch(step)]
            loss = self._loss(batch)
            loss.backward()
            self.optimizer.step()
            self.scheduler.step()
            self.optimizer.zero_grad(set_to_none=True)
            self.progress.step = step
            self.progress.trained_tokens += sum(len(e.input_ids) for e in batch)
            self.progress.last_loss = float(loss.item())
            metrics: dict[str, Any] = {
                "step": step,
                "total_steps": self.plan.total_steps,
                "epoch": self.plan.epoch_of(step) + 1,
                "train_loss": round(self.progress.last_loss, 6),
                "learning_rate": self.scheduler.get_last_lr()[0],
                "trained_tokens": self.progress.trained_tokens,
            }
            end_of_epoch = self.plan.ends_epoch(step)
            if end_of_epoch:
                valid = self.validation_loss()
                if valid is not None:
                    metrics["valid_loss"] = round(valid, 6)
            self.emit({"event": "step", **metrics})
            due = self.checkpoint_steps and step % self.checkpoint_steps == 0
            if (end_of_epoch or due) and step < self.plan.total_steps:
                self.save_checkpoint(metrics)
                self.emit({"event": "checkpoint", **metrics})
        return True
