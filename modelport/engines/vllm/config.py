"""How an offer runs on vLLM's OpenAI server: the model card's settings, and the command line.

The settings per model family come from the publishers' model cards (the model quirks live here,
never in the generic engine code):

- Jamba 1.5 Mini (52B total, MoE): on one 80 GB GPU only with ExpertsInt8 quantization
  (``--quantization experts_int8``, prompts up to 100K, and ``VLLM_FUSED_MOE_CHUNK_SIZE=32768``
  as a workaround of a fused-MoE kernel bug); on two 80 GB GPUs in BF16 with tensor parallelism 2
  and 200K; on more, the full 256K.
- Jamba 1.5 Large (398B total): eight 80 GB GPUs with ExpertsInt8, tensor parallelism 8.
- Anything else (Llama ...): the offer's catalog hardware (GPU count → tensor parallelism) and
  its context length.

Jamba's tool calls are parsed by vLLM's ``jamba`` tool parser.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from modelport.domain.catalog import Offer
from modelport.engines.base import EngineSpec, EngineStartError
from modelport.engines.gpus import Gpu

K = 1024
_PREFIX = "vllm."


@dataclass(frozen=True, slots=True)
class VllmConfig:
    model: str  # a local directory or a hub repo id vLLM fetches itself
    served_model_name: str
    tensor_parallel_size: int = 1
    max_model_len: int | None = None
    quantization: str | None = None
    gpu_memory_gb: int = 0  # each of the tensor-parallel GPUs must have this much
    env: dict[str, str] = field(default_factory=dict)
    extra_args: tuple[str, ...] = ()

    def to_extra(self) -> dict[str, str]:
        """Flattened into ``EngineSpec.extra`` (the engine factory only receives the spec)."""
        out = {
            "model": self.model,
            "served_model_name": self.served_model_name,
            "tensor_parallel_size": str(self.tensor_parallel_size),
            "gpu_memory_gb": str(self.gpu_memory_gb),
            "extra_args": "\x1f".join(self.extra_args),
        }
        if self.max_model_len is not None:
            out["max_model_len"] = str(self.max_model_len)
        if self.quantization:
            out["quantization"] = self.quantization
        out |= {f"env.{k}": v for k, v in self.env.items()}
        return {_PREFIX + k: v for k, v in out.items()}

    @classmethod
    def from_extra(cls, extra: dict[str, str]) -> VllmConfig:
        values = {k.removeprefix(_PREFIX): v for k, v in extra.items() if k.startswith(_PREFIX)}
        if "model" not in values:
            raise EngineStartError("the vLLM engine was given no model (vllm.model)")
        args = values.get("extra_args", "")
        return cls(
            model=values["model"],
            served_model_name=values.get("served_model_name", values["model"]),
            tensor_parallel_size=int(values.get("tensor_parallel_size", "1")),
            max_model_len=int(values["max_model_len"]) if "max_model_len" in values else None,
            quantization=values.get("quantization"),
            gpu_memory_gb=int(values.get("gpu_memory_gb", "0")),
            env={k[4:]: v for k, v in values.items() if k.startswith("env.")},
            extra_args=tuple(args.split("\x1f")) if args else (),
        )


def _family(offer: Offer) -> str:
    repo = (offer.weights.hub_repo or "").lower()
    for family in ("jamba-1.5-mini", "jamba-1.5-large"):
        if family in repo or family in offer.id.lower():
            return family
    return "generic"


_JAMBA_TOOLS = ("--enable-auto-tool-choice", "--tool-call-parser", "jamba")
_EXPERTS_INT8_ENV = {"VLLM_FUSED_MOE_CHUNK_SIZE": "32768"}


def config_for(offer: Offer, gpus: list[Gpu], *, model: str) -> VllmConfig:
    """The model card's settings for ``offer`` on ``gpus``; raises EngineStartError when the
    GPUs cannot hold it."""
    base = VllmConfig(model=model, served_model_name=offer.model_name)
    family = _family(offer)
    big = [gpu for gpu in gpus if gpu.has_memory_gb(80)]
    if family == "jamba-1.5-mini":
        if len(big) >= 4:
            return replace(
                base,
                tensor_parallel_size=4,
                max_model_len=256 * K,
                gpu_memory_gb=80,
                extra_args=_JAMBA_TOOLS,
            )
        if len(big) >= 2:
            return replace(
                base,
                tensor_parallel_size=2,
                max_model_len=200 * K,
                gpu_memory_gb=80,
                extra_args=_JAMBA_TOOLS,
            )
        if len(big) == 1:
            return replace(
                base,
                max_model_len=100 * K,
                quantization="experts_int8",
                gpu_memory_gb=80,
                env=_EXPERTS_INT8_ENV,
                extra_args=_JAMBA_TOOLS,
            )
        raise EngineStartError(_not_enough(offer, 1, 80, gpus))
    if family == "jamba-1.5-large":
        if len(big) >= 8:
            return replace(
                base,
                tensor_parallel_size=8,
                max_model_len=200 * K,
                quantization="experts_int8",
                gpu_memory_gb=80,
                env=_EXPERTS_INT8_ENV,
                extra_args=_JAMBA_TOOLS,
            )
        raise EngineStartError(_not_enough(offer, 8, 80, gpus))
    need = max(1, offer.hardware.gpus)
    memory = offer.hardware.gpu_memory_gb
    fitting = [gpu for gpu in gpus if gpu.has_memory_gb(memory)]
    if len(fitting) < need:
        raise EngineStartError(_not_enough(offer, need, memory, gpus))
    return replace(
        base,
        tensor_parallel_size=need,
        max_model_len=offer.context_length,
        gpu_memory_gb=memory,
    )


def _not_enough(offer: Offer, count: int, memory_gb: int, gpus: list[Gpu]) -> str:
    found = ", ".join(f"{g.name} ({g.memory_mib} MiB)" for g in gpus) or "none"
    need = f"{count} GPU(s)" + (f" with {memory_gb} GB each" if memory_gb else "")
    return (
        f"{offer.id} needs {need} to run on vLLM; this machine has: {found}. Run it on a larger "
        "GPU machine, or attach a server you run elsewhere with the openai_compat engine"
    )


def vllm_launcher() -> list[str] | None:
    """How to start vLLM here: the ``vllm`` executable, or the module of an importable vllm."""
    exe = shutil.which("vllm")
    if exe is not None:
        return [exe, "serve"]
    if importlib.util.find_spec("vllm") is not None:
        return [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model"]
    return None


MISSING_VLLM = (
    "vLLM is not installed on this machine: install it where the GPUs are "
    "(`pip install 'vllm>=0.5.5'`, which ExpertsInt8 needs) so that `vllm` is on PATH, "
    "or run it yourself and attach it with the openai_compat engine"
)


def build_command(config: VllmConfig, launcher: list[str], *, host: str, port: int) -> list[str]:
    """``vllm serve MODEL ...`` (the API key goes in the environment, not on the command line,
    where ``ps`` would show it)."""
    command = [*launcher, config.model, "--host", host, "--port", str(port)]
    command += ["--served-model-name", config.served_model_name]
    command += ["--tensor-parallel-size", str(config.tensor_parallel_size)]
    if config.max_model_len is not None:
        command += ["--max-model-len", str(config.max_model_len)]
    if config.quantization:
        command += ["--quantization", config.quantization]
    command += list(config.extra_args)
    return command


def build_env(
    config: VllmConfig, api_key: str, base: dict[str, str] | None = None
) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env |= config.env
    env["VLLM_API_KEY"] = api_key
    return env


def vllm_spec(
    deployment: str,
    offer: Offer,
    gpus: list[Gpu],
    *,
    model_store: Path,
    start_timeout: float = 1800.0,
    restart_backoff: float = 5.0,
    request_timeout: float = 600.0,
) -> EngineSpec:
    """The engine spec of ``deployment`` running ``offer`` on vLLM: weights from the model store
    when pulled there (``modelport models pull``), otherwise the hub repo for vLLM to fetch."""
    stored = model_store / offer.id
    if (stored / "config.json").is_file():
        model = str(stored)
    elif offer.weights.local_path:
        model = offer.weights.local_path
    elif offer.weights.hub_repo:
        model = offer.weights.hub_repo
    else:
        raise EngineStartError(f"{offer.id} names no weights vLLM can load")
    config = config_for(offer, gpus, model=model)
    return EngineSpec(
        deployment=deployment,
        model_path=Path(model),
        chat_template="",  # vLLM applies the template shipped with the weights
        context=config.max_model_len or offer.context_length,
        start_timeout=start_timeout,
        restart_backoff=restart_backoff,
        request_timeout=request_timeout,
        extra=config.to_extra(),
    )
