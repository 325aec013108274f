"""The walking skeleton end to end: real engine, real openai SDK, live server."""

from __future__ import annotations

import concurrent.futures
import json
import socket
import time

import httpx
import openai
import pytest

from tests.support import EMBEDDED, ThreadServer, keys_of

pytestmark = pytest.mark.e2e

QUESTION = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is the capital of France?"},
]


@pytest.fixture(scope="module")
def target(live_server: ThreadServer) -> str:
    return f"{live_server.base_url}/deployments/{EMBEDDED}"


@pytest.fixture(scope="module")
def client(live_server: ThreadServer, target: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=target, api_key=keys_of(live_server.base_url)["primary"])


def test_chat_non_streamed_answers_with_usage(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model=EMBEDDED, messages=QUESTION, temperature=0, max_tokens=24
    )
    choice = reply.choices[0]
    assert "Paris" in (choice.message.content or "")
    assert choice.message.role == "assistant"
    assert choice.finish_reason in ("stop", "length")
    assert reply.usage is not None
    assert reply.usage.prompt_tokens > 10
    assert 0 < reply.usage.completion_tokens <= 24
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens
    assert reply.model == EMBEDDED


def test_streamed_and_non_streamed_agree(client: openai.OpenAI) -> None:
    whole = client.chat.completions.create(
        model=EMBEDDED, messages=QUESTION, temperature=0, max_tokens=24
    )
    stream = client.chat.completions.create(
        model=EMBEDDED,
        messages=QUESTION,
        temperature=0,
        max_tokens=24,
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces: list[str] = []
    usage = None
    finish = None
    chunks = 0
    for chunk in stream:
        chunks += 1
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            pieces.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
    # Content safety releases text per checked window (docs/content-safety.md): at least a text
    # chunk, the finish chunk and the usage chunk.
    assert chunks >= 3, "the answer should arrive in several chunks"
    assert "".join(pieces) == whole.choices[0].message.content
    assert finish == whole.choices[0].finish_reason
    assert usage is not None and whole.usage is not None
    assert usage.prompt_tokens == whole.usage.prompt_tokens
    assert usage.completion_tokens == whole.usage.completion_tokens


def test_stream_without_include_usage_carries_usage_on_last_chunk(
    target: str, live_server: ThreadServer
) -> None:
    key = keys_of(live_server.base_url)["primary"]
    body = {"messages": QUESTION, "max_tokens": 8, "temperature": 0, "stream": True}
    with httpx.stream(
        "POST", f"{target}/v1/chat/completions", json=body, headers={"api-key": key}, timeout=60
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        raw = r.read().decode()
    events = raw.split("\n\n")
    assert events[-1] == "" and events[-2] == "data: [DONE]"
    assert all(e.startswith("data: ") for e in events[:-1])
    assert "\r" not in raw
    last = json.loads(events[-3][6:])
    assert last["choices"][0]["finish_reason"] in ("stop", "length")
    assert last["usage"]["completion_tokens"] > 0


def test_bad_key_is_401(target: str) -> None:
    bad = openai.OpenAI(base_url=target, api_key="mp-not-a-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        bad.chat.completions.create(model=EMBEDDED, messages=QUESTION, max_tokens=4)
    assert info.value.status_code == 401
    body = info.value.response.json()
    assert set(body["error"]) >= {"code", "message"}
    assert "mp-not-a-key" not in info.value.response.text


def test_missing_key_is_401(target: str) -> None:
    response = httpx.post(f"{target}/chat/completions", json={"messages": QUESTION})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert "retry-after" not in response.headers


def test_unknown_deployment_is_refused_like_a_wrong_key(live_server: ThreadServer) -> None:
    """A key opens only its own deployment; for any other name, existing or not, the answer is
    the same 401 (names cannot be enumerated)."""
    key = keys_of(live_server.base_url)["primary"]
    other = openai.OpenAI(
        base_url=f"{live_server.base_url}/deployments/no-such-thing", api_key=key, max_retries=0
    )
    with pytest.raises(openai.AuthenticationError) as info:
        other.chat.completions.create(model=EMBEDDED, messages=QUESTION, max_tokens=4)
    assert info.value.response.json()["error"]["code"] == "unauthorized"


def test_four_concurrent_requests_complete(client: openai.OpenAI) -> None:
    def ask(i: int) -> int:
        reply = client.chat.completions.create(
            model=EMBEDDED,
            messages=[{"role": "user", "content": f"Count to {i + 3}."}],
            max_tokens=16,
        )
        assert reply.usage is not None
        return reply.usage.completion_tokens

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(ask, range(4)))
    assert len(results) == 4 and all(n > 0 for n in results)
    assert time.perf_counter() - started < 60


def test_many_sequential_requests_all_succeed(target: str, live_server: ThreadServer) -> None:
    """The engine's HTTP server drops pooled connections every few requests; none may fail."""
    key = keys_of(live_server.base_url)["primary"]
    body = {"messages": QUESTION, "max_tokens": 1}
    with httpx.Client(headers={"api-key": key}, timeout=60) as client:
        statuses = [
            client.post(f"{target}/chat/completions", json=body).status_code for _ in range(24)
        ]
    assert statuses == [200] * 24


def test_secondary_key_works_too(target: str, live_server: ThreadServer) -> None:
    key = keys_of(live_server.base_url)["secondary"]
    reply = openai.OpenAI(base_url=target, api_key=key).chat.completions.create(
        model=EMBEDDED,
        messages=QUESTION,
        max_tokens=4,
        temperature=0,  # greedy: see test_oidc
    )
    assert reply.choices[0].message.content


def _engine_metrics(url: str, headers: dict[str, str]) -> dict[str, float]:
    text = httpx.get(url, headers=headers).text
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name.removeprefix("llamacpp:")] = float(value)
    return values


def test_client_disconnect_stops_generation(target: str, live_server: ThreadServer) -> None:
    """Closing the stream early stops the engine instead of generating to max_tokens."""
    key = keys_of(live_server.base_url)["primary"]
    live = live_server.services.registry.get("local", EMBEDDED)
    assert live is not None and live.engine is not None
    worker = live.engine.worker  # type: ignore[attr-defined]
    metrics_url = f"{worker.base_url}/metrics"
    engine_headers = {"Authorization": f"Bearer {worker.api_key}"}
    before = _engine_metrics(metrics_url, engine_headers)["tokens_predicted_total"]
    body = {
        "messages": [{"role": "user", "content": "Write a very long story about a dragon."}],
        "max_tokens": 3000,
        "stream": True,
        "temperature": 1.0,
    }
    with httpx.stream(
        "POST", f"{target}/chat/completions", json=body, headers={"api-key": key}, timeout=60
    ) as r:
        assert r.status_code == 200
        seen = 0
        for line in r.iter_lines():
            if line.startswith("data: "):
                seen += 1
            if seen >= 5:
                break
    # llama.cpp adds a task's tokens to tokens_predicted_total when the task ends. Generating all
    # 3000 tokens takes ~40 s here; a cancelled task ends within a moment of the disconnect.
    deadline = time.monotonic() + 15
    generated = 0.0
    while time.monotonic() < deadline:
        metrics = _engine_metrics(metrics_url, engine_headers)
        generated = metrics["tokens_predicted_total"] - before
        if generated > 0 and metrics["requests_processing"] == 0:
            break
        time.sleep(0.1)
    assert 5 <= generated < 1000, f"the engine kept generating after the disconnect ({generated})"


def test_non_streamed_client_timeout_stops_generation(
    target: str, live_server: ThreadServer
) -> None:
    """A non-streamed answer nobody waits for any more must not keep an engine slot busy."""
    key = keys_of(live_server.base_url)["primary"]
    live = live_server.services.registry.get("local", EMBEDDED)
    assert live is not None and live.engine is not None
    worker = live.engine.worker  # type: ignore[attr-defined]
    metrics_url = f"{worker.base_url}/metrics"
    engine_headers = {"Authorization": f"Bearer {worker.api_key}"}
    before = _engine_metrics(metrics_url, engine_headers)["tokens_predicted_total"]
    body = {
        "messages": [{"role": "user", "content": "Write a very long story about a dragon."}],
        "max_tokens": 3000,
        "temperature": 1.0,
    }
    # The client gives up once the engine is generating for it (not after a fixed time, which
    # on a loaded machine can pass before the engine even starts): a raw socket, closed then.
    url = httpx.URL(f"{target}/v1/chat/completions")
    payload = json.dumps(body).encode()
    head = (
        f"POST {url.raw_path.decode()} HTTP/1.1\r\nHost: {url.host}:{url.port}\r\n"
        f"api-key: {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode()
    with socket.create_connection((url.host, url.port), timeout=60) as client:
        client.sendall(head + payload)
        # n_decode_total grows with every decoding step while a task runs (tokens_predicted
        # only when it ends): leave a few tokens into the answer, however slow the machine is.
        decodes = _engine_metrics(metrics_url, engine_headers)["n_decode_total"]
        deadline = time.monotonic() + 60
        while _engine_metrics(metrics_url, engine_headers)["n_decode_total"] < decodes + 4:
            assert time.monotonic() < deadline, "the engine never started the request"
            time.sleep(0.05)
    deadline = time.monotonic() + 15
    generated = 0.0
    while time.monotonic() < deadline:
        metrics = _engine_metrics(metrics_url, engine_headers)
        generated = metrics["tokens_predicted_total"] - before
        if generated > 0 and metrics["requests_processing"] == 0:
            break
        time.sleep(0.1)
    assert 1 <= generated < 1000, f"the engine kept generating after the client left ({generated})"
