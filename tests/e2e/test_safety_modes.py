"""Streaming safety modes through the live server.

The mode is a policy setting (management API and CLI), shown in each response's annotations and
``x-content-filter-mode`` header. In the asynchronous mode a harmful completion is cut with
``content_filter`` within the stated lag while benign text streams token by token (each engine
delta its own chunk, as soon as it is generated); the openai SDK reads both. Completions come
from a scripted engine behind the real gateway, pipeline and guard; the policy round trip runs
on the real embedded deployment and engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import openai
import pytest

from modelport.policy.safety.policy import SafetyPolicy, StreamingMode
from modelport.policy.safety.stream_guard import window_settings
from tests.e2e.test_cli import _cli
from tests.e2e.test_content_safety import HARMFUL, TAIL, CountingEngine
from tests.scripted import text_events
from tests.support import EMBEDDED, ThreadServer, admin, attach_offer, keys_of

pytestmark = pytest.mark.e2e

PATH = f"/management/deployments/{EMBEDDED}/content-safety"
BENIGN = "Paris is the capital of France and it has many lovely museums and parks to visit."


@pytest.fixture(scope="module")
def key(live_server: ThreadServer) -> str:
    return keys_of(live_server.base_url)["primary"]


@pytest.fixture
def engine(live_server: ThreadServer) -> Iterator[CountingEngine]:
    engine = CountingEngine()
    live = attach_offer(live_server, EMBEDDED, "cs-async", engine)
    live.safety = SafetyPolicy.serverless().updated({"streaming_mode": "asynchronous"})
    yield engine
    live_server.services.registry.remove(live_server.settings.default_region, "cs-async")


def _client(live_server: ThreadServer, key: str, name: str) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{live_server.base_url}/deployments/{name}/v1", api_key=key, max_retries=0
    )


def test_mode_is_a_policy_setting_through_the_cli_and_the_api(
    live_server: ThreadServer, key: str
) -> None:
    shown = _cli(
        live_server,
        "deployments",
        "safety",
        EMBEDDED,
        "--streaming-mode",
        "asynchronous",
        "--window-chars",
        "32",
        "--json",
    )
    assert shown.returncode == 0, shown.stderr
    policy = json.loads(shown.stdout)
    assert (policy["streaming_mode"], policy["window_chars"]) == ("asynchronous", 32)
    target = f"{live_server.base_url}/deployments/{EMBEDDED}"
    body = {"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 8}
    try:
        with admin(live_server.base_url) as client:
            assert client.get(PATH).json()["streaming_mode"] == "asynchronous"
            refused = client.patch(PATH, json={"streaming_mode": "later"})
            assert refused.status_code == 422, refused.text
        with httpx.stream(
            "POST",
            f"{target}/chat/completions",
            json={**body, "stream": True},
            headers={"api-key": key},
            timeout=60,
        ) as streamed:
            assert streamed.headers["x-content-filter-mode"] == "asynchronous"
            chunks = [
                json.loads(line[6:]) for line in streamed.iter_lines() if line.startswith("data: {")
            ]
        assert chunks[0]["content_filter_mode"] == "asynchronous"
        # A whole answer is checked before it is sent, whatever the streaming mode.
        whole = httpx.post(
            f"{target}/chat/completions", json=body, headers={"api-key": key}, timeout=60
        )
        assert whole.json()["content_filter_mode"] == "hold_back"
        assert whole.headers["x-content-filter-mode"] == "hold_back"
    finally:
        reset = _cli(
            live_server,
            "deployments",
            "safety",
            EMBEDDED,
            "--streaming-mode",
            "hold_back",
            "--window-chars",
            "48",
        )
        assert reset.returncode == 0, reset.stderr
    assert "hold_back" in reset.stdout


def test_asynchronous_cuts_a_harmful_completion_within_the_lag(
    live_server: ThreadServer, key: str, engine: CountingEngine
) -> None:
    text = HARMFUL + " " + TAIL
    engine.outputs.append(text_events(text, prompt_tokens=7))
    stream = _client(live_server, key, "cs-async").chat.completions.create(
        model="cs-async", messages=[{"role": "user", "content": "Tell me a story."}], stream=True
    )
    pieces, reasons = [], []
    for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            if choice.finish_reason:
                reasons.append(choice.finish_reason)
    released = "".join(pieces)
    assert reasons == ["content_filter"]
    assert text.startswith(released)
    settings = window_settings(live_server.services.registry.get("local", "cs-async").safety)
    longest = max(len(w) for w in re.findall(r"\s*\S+", text))
    lag = len(released) - text.index("kill you")
    assert 0 < lag <= settings.lag_bound(longest), lag
    # The engine was stopped: the rest of the tail was never generated.
    assert engine.yielded[-1] < len(text.split(" "))


def test_asynchronous_streams_benign_text_token_by_token(
    live_server: ThreadServer, key: str, engine: CountingEngine
) -> None:
    engine.outputs.append(text_events(BENIGN, prompt_tokens=7))
    stream = _client(live_server, key, "cs-async").chat.completions.create(
        model="cs-async",
        messages=[{"role": "user", "content": "Tell me about Paris."}],
        stream=True,
    )
    pieces = [
        c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content
    ]
    words = BENIGN.split(" ")
    assert pieces == [w if i == 0 else " " + w for i, w in enumerate(words)]


def test_hold_back_is_the_default_and_says_so(live_server: ThreadServer, key: str) -> None:
    policy = live_server.services.registry.get("local", EMBEDDED)
    assert policy is not None and policy.safety.streaming_mode is StreamingMode.HOLD_BACK
    response = httpx.post(
        f"{live_server.base_url}/deployments/{EMBEDDED}/chat/completions",
        json={"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4},
        headers={"api-key": key},
        timeout=60,
    )
    assert response.headers["x-content-filter-mode"] == "hold_back"
    assert response.json()["content_filter_mode"] == "hold_back"
