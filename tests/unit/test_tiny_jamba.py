"""The tiny Jamba GGUF generator, proven against a real llama.cpp server (xllamacpp).

The server runs in a subprocess so that a crash inside llama.cpp cannot take pytest down with it.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gguf
import httpx
import pytest

from modelport.models.tiny_jamba import (
    CHAT_TEMPLATE,
    GENERATOR_VERSION,
    SPECIAL_TOKENS,
    build_tiny_jamba,
    ensure_tiny_jamba,
)

API_KEY = "k"

SERVER_SCRIPT = """
import sys, time
import xllamacpp as x
p = x.CommonParams()
p.model.path = sys.argv[1]
p.hostnames = ["127.0.0.1"]
p.port = 0
p.n_parallel = 2
p.n_ctx = 2048
p.cpuparams.n_threads = 2
p.use_jinja = True
p.api_keys = [sys.argv[2]]
s = x.Server(p)
print(s.listening_address, flush=True)
time.sleep(3600)
"""

MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is the capital of France?"},
]
RENDERED = (
    "<|startoftext|><|bom|><|system|> You are a helpful assistant.<|eom|>"
    "<|bom|><|user|> What is the capital of France?<|eom|><|bom|><|assistant|>"
)
EOM_ID = SPECIAL_TOKENS.index("<|eom|>")


# --- the file itself --------------------------------------------------------------------------


def test_deterministic_small_and_seeded(tmp_path: Path) -> None:
    a = build_tiny_jamba(tmp_path / "a.gguf", seed=0)
    b = build_tiny_jamba(tmp_path / "b.gguf", seed=0)
    c = build_tiny_jamba(tmp_path / "c.gguf", seed=1)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert a.stat().st_size < 10 * 1024 * 1024


def test_metadata_and_tensors_match_llama_cpp_jamba(tmp_path: Path) -> None:
    reader = gguf.GGUFReader(build_tiny_jamba(tmp_path / "m.gguf"))

    def field(key: str) -> Any:
        return reader.fields[key].contents()

    assert field("general.architecture") == "jamba"
    n_layer = field("jamba.block_count")
    head_count_kv = field("jamba.attention.head_count_kv")
    assert len(head_count_kv) == n_layer
    assert 0 < sum(1 for h in head_count_kv if h) < n_layer  # hybrid: some attention, mostly Mamba
    assert field("jamba.ssm.inner_size") == 2 * field("jamba.embedding_length")
    tokens = field("tokenizer.ggml.tokens")
    assert tokens[: len(SPECIAL_TOKENS)] == list(SPECIAL_TOKENS)
    assert tokens[:4] == ["<|pad|>", "<|startoftext|>", "<|endoftext|>", "<|unk|>"]
    assert field("tokenizer.ggml.bos_token_id") == 1
    assert field("tokenizer.ggml.eos_token_id") == 2
    assert field("tokenizer.ggml.eot_token_id") == EOM_ID
    assert field("tokenizer.chat_template") == CHAT_TEMPLATE

    allowed = {gguf.TENSOR_NAMES[t] for t in gguf.MODEL_TENSORS[gguf.MODEL_ARCH.JAMBA]}
    names = {t.name for t in reader.tensors}
    for name in names:
        base = name.rsplit(".", 1)[0] if name.endswith((".weight", ".bias")) else name
        assert any(base == a.format(bid=i) for a in allowed for i in range(n_layer)), name
    moe = [i for i in range(n_layer) if f"blk.{i}.ffn_gate_inp.weight" in names]
    assert 0 < len(moe) < n_layer
    for i, h in enumerate(head_count_kv):
        assert (f"blk.{i}.attn_q.weight" in names) == (h > 0)
        assert (f"blk.{i}.ssm_in.weight" in names) == (h == 0)


def test_ensure_caches_by_version(tmp_path: Path) -> None:
    first = ensure_tiny_jamba(tmp_path)
    assert first.name == f"tiny-jamba-v{GENERATOR_VERSION}.gguf"
    mtime = first.stat().st_mtime_ns
    assert ensure_tiny_jamba(tmp_path) == first
    assert first.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no temp files left behind


def test_cli_writes_a_model(tmp_path: Path) -> None:
    out = tmp_path / "cli.gguf"
    subprocess.run(
        [sys.executable, "-m", "modelport.models.tiny_jamba", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert out.read_bytes() == build_tiny_jamba(tmp_path / "api.gguf").read_bytes()


# --- llama.cpp loads and serves it --------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    tmp = tmp_path_factory.mktemp("tiny_jamba")
    model = build_tiny_jamba(tmp / "tiny-jamba.gguf")
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVER_SCRIPT, str(model), API_KEY],
            stdout=subprocess.PIPE,
            stderr=log,
        )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 120)
        line = proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("http://127.0.0.1:"):
            pytest.fail(f"server did not start: {line!r}\n{log_path.read_text(errors='replace')}")
        # llama.cpp closes keep-alive connections after a few requests without notice; a fresh
        # connection per request keeps this test about the model, not about that quirk (the
        # gateway's engine client retries such requests: see engines/openai_client.py).
        with httpx.Client(
            base_url=line,
            headers={"Authorization": f"Bearer {API_KEY}"},
            timeout=60,
            limits=httpx.Limits(max_keepalive_connections=0),
        ) as client:
            yield client
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def test_health_and_auth(server: httpx.Client) -> None:
    assert server.get("/health").json() == {"status": "ok"}
    r = httpx.post(
        server.base_url.join("/completion"), json={"prompt": "hi", "n_predict": 1}, timeout=30
    )
    assert r.status_code == 401


def test_props_report_the_embedded_template(server: httpx.Client) -> None:
    props = server.get("/props").json()
    assert props["chat_template"] == CHAT_TEMPLATE
    assert props["bos_token"] == "<|startoftext|>"
    assert props["eos_token"] == "<|endoftext|>"


def test_completion_predicts_exactly_n_tokens(server: httpx.Client) -> None:
    r = server.post(
        "/completion", json={"prompt": "hello world, the model", "n_predict": 8, "seed": 42}
    )
    body = r.raise_for_status().json()
    assert body["tokens_predicted"] == 8
    assert body["timings"]["predicted_n"] == 8
    assert body["stop_type"] == "limit"
    assert body["content"].strip()
    # The model is random but not degenerate: several distinct tokens over a longer run.
    r = server.post(
        "/completion",
        json={"prompt": "the model", "n_predict": 32, "seed": 7, "n_probs": 1},
    )
    toks = [p["id"] for p in r.raise_for_status().json()["completion_probabilities"]]
    assert len(toks) == 32 and len(set(toks)) >= 8


def test_tokenize_parses_special_tokens(server: httpx.Client) -> None:
    body = server.post("/tokenize", json={"content": "<|bom|><|user|> hello"}).json()
    assert body["tokens"][:2] == [SPECIAL_TOKENS.index("<|bom|>"), SPECIAL_TOKENS.index("<|user|>")]
    text = server.post("/detokenize", json={"tokens": body["tokens"]}).json()["content"]
    assert text == "<|bom|><|user|> hello"


def test_chat_template_renders_jamba_shape(server: httpx.Client) -> None:
    # apply-template drops the leading BOS (llama.cpp adds it again when tokenizing).
    prompt = server.post("/apply-template", json={"messages": MESSAGES}).json()["prompt"]
    assert "<|startoftext|>" + prompt == RENDERED
    no_system = server.post("/apply-template", json={"messages": MESSAGES[1:]}).json()["prompt"]
    assert no_system.startswith("<|bom|><|system|> <|eom|><|bom|><|user|> What")


def _prompt_token_count(server: httpx.Client) -> int:
    body = server.post("/tokenize", json={"content": RENDERED, "add_special": False}).json()
    return len(body["tokens"])


def test_chat_completion_non_stream(server: httpx.Client) -> None:
    body = (
        server.post(
            "/v1/chat/completions", json={"messages": MESSAGES, "max_tokens": 5, "temperature": 0}
        )
        .raise_for_status()
        .json()
    )
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert isinstance(body["choices"][0]["message"]["content"], str)
    assert 1 <= body["usage"]["completion_tokens"] <= 5
    assert body["usage"]["prompt_tokens"] == _prompt_token_count(server)


def test_chat_completion_stream(server: httpx.Client) -> None:
    chunks: list[dict[str, Any]] = []
    payload = {
        "messages": MESSAGES,
        "max_tokens": 5,
        "temperature": 0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with server.stream("POST", "/v1/chat/completions", json=payload) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                chunks.append(json.loads(line[len("data: ") :]))
    deltas = [c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]]
    assert sum(1 for d in deltas if d) >= 2
    usage = next(c["usage"] for c in reversed(chunks) if c.get("usage"))
    assert 1 <= usage["completion_tokens"] <= 5
    assert usage["prompt_tokens"] == _prompt_token_count(server)
    full = server.post(
        "/v1/chat/completions", json={"messages": MESSAGES, "max_tokens": 5, "temperature": 0}
    ).json()
    assert "".join(deltas) == full["choices"][0]["message"]["content"]


def test_stop_string_is_respected(server: httpx.Client) -> None:
    base = {"prompt": "hello world, the model", "n_predict": 24, "temperature": 0}
    text = server.post("/completion", json=base).json()["content"]
    stop = text[len(text) // 2 : len(text) // 2 + 2]
    assert len(stop) == 2
    body = server.post("/completion", json={**base, "stop": [stop]}).json()
    assert body["stop_type"] == "word"
    assert body["stopping_word"] == stop
    assert body["content"] == text[: text.index(stop)]
    chat = server.post(
        "/v1/chat/completions",
        json={"messages": MESSAGES, "max_tokens": 24, "temperature": 0},
    ).json()["choices"][0]["message"]["content"]
    cstop = chat[len(chat) // 2 : len(chat) // 2 + 2]
    stopped = server.post(
        "/v1/chat/completions",
        json={"messages": MESSAGES, "max_tokens": 24, "temperature": 0, "stop": [cstop]},
    ).json()["choices"][0]
    assert stopped["finish_reason"] == "stop"
    assert stopped["message"]["content"] == chat[: chat.index(cstop)]


@pytest.mark.parametrize("token", ["<|endoftext|>", "<|eom|>"])
def test_end_of_generation_tokens(server: httpx.Client, token: str) -> None:
    bias = {str(SPECIAL_TOKENS.index(token)): 100}
    choice = server.post(
        "/v1/chat/completions",
        json={"messages": MESSAGES, "max_tokens": 5, "logit_bias": bias},
    ).json()["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["content"] == ""
