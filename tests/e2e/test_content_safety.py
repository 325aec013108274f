"""Content safety through the live server: prompts blocked before the 200 in every dialect's
shape, completions that turn harmful half-way stopped identically streamed and not, nothing
blocked ever on the wire, metering of filtered requests, failing classifiers failing closed.

Completions come from a scripted engine attached behind the live server (the gateway, the
pipeline, the guard and the renderers are the real ones); blocked prompts also go to the real
embedded deployment (they never reach its engine).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from modelport.inference.types import (
    Event,
    InferenceRequest,
    Message,
    RequestKind,
    SamplingParams,
)
from modelport.models.adapter import ModelAdapter
from modelport.policy.safety import Ensemble, SafetyResult, SafetyService
from tests.e2e.test_billing import ledger_row
from tests.scripted import ScriptedEngine, text_events
from tests.support import (
    ADMIN_HEADERS,
    EMBEDDED,
    JAMBA_TEST,
    LLAMA_TEST,
    ThreadServer,
    attach_offer,
    keys_of,
)

pytestmark = pytest.mark.e2e

AZURE = "?api-version=2024-05-01-preview"
BLOCKED_WORD = "kill"
HARMFUL = (
    "Sure! Here is a nice story about a picnic in the park with friends and lots of sandwiches. "
    "Then he said: I am going to kill you tonight, and everybody screamed."
)
TAIL = " ".join(["and then the day went on quietly"] * 12)  # what the engine would go on with
BENIGN = "Paris is the capital of France and it has many lovely museums to visit."
BLOCKED_PROMPT = "I am going to kill you tonight, I know where you live."


@dataclass
class CountingEngine(ScriptedEngine):
    """A scripted engine that records how many events each call got to yield before it was
    closed (the pipeline stops the engine once every choice has been filtered)."""

    yielded: list[int] = field(default_factory=list)

    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        self.calls.append(request)
        events = self.outputs.pop(0) if self.outputs else text_events("scripted answer")
        self.yielded.append(0)
        for event in events:
            self.yielded[-1] += 1
            yield event


@pytest.fixture(scope="module")
def engine(live_server: ThreadServer) -> Iterator[CountingEngine]:
    engine = CountingEngine()
    attach_offer(live_server, EMBEDDED, "cs-openai", engine)
    attach_offer(live_server, JAMBA_TEST, "cs-ai21", engine)
    attach_offer(live_server, LLAMA_TEST, "cs-llama", engine)
    yield engine
    for name in ("cs-openai", "cs-ai21", "cs-llama"):
        live_server.services.registry.remove(live_server.settings.default_region, name)


@pytest.fixture(scope="module")
def key(live_server: ThreadServer) -> str:
    return keys_of(live_server.base_url)["primary"]


@pytest.fixture(scope="module")
def http(live_server: ThreadServer, key: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{live_server.base_url}/deployments", headers={"api-key": key}, timeout=30
    ) as client:
        yield client


def _messages(text: str = "Tell me a story.") -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


# (deployment, path) of each dialect's generation routes
ROUTES: list[tuple[str, str]] = [
    ("cs-openai", "/chat/completions" + AZURE),
    ("cs-openai", "/v1/chat/completions"),
    ("cs-openai", "/completions"),
    ("cs-ai21", "/v1/chat/completions"),
    ("cs-llama", "/v1/chat/completions"),
    ("cs-llama", "/v1/completions"),
]


def _body(name: str, path: str, text: str = "Tell me a story.") -> dict[str, Any]:
    """A request in the route's dialect whose prompt (or one user message) is ``text``."""
    body: dict[str, Any]
    if path.endswith("/completions") and "chat" not in path:
        body = {"prompt": text}
    else:
        body = {"messages": _messages(text)}
    if name == "cs-ai21":
        body["model"] = "jamba-1.5-mini"
    if name == "cs-llama":
        body["max_tokens"] = 200  # the Llama dialect's default is 16
    return body


def _text(choice: dict[str, Any]) -> str:
    if "message" in choice:
        return str(choice["message"]["content"] or "")
    if "delta" in choice:
        return str(choice["delta"].get("content") or "")
    return str(choice.get("text") or "")


def _stream(http: httpx.Client, url: str, body: dict[str, Any]) -> tuple[list[str], str]:
    """The raw `data:` lines of a streamed answer and its request id."""
    with http.stream("POST", url, json={**body, "stream": True}) as response:
        assert response.status_code == 200, response.read()
        lines = [line for line in response.iter_lines() if line]
        return lines, response.headers["x-request-id"]


@pytest.mark.parametrize(("name", "path"), ROUTES)
def test_harmful_completion_streamed_and_whole_agree(
    live_server: ThreadServer, engine: CountingEngine, http: httpx.Client, name: str, path: str
) -> None:
    body = _body(name, path)
    engine.outputs = [text_events(HARMFUL + " " + TAIL), text_events(HARMFUL + " " + TAIL)]
    whole = http.post(f"/{name}{path}", json=body)
    assert whole.status_code == 200, whole.text
    (choice,) = whole.json()["choices"]
    lines, stream_id = _stream(http, f"/{name}{path}", body)

    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    for line in lines:  # the blocked word is in no chunk, not even inside an annotation
        assert BLOCKED_WORD not in line.lower()
    streamed_text = "".join(_text(c) for chunk in chunks for c in chunk["choices"])
    reasons = [c["finish_reason"] for chunk in chunks for c in chunk["choices"]]
    assert [r for r in reasons if r is not None] == [choice["finish_reason"]] == ["content_filter"]
    assert streamed_text == _text(choice)
    assert streamed_text.startswith("Sure! Here is a nice story")
    assert BLOCKED_WORD not in streamed_text.lower()

    # The engine was stopped once the choice was filtered; the tokens it generated are billed.
    assert all(n < len(text_events(HARMFUL + " " + TAIL)) for n in engine.yielded[-2:])
    for request_id, response_usage in (
        (whole.headers["x-request-id"], whole.json()["usage"]),
        (stream_id, chunks[-1]["usage"]),
    ):
        row = ledger_row(live_server, request_id)
        assert row.outcome == "content_filtered"
        assert (row.prompt_tokens, row.completion_tokens) == (
            response_usage["prompt_tokens"],
            response_usage["completion_tokens"],
        )
        assert row.completion_tokens >= len(HARMFUL.split()[:10])


def test_azure_and_openai_annotate_each_choice(engine: CountingEngine, http: httpx.Client) -> None:
    engine.outputs = [text_events(BENIGN), text_events(HARMFUL + " " + TAIL)]
    ok = http.post(f"/cs-openai/chat/completions{AZURE}", json={"messages": _messages()}).json()
    (prompt,) = ok["prompt_filter_results"]
    assert prompt["content_filter_results"]["jailbreak"] == {"filtered": False, "detected": False}
    annotation = ok["choices"][0]["content_filter_results"]
    assert annotation["violence"] == {"filtered": False, "severity": "safe"}
    assert ok["choices"][0]["finish_reason"] == "stop"

    lines, _ = _stream(http, "/cs-openai/v1/chat/completions", {"messages": _messages()})
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert "prompt_filter_results" in chunks[0]
    (last,) = [c for chunk in chunks for c in chunk["choices"] if c["finish_reason"]]
    assert last["content_filter_results"]["violence"]["filtered"] is True
    assert last["content_filter_results"]["violence"]["severity"] in ("medium", "high")


def test_two_choices_filtered_independently(engine: CountingEngine, http: httpx.Client) -> None:
    engine.outputs = [
        [*text_events(BENIGN, index=0)[:-1], *text_events(HARMFUL + " " + TAIL, index=1)]
    ]
    body = http.post("/cs-openai/v1/chat/completions", json={"messages": _messages(), "n": 2})
    choices = sorted(body.json()["choices"], key=lambda c: c["index"])
    assert [c["finish_reason"] for c in choices] == ["stop", "content_filter"]
    assert choices[0]["message"]["content"] == BENIGN
    assert BLOCKED_WORD not in choices[1]["message"]["content"]


# -- blocked prompts ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "path"), ROUTES)
@pytest.mark.parametrize("stream", [False, True])
def test_blocked_prompt_is_a_400_in_the_dialects_shape(
    engine: CountingEngine, http: httpx.Client, name: str, path: str, stream: bool
) -> None:
    calls = len(engine.calls)
    response = http.post(
        f"/{name}{path}", json={**_body(name, path, BLOCKED_PROMPT), "stream": stream}
    )
    assert response.status_code == 400, response.text
    assert "retry-after" not in response.headers
    data = response.json()
    if path.endswith(AZURE):
        assert response.headers["x-ms-error-code"] == "content_filter"
        error = data["error"]
        assert error["code"] == "content_filter"
        assert error["innererror"]["code"] == "ResponsibleAIPolicyViolation"
        result = error["innererror"]["content_filter_result"]
    elif name == "cs-ai21":
        assert data["code"] == "content_filter" and "filtered" in data["detail"]
        result = data["content_filter_result"]
    elif name == "cs-llama":
        assert data["object"] == "error" and data["type"] == "BadRequestError"
        assert data["code"] == 400 and "filtered" in data["message"]
        result = data["content_filter_result"]
    else:
        error = data["error"]
        assert error["code"] == "content_filter" and error["type"] == "invalid_request_error"
        result = error["content_filter_result"]
    assert result["violence"]["filtered"] is True
    # the other categories are reported, unfiltered (the model may rate them safe or low)
    assert result["hate"]["filtered"] is False and result["hate"]["severity"] in ("safe", "low")
    assert len(engine.calls) == calls  # nothing was generated


def test_blocked_prompt_is_metered_with_its_prompt_tokens(store_server: ThreadServer) -> None:
    """On the real engine, on each store: the prompt was counted (by the engine's tokenizer) at
    admission and is billed as content-filtered, with no completion tokens."""
    live_server = store_server
    key = keys_of(live_server.base_url)["primary"]
    target = f"{live_server.base_url}/deployments/{EMBEDDED}/v1/chat/completions"
    blocked = httpx.post(
        target, json={"messages": _messages(BLOCKED_PROMPT)}, headers={"api-key": key}
    )
    assert blocked.status_code == 400
    row = ledger_row(live_server, blocked.headers["x-request-id"])
    assert row.outcome == "content_filtered" and row.completion_tokens == 0
    live = live_server.services.registry.get(live_server.settings.default_region, EMBEDDED)
    assert live is not None and live.engine is not None and live_server.loop is not None
    request = InferenceRequest(
        kind=RequestKind.CHAT,
        sampling=SamplingParams(),
        messages=(Message(role="user", content=BLOCKED_PROMPT),),
    )
    counted = asyncio.run_coroutine_threadsafe(
        live.engine.count_prompt_tokens(ModelAdapter(live.offer).prepare(request)),
        live_server.loop,
    ).result(timeout=30)
    assert row.prompt_tokens == counted > len(BLOCKED_PROMPT.split())


def test_documents_and_system_messages_are_checked(
    engine: CountingEngine, http: httpx.Client
) -> None:
    body = {
        "model": "jamba-1.5-mini",
        "messages": _messages("Summarise the document."),
        "documents": [{"content": BLOCKED_PROMPT}],
    }
    assert http.post("/cs-ai21/v1/chat/completions", json=body).status_code == 400
    system = [{"role": "system", "content": BLOCKED_PROMPT}, *_messages()]
    assert http.post("/cs-openai/v1/chat/completions", json={"messages": system}).status_code == 400


# -- moderation failing -------------------------------------------------------------------------


class BrokenClassifier:
    """A plug-in that fails on any text mentioning 'picnic' (and passes everything else)."""

    name = "broken"

    def classify(self, text: str) -> SafetyResult:
        if "picnic" in text:
            raise RuntimeError("model server unreachable")
        return SafetyResult()


@pytest.fixture
def broken(live_server: ThreadServer) -> Iterator[None]:
    moderation = live_server.services.pipeline.moderation
    assert moderation is not None
    working = moderation.service
    moderation.service = SafetyService(Ensemble([BrokenClassifier()]), timeout_s=2)
    try:
        yield
    finally:
        moderation.service = working


@pytest.mark.parametrize(
    ("name", "path", "shown"),
    [
        ("cs-llama", "/v1/completions", "content_filter_error"),
        ("cs-llama", "/v1/chat/completions", "content_filter_error"),
        ("cs-ai21", "/v1/chat/completions", "content_filter_error"),
        ("cs-openai", "/chat/completions" + AZURE, "content_filter"),
        ("cs-openai", "/v1/chat/completions", "content_filter"),
    ],
)
def test_failing_classifier_fails_closed_on_completions(
    live_server: ThreadServer,
    engine: CountingEngine,
    http: httpx.Client,
    broken: None,
    name: str,
    path: str,
    shown: str,
) -> None:
    body = _body(name, path)
    engine.outputs = [text_events(HARMFUL), text_events(HARMFUL)]
    whole = http.post(f"/{name}{path}", json=body)
    assert whole.status_code == 200, whole.text
    (choice,) = whole.json()["choices"]
    lines, stream_id = _stream(http, f"/{name}{path}", body)
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    (last,) = [c for chunk in chunks for c in chunk["choices"] if c["finish_reason"]]
    assert choice["finish_reason"] == last["finish_reason"] == shown
    assert _text(choice) == "".join(_text(c) for chunk in chunks for c in chunk["choices"])
    assert "picnic" not in _text(choice)  # nothing unchecked was released
    if shown == "content_filter":  # Azure/OpenAI: the annotation says moderation failed
        assert choice["content_filter_results"]["error"]["code"] == "content_filter_error"
        assert last["content_filter_results"] == choice["content_filter_results"]
    assert ledger_row(live_server, stream_id).outcome == "content_filter_error"


def test_failing_classifier_fails_closed_on_prompts(
    live_server: ThreadServer, engine: CountingEngine, http: httpx.Client, broken: None
) -> None:
    calls = len(engine.calls)
    response = http.post(
        "/cs-llama/v1/completions", json={"prompt": "A picnic story, please.", "stream": True}
    )
    assert response.status_code == 500
    assert response.json()["type"] == "ContentFilterFailed"
    azure = http.post(f"/cs-openai/chat/completions{AZURE}", json={"messages": _messages("picnic")})
    assert azure.status_code == 500
    assert azure.json()["error"]["code"] == "content_filter_error"
    assert len(engine.calls) == calls
    assert ledger_row(live_server, azure.headers["x-request-id"]).outcome == "content_filter_error"


def test_prometheus_counters(live_server: ThreadServer, http: httpx.Client) -> None:
    http.post("/cs-openai/v1/chat/completions", json={"messages": _messages(BLOCKED_PROMPT)})
    text = httpx.get(f"{live_server.base_url}/metrics", headers=ADMIN_HEADERS).text

    def value(metric: str) -> float:
        found = re.search(rf"^{re.escape(metric)} (\S+)$", text, re.MULTILINE)
        assert found, metric
        return float(found.group(1))

    assert value('modelport_content_filtered_prompts_total{deployment="cs-openai"}') >= 1
    assert value('modelport_content_filtered_completions_total{deployment="cs-openai"}') >= 1
    assert 'modelport_requests_total{deployment="cs-openai",outcome="content_filtered"}' in text
    assert "# TYPE modelport_content_filter_failures_total counter" in text
