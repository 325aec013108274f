"""How much memory a llama.cpp engine needs, from the GGUF header, and the context that fits.

llama.cpp holds, besides the weights (memory-mapped), one KV cache of ``context × slots`` tokens:
per token, for every attention layer, a key and a value of ``head_count_kv × head_dim`` F16
values. Recurrent layers (Mamba, in Jamba) keep a fixed state per slot instead. The context of a
deployment is the model's own unless that does not fit in the memory this machine can give the
engine; then it is the largest multiple of 256 that does, and an explicit ``--context`` that
does not fit is an error that shows the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelport.engines.base import EngineStartError
from modelport.engines.host import gib
from modelport.models.gguf_meta import GGUFInfo

F16 = 2
F32 = 4
OVERHEAD = 256 * 2**20  # compute buffers and the worker process itself
MIN_CONTEXT = 512
STEP = 256


@dataclass(frozen=True, slots=True)
class MemoryNeeds:
    weights: int  # bytes of the weights file
    per_token: int  # KV cache bytes per token of context (per slot)
    per_slot: int  # recurrent state bytes per slot

    def total(self, context: int, slots: int) -> int:
        return self.weights + OVERHEAD + slots * (context * self.per_token + self.per_slot)

    def max_context(self, budget: int, slots: int) -> int:
        room = budget - self.weights - OVERHEAD - slots * self.per_slot
        if self.per_token <= 0:
            return 1 << 30 if room >= 0 else 0
        return max(0, room // (slots * self.per_token))


def _per_layer(value: Any, layers: int) -> list[int]:
    if isinstance(value, list):
        return [int(v) for v in value][:layers]
    return [int(value)] * layers


def memory_needs(path: Path, info: GGUFInfo) -> MemoryNeeds | None:
    """The needs of the model in ``path``; None when its header lacks the sizes."""
    arch = info.architecture
    meta = info.metadata
    if arch is None:
        return None
    try:
        layers = int(meta[f"{arch}.block_count"])
        heads = _per_layer(meta[f"{arch}.attention.head_count"], layers)
        kv_heads = _per_layer(meta.get(f"{arch}.attention.head_count_kv", heads), layers)
        embedding = int(meta[f"{arch}.embedding_length"])
    except (KeyError, TypeError, ValueError):
        return None
    head_dim = embedding // max(1, max(heads))
    key = int(meta.get(f"{arch}.attention.key_length", head_dim))
    value = int(meta.get(f"{arch}.attention.value_length", key))
    per_token = sum(kv * (key + value) * F16 for kv in kv_heads)
    per_slot = 0
    inner = meta.get(f"{arch}.ssm.inner_size")
    if isinstance(inner, int):  # recurrent layers: those without KV heads (all, for pure Mamba)
        recurrent = sum(1 for kv in kv_heads if kv == 0) or (layers if per_token == 0 else 0)
        state = int(meta.get(f"{arch}.ssm.state_size", 16))
        conv = int(meta.get(f"{arch}.ssm.conv_kernel", 4))
        per_slot = recurrent * inner * (state + conv - 1) * F32
    return MemoryNeeds(path.stat().st_size, per_token, per_slot)


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KiB" if n >= 1024 else f"{n} B"


def fit_context(
    needs: MemoryNeeds | None,
    *,
    wanted: int,
    explicit: bool,
    slots: int,
    available: int,
    fraction: float,
) -> int:
    """``wanted`` when it fits in ``fraction`` of ``available`` bytes; otherwise the largest
    context that does (unless the operator asked for ``wanted``: then an error with the sums)."""
    if needs is None:
        return wanted
    budget = int(available * fraction)
    if needs.total(wanted, slots) <= budget:
        return wanted
    best = min(wanted, needs.max_context(budget, slots) // STEP * STEP)
    kv = slots * wanted * needs.per_token
    sums = (
        f"{wanted} tokens × {slots} slot(s) × {_size(needs.per_token)} per token = "
        f"{gib(kv)} of KV cache"
        + (f" + {gib(slots * needs.per_slot)} of recurrent state" if needs.per_slot else "")
        + f" + {gib(needs.weights)} of weights + {gib(OVERHEAD)} overhead = "
        f"{gib(needs.total(wanted, slots))}, more than the {gib(budget)} an engine may use here "
        f"({fraction:.0%} of {gib(available)} available)"
    )
    if best < MIN_CONTEXT:
        raise EngineStartError(
            f"the model does not fit in this machine's memory: {sums}; free memory, use fewer "
            "slots or a smaller quantization of the weights"
        )
    if explicit:
        raise EngineStartError(
            f"a context of {wanted} tokens does not fit in memory: {sums}; deploy with "
            f"--context {best} or less, or with fewer --slots"
        )
    return best
