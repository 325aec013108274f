"""Each dialect's canonical error shape, and its validation rules: every bad request answers in
the dialect's own shape and status and never reaches the engine (a recording engine proves it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.scripted import ScriptedEngine
from tests.support import EMBEDDED, JAMBA_TEST, LLAMA_TEST, ThreadServer, attach_offer, keys_of

pytestmark = pytest.mark.e2e

USER = [{"role": "user", "content": "Hi"}]
AZURE = "/chat/completions?api-version=2024-05-01-preview"


@pytest.fixture(scope="module")
def recorder(live_server: ThreadServer) -> Iterator[ScriptedEngine]:
    engine = ScriptedEngine()
    attach_offer(live_server, EMBEDDED, "rec-openai", engine)
    attach_offer(live_server, JAMBA_TEST, "rec-ai21", engine)
    attach_offer(live_server, LLAMA_TEST, "rec-llama", engine)
    yield engine
    for name in ("rec-openai", "rec-ai21", "rec-llama"):
        live_server.services.registry.remove(live_server.settings.default_region, name)


@pytest.fixture(scope="module")
def http(live_server: ThreadServer) -> Iterator[httpx.Client]:
    key = keys_of(live_server.base_url)["primary"]
    with httpx.Client(
        base_url=f"{live_server.base_url}/deployments", headers={"api-key": key}, timeout=30
    ) as client:
        yield client


def _ai21(**extra: Any) -> dict[str, Any]:
    return {"model": "jamba-1.5-mini", "messages": USER, **extra}


# (deployment, path, body, headers, status, words the message must contain)
BAD: list[tuple[str, str, Any, dict[str, str], int, str]] = [
    # Azure AI Model Inference
    ("rec-openai", AZURE, {"messages": USER, "foo": 1}, {}, 400, "extra parameters [foo]"),
    (
        "rec-openai",
        AZURE,
        {"messages": USER, "foo": 1},
        {"extra-parameters": "bogus"},
        400,
        "extra-parameters",
    ),
    (
        "rec-openai",
        "/chat/completions?api-version=2023-01-01",
        {"messages": USER},
        {},
        400,
        "unsupported api-version",
    ),
    ("rec-openai", AZURE, {"messages": USER, "temperature": 1.5}, {}, 400, "temperature"),
    ("rec-openai", AZURE, {"messages": []}, {}, 400, "messages"),
    ("rec-openai", AZURE, "not json", {}, 400, "not valid JSON"),
    # OpenAI
    (
        "rec-openai",
        "/v1/chat/completions",
        {"messages": USER, "temperature": 3},
        {},
        400,
        "temperature",
    ),
    ("rec-openai", "/completions", {"prompt": "x", "best_of": 1, "n": 2}, {}, 400, "best_of"),
    (
        "rec-openai",
        "/v1/chat/completions",
        {"messages": USER, "tools": [{"type": "function", "function": {"name": "f"}}]},
        {},
        400,
        "does not support tools",
    ),
    # AI21
    ("rec-ai21", "/v1/chat/completions", _ai21(model="jamba-instruct"), {}, 422, "serves"),
    ("rec-ai21", "/v1/chat/completions", {"messages": USER}, {}, 422, "model"),
    ("rec-ai21", "/v1/chat/completions", _ai21(max_tokens=5000), {}, 422, "max_tokens"),
    ("rec-ai21", "/v1/chat/completions", _ai21(temperature=2.5), {}, 422, "temperature"),
    ("rec-ai21", "/v1/chat/completions", _ai21(top_p=0), {}, 422, "top_p"),
    ("rec-ai21", "/v1/chat/completions", _ai21(n=17), {}, 422, "n"),
    ("rec-ai21", "/v1/chat/completions", _ai21(n=2, temperature=0), {}, 422, "duplicate"),
    ("rec-ai21", "/v1/chat/completions", _ai21(stop=5), {}, 422, "stop"),
    (
        "rec-ai21",
        "/v1/chat/completions",
        _ai21(messages=[*USER, *USER]),
        {},
        422,
        "expected an assistant message, got 'user'; after an optional system message, messages "
        "must alternate",
    ),
    (
        "rec-ai21",
        "/v1/chat/completions",
        _ai21(messages=[{"role": "assistant", "content": "x"}]),
        {},
        422,
        "expected a user message, got 'assistant'",
    ),
    (
        "rec-ai21",
        "/v1/chat/completions",
        _ai21(response_format={"type": "xml"}),
        {},
        422,
        "response_format",
    ),
    ("rec-ai21", "/v1/completions", {"prompt": "x"}, {}, 404, "/v1/completions"),
    # Llama
    (
        "rec-llama",
        "/v1/completions",
        {"prompt": "x", "best_of": 1, "n": 2},
        {},
        400,
        "best_of must be greater",
    ),
    (
        "rec-llama",
        "/v1/completions",
        {"prompt": "x", "best_of": 2, "stream": True},
        {},
        400,
        "streamed",
    ),
    (
        "rec-llama",
        "/v1/completions",
        {"prompt": "x", "use_beam_search": True},
        {},
        400,
        "best_of > 1",
    ),
    (
        "rec-llama",
        "/v1/completions",
        {"prompt": "x", "use_beam_search": True, "best_of": 2, "temperature": 0.5},
        {},
        400,
        "temperature 0",
    ),
    ("rec-llama", "/v1/completions", {"prompt": "x", "logprobs": 21}, {}, 400, "logprobs"),
    (
        "rec-llama",
        "/v1/chat/completions",
        {"messages": [{"role": "tool", "content": "x"}]},
        {},
        400,
        "role",
    ),
    ("rec-llama", "/v1/completions", {"prompt": "x", "frobnicate": 1}, {}, 400, "frobnicate"),
    (
        "rec-llama",
        "/v1/chat/completions",
        {"messages": USER, "stream_options": {"include_usage": True}},
        {},
        400,
        "stream_options is only allowed when stream is true",
    ),
    (
        "rec-openai",
        "/v1/completions",
        {"prompt": "x", "stream": False, "stream_options": {"include_usage": True}},
        {},
        400,
        "stream_options is only allowed when stream is true",
    ),
]


@pytest.mark.parametrize(("name", "path", "body", "headers", "status", "words"), BAD)
def test_bad_request_is_refused_before_the_engine(
    recorder: ScriptedEngine,
    http: httpx.Client,
    name: str,
    path: str,
    body: Any,
    headers: dict[str, str],
    status: int,
    words: str,
) -> None:
    before = len(recorder.calls)
    if isinstance(body, str):
        response = http.post(f"/{name}{path}", content=body, headers=headers)
    else:
        response = http.post(f"/{name}{path}", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert words in response.text
    assert "retry-after" not in response.headers
    assert len(recorder.calls) == before, "a refused request reached the engine"


def test_a_good_request_does_reach_the_recorder(
    recorder: ScriptedEngine, http: httpx.Client
) -> None:
    before = len(recorder.calls)
    response = http.post("/rec-ai21/v1/chat/completions", json=_ai21(stream=True, n=3))
    assert response.status_code == 200
    assert len(recorder.calls) == before + 1
    assert recorder.calls[-1].sampling.n == 1, "stream forces n=1"


# One canonical error shape per dialect (datasette's test_error_shape idea).


def test_azure_error_shape(recorder: ScriptedEngine, http: httpx.Client) -> None:
    response = http.post(f"/rec-openai{AZURE}", json={"messages": USER, "foo": 1})
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "details"}
    assert response.headers["x-ms-error-code"] == error["code"] == "unknown_parameter"


def test_openai_error_shape(recorder: ScriptedEngine, http: httpx.Client) -> None:
    response = http.post("/rec-openai/v1/chat/completions", json={"messages": USER, "n": 99})
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["param"] == "n"


def test_ai21_error_shape(recorder: ScriptedEngine, http: httpx.Client) -> None:
    response = http.post("/rec-ai21/v1/chat/completions", json=_ai21(n=0))
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "code", "param"}
    assert body["code"] == "invalid_request" and body["param"] == "n"


def test_llama_error_shape(recorder: ScriptedEngine, http: httpx.Client) -> None:
    response = http.post("/rec-llama/v1/completions", json={"prompt": "x", "n": 0})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"object", "message", "type", "param", "code"}
    assert body["object"] == "error" and body["code"] == 400 and body["param"] == "n"


def test_auth_errors_use_the_dialect_shape(live_server: ThreadServer) -> None:
    base = f"{live_server.base_url}/deployments"
    azure = httpx.post(f"{base}/{EMBEDDED}{AZURE}", json={"messages": USER})
    assert azure.status_code == 401 and azure.headers["x-ms-error-code"] == "unauthorized"
    info = httpx.get(f"{base}/{EMBEDDED}/info")
    assert info.status_code == 401 and info.json()["error"]["code"] == "unauthorized"


def test_a_wrong_method_answers_in_the_routes_shape(live_server: ThreadServer) -> None:
    # Was Starlette's own {"detail": "Method Not Allowed"}, in no dialect's shape.
    base = f"{live_server.base_url}/deployments/{EMBEDDED}"
    azure = httpx.get(f"{base}/chat/completions")
    assert azure.status_code == 405 and azure.headers["allow"] == "POST"
    assert azure.headers["x-ms-error-code"] == "method_not_allowed"
    assert set(azure.json()["error"]) >= {"code", "message", "details"}
    assert "GET is not allowed here (allowed: POST)" in azure.json()["error"]["message"]
    for path in ("/v1/chat/completions", "/completions"):
        openai = httpx.get(f"{base}{path}")
        assert openai.status_code == 405 and openai.headers["allow"] == "POST"
        assert set(openai.json()["error"]) == {"message", "type", "param", "code"}, openai.text
        assert openai.json()["error"]["code"] == "method_not_allowed"
    info = httpx.post(f"{base}/info")
    assert info.status_code == 405 and info.headers["x-ms-error-code"] == "method_not_allowed"
