"""The training worker process: ``python -m modelport.finetune.worker <job dir>``.

Loads the base model with ``transformers`` (a GGUF file dequantized by its GGUF loader, or a hub
checkpoint pulled into the model store), adds a LoRA adapter with ``peft``, trains it
(:mod:`modelport.finetune.training`), and exports the adapter in the formats the engines load:
GGUF for llama.cpp and PEFT safetensors for vLLM's ``--enable-lora``. It speaks the protocol of
:mod:`modelport.finetune.protocol` on stdout. Needs the ``finetune`` extra
(``pip install 'modelport[finetune]'``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from modelport.finetune import protocol

INSTALL_HINT = "fine-tuning needs the finetune extra: pip install 'modelport[finetune]'"


class Stop:
    def __init__(self) -> None:
        self.requested = threading.Event()
        self.orphaned = threading.Event()

    def __call__(self) -> bool:
        return self.requested.is_set() or self.orphaned.is_set()


def emit(event: dict[str, Any]) -> None:
    sys.stdout.buffer.write(protocol.encode(event))
    sys.stdout.buffer.flush()


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _device(wanted: str) -> str:
    import torch

    if wanted == "cpu":
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    return "cpu"


def _dequantized_cache(base: dict[str, Any]) -> Path | None:
    """The GGUF base, dequantized once into a Hugging Face checkpoint (reading a GGUF through
    transformers takes tens of seconds on a small CPU; the checkpoint loads in about one)."""
    cache = base.get("cache_dir")
    if not cache:
        return None
    path = Path(cache)
    if (path / "config.json").is_file() and (path / "model.safetensors").is_file():
        return path
    from safetensors.torch import save_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf_path = Path(base["gguf"])
    source = {"pretrained_model_name_or_path": str(gguf_path.parent), "gguf_file": gguf_path.name}
    tokenizer = AutoTokenizer.from_pretrained(**source)
    model = AutoModelForCausalLM.from_pretrained(**source)
    if hasattr(model.config, "quantization_config"):  # dequantized: a plain checkpoint now
        del model.config.quantization_config
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.config.save_pretrained(tmp)
    save_model(model, str(tmp / "model.safetensors"))
    tokenizer.save_pretrained(tmp)
    try:
        tmp.rename(path)
    except OSError:  # another worker made it meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def load_base(config: dict[str, Any], device: str) -> tuple[Any, Any]:
    """The tokenizer and model, on ``device`` (bf16 on a GPU, with 4-bit QLoRA when asked and
    ``bitsandbytes`` is installed; float32 on the CPU)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = config["base"]
    cached = None if base.get("hf_dir") else _dequantized_cache(base)
    if base.get("hf_dir") or cached:
        source: dict[str, Any] = {"pretrained_model_name_or_path": base.get("hf_dir") or cached}
    else:
        gguf_path = Path(base["gguf"])
        source = {
            "pretrained_model_name_or_path": str(gguf_path.parent),
            "gguf_file": gguf_path.name,
        }
    tokenizer = AutoTokenizer.from_pretrained(**source)
    if not getattr(tokenizer, "chat_template", None) and base.get("chat_template"):
        tokenizer.chat_template = base["chat_template"]
    kwargs: dict[str, Any] = {"dtype": torch.bfloat16 if device == "cuda" else torch.float32}
    quantized = False
    if device == "cuda" and config.get("qlora") and base.get("hf_dir"):
        try:
            import bitsandbytes  # type: ignore[import-not-found]  # noqa: F401
            from transformers import BitsAndBytesConfig
        except ImportError:
            pass
        else:
            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_compute_dtype=torch.bfloat16,
            )
            kwargs["device_map"] = {"": 0}
            quantized = True
    model: Any = AutoModelForCausalLM.from_pretrained(**source, **kwargs)
    if quantized:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model)
    elif device == "cuda":
        model = model.to("cuda")
    model.config.use_cache = False
    return tokenizer, model


def export(model: Any, config: dict[str, Any], job_dir: Path) -> dict[str, str]:
    """The adapter as PEFT safetensors (vLLM) and, when the base is a GGUF, as a GGUF adapter
    (llama.cpp); written to a temporary directory, then renamed into place."""
    from peft.utils import get_peft_model_state_dict

    from modelport.finetune.gguf_adapter import read_base_info, write_lora_gguf

    final = job_dir / protocol.MODEL_DIR
    tmp = job_dir / (protocol.MODEL_DIR + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp))
    files = {"peft": str(final / protocol.PEFT_ADAPTER)}
    gguf_base = config["base"].get("gguf")
    if gguf_base:
        state = get_peft_model_state_dict(model)
        pairs: dict[str, list[Any]] = {}
        for key, tensor in state.items():
            module, _, which = key.removeprefix("base_model.model.").rpartition(".lora_")
            if which not in ("A.weight", "B.weight"):
                raise ValueError(f"cannot export {key} to a GGUF adapter")
            slot = 0 if which.startswith("A") else 1
            pairs.setdefault(module, [None, None])[slot] = tensor.float().cpu().numpy()
        hp = config["hyperparameters"]
        write_lora_gguf(
            tmp / protocol.GGUF_ADAPTER,
            read_base_info(Path(gguf_base)),
            {m: (a, b) for m, (a, b) in pairs.items()},
            float(hp["lora_alpha"]),
            name=config["fine_tuned_model"],
        )
        files["gguf"] = str(final / protocol.GGUF_ADAPTER)
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return files


def run(job_dir: Path, stop: Stop) -> int:
    config = json.loads((job_dir / protocol.JOB_CONFIG).read_text(encoding="utf-8"))
    try:
        import torch
        from transformers.utils import logging as hf_logging

        from modelport.finetune import training
    except ImportError as exc:
        emit({"event": "failed", "code": "finetune_not_installed", "message": INSTALL_HINT})
        print(f"{INSTALL_HINT} ({exc})", file=sys.stderr)
        return 2
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.manual_seed(int(config["seed"]))
    torch.set_num_threads(int(config.get("threads", 2)))
    device = _device(config.get("device", "auto"))
    hp = config["hyperparameters"]
    emit({"event": "loading", "message": f"loading the base model on the {device}"})
    tokenizer, model = load_base(config, device)
    try:
        data = training.encode_examples(
            tokenizer,
            _read_jsonl(job_dir / protocol.TRAIN_DATA),
            default_system_prompt=config.get("default_system_prompt"),
            max_tokens=int(config["max_tokens"]),
        )
        validation = training.encode_examples(
            tokenizer,
            _read_jsonl(job_dir / protocol.VALIDATION_DATA),
            default_system_prompt=config.get("default_system_prompt"),
            max_tokens=int(config["max_tokens"]),
        )
    except ValueError as exc:
        emit({"event": "failed", "code": "invalid_training_file", "message": str(exc)})
        return 2
    peft_model = training.lora_model(model, hp)
    plan = training.Plan(len(data), int(hp["batch_size"]), int(hp["n_epochs"]), int(config["seed"]))
    pad_id = tokenizer.pad_token_id
    if pad_id is None:
        pad_id = tokenizer.eos_token_id or 0
    trainer = training.Trainer(
        peft_model,
        data,
        plan,
        learning_rate=float(hp["learning_rate"]),
        pad_id=int(pad_id),
        job_dir=job_dir,
        emit=emit,
        checkpoint_steps=int(hp.get("checkpoint_steps", 0)),
        validation=validation,
        device=device,
    )
    resumed = trainer.resume()
    per_epoch = sum(len(e.input_ids) for e in data)
    emit(
        {
            "event": "started",
            "examples": len(data),
            "tokens_per_epoch": per_epoch,
            "total_tokens": per_epoch * plan.epochs,
            "total_steps": plan.total_steps,
            "resumed_from": resumed,
            "trained_tokens": trainer.progress.trained_tokens,
            "device": device,
        }
    )
    started = time.monotonic()
    finished = trainer.train(stop)
    if stop.orphaned.is_set():
        return 0
    tokens = trainer.progress.trained_tokens
    if not finished:
        emit({"event": "cancelled", "trained_tokens": tokens, "step": trainer.progress.step})
        return 0
    files = export(peft_model, config, job_dir)
    emit({"event": "exported", "files": files})
    emit(
        {
            "event": "succeeded",
            "trained_tokens": tokens,
            "step": trainer.progress.step,
            "train_seconds": round(time.monotonic() - started, 3),
        }
    )
    return 0


def main() -> int:
    warnings.filterwarnings("ignore")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never a hub download from a worker
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")
    job_dir = Path(sys.argv[1])
    stop = Stop()
    signal.signal(signal.SIGTERM, lambda *_: stop.requested.set())

    def _watch_stdin() -> None:
        sys.stdin.read()  # returns at EOF: the runner went away
        stop.orphaned.set()

    threading.Thread(target=_watch_stdin, daemon=True).start()
    try:
        return run(job_dir, stop)
    except Exception as exc:  # report every failure to the runner, then exit non-zero
        message = f"{type(exc).__name__}: {exc}"
        emit({"event": "failed", "code": "training_error", "message": message})
        raise


if __name__ == "__main__":
    sys.exit(main())
