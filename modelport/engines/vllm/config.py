"""How an offer runs on vLLM's OpenAI server: the model card's settings, and the command line.

The settings per model family come from the publishers' model cards (the model quirks live here,
never in the generic engine code):

- Jamba 1.5 Mini and Jamba-Instruct (52B total, MoE): on one 80 GB GPU only with ExpertsInt8
  quantization
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
import shutil
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from modelport.domain.catalog import Offer
from modelport.engines.base import EngineStartError
from modelport.engines.gpus import Gpu

K = 1024


@dataclass(frozen=True, slots=True)
class VllmConfig:
    model: str  # a local directory (or a hub repo id vLLM fetches itself)
    served_model_name: str
    tensor_parallel_size: int = 1
    max_model_len: int | None = None
    quantization: str | None = None
    gpu_memory_gb: int = 0  # each of the tensor-parallel GPUs must have this much
    env: dict[str, str] = field(default_factory=dict)
    extra_args: tuple[str, ...] = ()
    launcher: tuple[str, ...] = ()  # how vLLM is started on this machine

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, for ``EngineSpec.config``."""
        out = asdict(self)
        out["extra_args"] = list(self.extra_args)
        out["launcher"] = list(self.launcher)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VllmConfig:
        if "model" not in data:
            raise EngineStartError("the vLLM engine was given no model")
        values = dict(data)
        values["extra_args"] = tuple(values.get("extra_args", ()))
        values["launcher"] = tuple(values.get("launcher", ()))
        values["env"] = dict(values.get("env", {}))
        return cls(**values)


def _family(offer: Offer) -> str:
    """The model card whose settings apply. Jamba-Instruct is Jamba 1.5 Mini's size (52B)."""
    names = f"{offer.weights.hub_repo or ''} {offer.id}".lower()
    if "jamba-1.5-large" in names:
        return "jamba-1.5-large"
    if "jamba-1.5-mini" in names or "jamba-instruct" in names:
        return "jamba-1.5-mini"
    return "generic"


_JAMBA_TOOLS = ("--enable-auto-tool-choice", "--tool-call-parser", "jamba")
_EXPERTS_INT8_ENV = {"VLLM_FUSED_MOE_CHUNK_SIZE": "32768"}


def config_for(offer: Offer, gpus: list[Gpu], *, model: str) -> VllmConfig:
    """The model card's settings for ``offer`` on ``gpus``; raises EngineStartError when the
    GPUs cannot hold it."""
    base = VllmConfig(model=model, served_model_name=offer.model_name)
    family = _family(offer)
    # vLLM parses Jamba 1.5's tool calls; offers without tools (Jamba-Instruct) go without.
    jamba_tools = _JAMBA_TOOLS if "tools" in offer.capabilities else ()
    big = [gpu for gpu in gpus if gpu.has_memory_gb(80)]
    if family == "jamba-1.5-mini":
        if len(big) >= 4:
            return replace(
                base,
                tensor_parallel_size=4,
                max_model_len=256 * K,
                gpu_memory_gb=80,
                extra_args=jamba_tools,
            )
        if len(big) >= 2:
            return replace(
                base,
                tensor_parallel_size=2,
                max_model_len=200 * K,
                gpu_memory_gb=80,
                extra_args=jamba_tools,
            )
        if len(big) == 1:
            return replace(
                base,
                max_model_len=100 * K,
                quantization="experts_int8",
                gpu_memory_gb=80,
                env=_EXPERTS_INT8_ENV,
                extra_args=jamba_tools,
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
                extra_args=jamba_tools,
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
        "GPU machine (or declare GPUs nvidia-smi cannot see in the vllm engine's settings), or "
        "attach a server you run elsewhere with the openai_compat engine"
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


def build_command(config: VllmConfig, *, host: str, port: int) -> list[str]:
    """``vllm serve MODEL ...`` (the API key goes in the environment, not on the command line,
    where ``ps`` would show it)."""
    command = [*config.launcher, config.model, "--host", host, "--port", str(port)]
    command += ["--served-model-name", config.served_model_name]
    command += ["--tensor-parallel-size", str(config.tensor_parallel_size)]
    if config.max_model_len is not None:
        command += ["--max-model-len", str(config.max_model_len)]
    if config.quantization:
        command += ["--quantization", config.quantization]
    command += list(config.extra_args)
    return command
