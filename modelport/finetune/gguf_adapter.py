"""Writing a LoRA adapter as GGUF, the file llama.cpp loads with ``--lora`` (xllamacpp's
``CommonParams.lora_adapters``).

llama.cpp reads ``general.type = adapter``, ``adapter.type = lora`` and ``adapter.lora.alpha``
(scale = alpha / rank, as PEFT's), and one pair of tensors per adapted weight, named after the
base model's tensor: ``blk.0.attn_q.weight.lora_a`` (ggml shape [in, rank]) and ``.lora_b``
([rank, out]). Hugging Face module names map to GGUF tensor names through the ``gguf`` package's
own name map; for the ``llama`` architecture the GGUF stores the query and key projections with
their rows permuted for its rotary embedding, so their ``lora_b`` is permuted the same way
(``W = B @ A``: permuting the rows of W is permuting the rows of B).

Pure numpy: no torch needed, so the writer is tested on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np
from numpy.typing import NDArray

from modelport.models.gguf_meta import read_gguf_info

# Architectures whose converter permutes q/k rows (llama.cpp's convert_hf_to_gguf.py).
PERMUTED_QK = frozenset({"llama"})


class AdapterExportError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class BaseInfo:
    architecture: str
    block_count: int
    head_count: int
    head_count_kv: int
    name: str
    tensor_shapes: dict[str, tuple[int, ...]]  # GGUF name -> ggml shape (ne0, ne1, ...)


def read_base_info(path: Path) -> BaseInfo:
    info = read_gguf_info(path, tensors=True)
    if info.architecture is None:
        raise AdapterExportError(f"{path.name} names no architecture")
    arch, meta = info.architecture, info.metadata
    heads = int(meta.get(f"{arch}.attention.head_count") or 0)
    return BaseInfo(
        architecture=arch,
        block_count=int(meta.get(f"{arch}.block_count") or 0),
        head_count=heads,
        head_count_kv=int(meta.get(f"{arch}.attention.head_count_kv") or heads),
        name=info.name or path.stem,
        tensor_shapes=info.tensor_shapes,
    )


def _permute_rows(b: NDArray[np.float32], heads: int) -> NDArray[np.float32]:
    """convert_hf_to_gguf's ``permute`` on the output rows of ``b``."""
    rows = b.shape[0]
    return b.reshape(heads, 2, rows // heads // 2, *b.shape[1:]).swapaxes(1, 2).reshape(b.shape)


def gguf_tensor_name(base: BaseInfo, module: str) -> str:
    """``model.layers.0.self_attn.q_proj`` -> ``blk.0.attn_q.weight``."""
    try:
        arch = {v: k for k, v in gguf.MODEL_ARCH_NAMES.items()}[base.architecture]
    except KeyError as exc:
        raise AdapterExportError(f"unknown GGUF architecture {base.architecture!r}") from exc
    mapped = gguf.get_tensor_name_map(arch, base.block_count).get_name(
        module + ".weight", try_suffixes=(".weight",)
    )
    if mapped is None:
        raise AdapterExportError(f"no GGUF tensor for the module {module!r}")
    return mapped


def write_lora_gguf(
    path: Path,
    base: BaseInfo,
    weights: Mapping[str, tuple[NDArray[np.float32], NDArray[np.float32]]],
    alpha: float,
    *,
    name: str,
) -> list[str]:
    """Write ``weights`` (HF module name -> (A [rank, in], B [out, rank])) as a GGUF LoRA
    adapter of ``base``; returns the adapted GGUF tensor names. Checks every shape against the
    base model's tensor, as llama.cpp will."""
    if not weights:
        raise AdapterExportError("the adapter has no weights")
    writer = gguf.GGUFWriter(path, base.architecture)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
    writer.add_name(name)
    written = []
    for module in sorted(weights):
        a, b = weights[module]
        target = gguf_tensor_name(base, module)
        shape = base.tensor_shapes.get(target)
        if shape is None:
            raise AdapterExportError(f"the base model has no tensor {target}")
        a = np.ascontiguousarray(a, dtype=np.float32)
        b = np.ascontiguousarray(b, dtype=np.float32)
        # ggml shapes are numpy's reversed: A [rank, in] -> (in, rank); B [out, rank] -> (rank, out)
        if (a.shape[1], b.shape[0]) != (shape[0], shape[1]) or a.shape[0] != b.shape[1]:
            raise AdapterExportError(
                f"{module}: LoRA shapes A{a.shape} B{b.shape} do not fit {target} {shape}"
            )
        if base.architecture in PERMUTED_QK:
            if target.endswith("attn_q.weight"):
                b = _permute_rows(b, base.head_count)
            elif target.endswith("attn_k.weight"):
                b = _permute_rows(b, base.head_count_kv)
        writer.add_tensor(target + ".lora_a", a)
        writer.add_tensor(target + ".lora_b", np.ascontiguousarray(b))
        written.append(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return written
