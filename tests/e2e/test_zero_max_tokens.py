"""``max_tokens: 0`` per dialect, from each wire contract: OpenAI's chat requires ``>= 1`` (a 400
naming the parameter, nothing generated or billed); Azure AI Model Inference (``>= 0``), AI21
(0-4096) and OpenAI's completions (``minimum: 0``) allow 0, answered without the engine: an empty
completion, ``finish_reason: "length"``, the prompt's tokens and 0 completion tokens, metered so.
(It generated, and billed, one token.) On SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from modelport.store.usage import ledger_rows
from tests.e2e.test_billing import ledger_row
from tests.scripted import ScriptedEngine
from tests.support import EMBEDDED, JAMBA_TEST, ThreadServer, attach_offer, keys_of

pytestmark = pytest.mark.e2e

USER = [{"role": "user", "content": "What is the capital of France?"}]
AZURE = "/chat/completions?api-version=2024-05-01-preview"


@pytest.fixture(scope="module")
def recorder(store_server: ThreadServer) -> Iterator[ScriptedEngine]:
    engine = ScriptedEngine()
    attach_offer(store_server, EMBEDDED, "zero-openai", engine)
    attach_offer(store_server, JAMBA_TEST, "zero-ai21", engine)
    yield engine
    for name in ("zero-openai", "zero-ai21"):
        store_server.services.registry.remove(store_server.settings.default_region, name)


@pytest.fixture(scope="module")
def key(store_server: ThreadServer) -> str:
    return keys_of(store_server.base_url)["primary"]


@pytest.fixture(scope="module")
def http(store_server: ThreadServer, key: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{store_server.base_url}/deployments", headers={"api-key": key}, timeout=60
    ) as client:
        yield client


def _no_record(server: ThreadServer, request_id: str) -> None:
    with server.services.store.engine.connect() as conn:
        assert ledger_rows(conn, [request_id]) == [], "a refused request was metered"


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_openai_chat_refuses_zero_in_its_shape(
    store_server: ThreadServer, recorder: ScriptedEngine, key: str, field: str
) -> None:
    client = openai.OpenAI(
        base_url=f"{store_server.base_url}/deployments/zero-openai/v1", api_key=key, max_retries=0
    )
    before = len(recorder.calls)
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="m", messages=USER, **{field: 0})  # type: ignore[call-overload]
    error = raised.value.body
    assert isinstance(error, dict) and error["param"] == field, error
    assert (
        error["type"] == "invalid_request_error"
        and "greater than or equal to 1" in error["message"]
    )
    assert len(recorder.calls) == before, "a refused request reached the engine"
    _no_record(store_server, raised.value.response.headers["x-request-id"])


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# (deployment, path, body, where the text is)
ALLOWED = [
    ("zero-openai", AZURE, {"messages": USER, "max_tokens": 0}, "message"),
    ("zero-openai", "/chat/completions", {"messages": USER, "max_tokens": 0}, "message"),
    (
        "zero-ai21",
        "/v1/chat/completions",
        {"model": "jamba-1.5-mini", "messages": USER, "max_tokens": 0},
        "message",
    ),
    ("zero-openai", "/completions", {"prompt": "The sky is", "max_tokens": 0}, "text"),
]


@pytest.mark.parametrize(("name", "path", "body", "where"), ALLOWED)
def test_zero_is_an_empty_answer_without_the_engine(
    store_server: ThreadServer,
    recorder: ScriptedEngine,
    http: httpx.Client,
    name: str,
    path: str,
    body: dict[str, Any],
    where: str,
) -> None:
    before = len(recorder.calls)
    response = http.post(f"/{name}{path}", json=body)
    answer = _ok(response)
    assert len(recorder.calls) == before, "max_tokens 0 called the engine"
    (choice,) = answer["choices"]
    assert choice["finish_reason"] == "length"
    text = choice["message"]["content"] if where == "message" else choice["text"]
    assert not text, answer
    usage = answer["usage"]
    prompt = usage["prompt_tokens"]
    assert prompt > 0 and usage["completion_tokens"] == 0 and usage["total_tokens"] == prompt
    if "prompt" in body:  # counted as the engine counts (the scripted engine counts words)
        assert prompt == len(body["prompt"].split())
    row = ledger_row(store_server, response.headers["x-request-id"])
    assert (row.prompt_tokens, row.completion_tokens, row.outcome) == (prompt, 0, "ok")


@pytest.mark.parametrize(("name", "path", "body", "where"), ALLOWED)
def test_zero_streams_an_empty_answer(
    store_server: ThreadServer,
    recorder: ScriptedEngine,
    http: httpx.Client,
    name: str,
    path: str,
    body: dict[str, Any],
    where: str,
) -> None:
    before = len(recorder.calls)
    with http.stream("POST", f"/{name}{path}", json={**body, "stream": True}) as response:
        assert response.status_code == 200, response.read()
        lines = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    assert len(recorder.calls) == before, "max_tokens 0 called the engine"
    chunks = [json.loads(line) for line in lines[:-1]]
    assert "error" not in chunks[-1], chunks
    texts = [
        (c["delta"].get("content") if where == "message" else c.get("text")) or ""
        for chunk in chunks
        for c in chunk["choices"]
    ]
    assert "".join(texts) == ""
    reasons = [c["finish_reason"] for chunk in chunks for c in chunk["choices"]]
    assert [r for r in reasons if r] == ["length"], chunks
    usage = chunks[-1]["usage"]
    assert usage["completion_tokens"] == 0 and usage["prompt_tokens"] > 0, chunks
    row = ledger_row(store_server, response.headers["x-request-id"])
    assert (row.prompt_tokens, row.completion_tokens) == (usage["prompt_tokens"], 0)


def test_zero_through_the_openai_sdk_on_the_real_engine(
    store_server: ThreadServer, key: str
) -> None:
    # The openai SDK calls /chat/completions: the Azure AI Model Inference route, which allows 0.
    client = openai.OpenAI(
        base_url=f"{store_server.base_url}/deployments/{EMBEDDED}", api_key=key, max_retries=0
    )
    raw = client.chat.completions.with_raw_response.create(
        model=EMBEDDED, messages=USER, max_tokens=0, temperature=0
    )
    answer = raw.parse()
    assert answer.choices[0].finish_reason == "length"
    assert not answer.choices[0].message.content
    assert answer.usage is not None and answer.usage.completion_tokens == 0
    assert answer.usage.prompt_tokens > 0
    row = ledger_row(store_server, raw.headers["x-request-id"])
    assert (row.prompt_tokens, row.completion_tokens) == (answer.usage.prompt_tokens, 0)
