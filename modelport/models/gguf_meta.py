"""Reading metadata from a GGUF file header (chat template, architecture, context length) and,
when asked, the tensor table's names and shapes.

Only the header is read, value by value, skipping large arrays (the vocabulary), so this takes
milliseconds where a full parse (``gguf.GGUFReader``) takes seconds.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from modelport.errors import OperatorError

_SCALARS: dict[int, str] = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9


class GGUFError(OperatorError, ValueError):
    pass


@dataclass(frozen=True, slots=True)
class GGUFInfo:
    architecture: str | None
    chat_template: str | None
    context_length: int | None
    name: str | None
    metadata: dict[str, Any]
    # GGUF tensor name -> ggml shape (ne0, ne1, ...); read only with ``tensors=True``.
    tensor_shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)


def _read(f: BinaryIO, fmt: str) -> Any:
    size = struct.calcsize(fmt)
    data = f.read(size)
    if len(data) != size:
        raise GGUFError("truncated GGUF header")
    return struct.unpack(fmt, data)[0]


def _string(f: BinaryIO) -> str:
    length = _read(f, "<Q")
    return f.read(length).decode("utf-8", errors="replace")


def _value(f: BinaryIO, vtype: int, keep: bool) -> Any:
    if vtype in _SCALARS:
        return _read(f, _SCALARS[vtype])
    if vtype == _STRING:
        return _string(f)
    if vtype == _ARRAY:
        itype = _read(f, "<I")
        count = _read(f, "<Q")
        if itype in _SCALARS and not keep:
            f.seek(struct.calcsize(_SCALARS[itype]) * count, 1)
            return None
        items = [_value(f, itype, keep) for _ in range(count)]
        return items if keep else None
    raise GGUFError(f"unknown GGUF value type {vtype}")


def _read_metadata(
    path: Path, *, vocabulary: bool, tensors: bool = False
) -> tuple[dict[str, Any], dict[str, tuple[int, ...]]]:
    """The metadata (vocabulary arrays only when asked) and, when asked, the tensor shapes."""
    meta: dict[str, Any] = {}
    shapes: dict[str, tuple[int, ...]] = {}
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise GGUFError(f"{path.name} is not a GGUF file")
        version = _read(f, "<I")
        if version < 2:
            raise GGUFError(f"GGUF version {version} is not supported")
        tensor_count = _read(f, "<Q")
        for _ in range(_read(f, "<Q")):
            key = _string(f)
            vtype = _read(f, "<I")
            value = _value(f, vtype, keep=vocabulary or not key.startswith("tokenizer.ggml."))
            if value is not None:
                meta[key] = value
        for _ in range(tensor_count if tensors else 0):
            tensor = _string(f)
            dims = _read(f, "<I")
            shapes[tensor] = tuple(_read(f, "<Q") for _ in range(dims))
            _read(f, "<I")  # type
            _read(f, "<Q")  # offset
    return meta, shapes


def read_gguf_tokenizer(path: Path) -> dict[str, Any]:
    """The ``tokenizer.ggml.*`` metadata, vocabulary arrays included (tokens, merges, token
    types): what an in-process tokenizer needs to tokenize as the engine does."""
    meta, _ = _read_metadata(path, vocabulary=True)
    return {k: v for k, v in meta.items() if k.startswith("tokenizer.")}


def read_gguf_info(path: Path, *, tensors: bool = False) -> GGUFInfo:
    meta, shapes = _read_metadata(path, vocabulary=False, tensors=tensors)
    arch = meta.get("general.architecture")
    ctx = meta.get(f"{arch}.context_length") if isinstance(arch, str) else None
    template = meta.get("tokenizer.chat_template")
    name = meta.get("general.name")
    return GGUFInfo(
        architecture=arch if isinstance(arch, str) else None,
        chat_template=template if isinstance(template, str) and template else None,
        context_length=int(ctx) if isinstance(ctx, int) else None,
        name=name if isinstance(name, str) else None,
        metadata=meta,
        tensor_shapes=shapes,
    )
