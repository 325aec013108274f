"""The pipeline's side of content safety with a scripted engine, in process: what the prompt
check reads, when the engine is stopped, how stored policies come back, what a disabled
(non-mandatory) policy lets through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from modelport.control.content_safety import restore_policy
from modelport.inference.moderation import prompt_text
from modelport.inference.types import (
    Document,
    InferenceRequest,
    Message,
    RequestKind,
    SamplingParams,
    ToolCall,
)
from modelport.policy.safety import Category, SafetyPolicy, Severity
from modelport.services import Services
from tests.scripted import ScriptedEngine, scripted_app, text_events

pytestmark = pytest.mark.anyio

URL = "http://test/deployments/scripted/v1/chat/completions"
HARMFUL = "Here is a long story about a calm lake. Then I will kill you slowly, the end."


def test_prompt_text_covers_everything_the_model_reads() -> None:
    request = InferenceRequest(
        kind=RequestKind.CHAT,
        sampling=SamplingParams(),
        messages=(
            Message("system", "sys"),
            Message("assistant", None, (ToolCall("c1", "f", '{"q": "args"}'),)),
            Message("tool", "tool result", tool_call_id="c1"),
            Message("user", "question"),
        ),
        documents=(Document("doc text"),),
    )
    text = prompt_text(request)
    for part in ("sys", '{"q": "args"}', "tool result", "question", "doc text"):
        assert part in text
    completion = InferenceRequest(RequestKind.COMPLETION, SamplingParams(), prompt="plain")
    assert prompt_text(completion) == "plain"


def _live_of(services: Services) -> Any:
    live = services.registry.get(services.settings.default_region, "scripted")
    assert live is not None
    return live


def test_restore_policy_keeps_mandatory_and_falls_back_on_bad_documents() -> None:
    class Deployment:
        managed = False

    class Live:
        name = "d"
        deployment = Deployment()

    live: Any = Live()
    stricter = restore_policy(live, {"thresholds": {"hate": "low"}, "mandatory": False})
    assert stricter.mandatory and stricter.threshold(Category.HATE) is Severity.LOW
    assert restore_policy(live, {"enabled": False}) == SafetyPolicy.serverless()
    assert restore_policy(live, {"thresholds": {"hate": "bogus"}}) == SafetyPolicy.serverless()


async def _chat(app: Any, key: str, **body: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as client:
        return await client.post(
            URL,
            json={"messages": [{"role": "user", "content": "story"}], **body},
            headers={"api-key": key},
        )


async def test_a_disabled_policy_lets_everything_through(tmp_path: Path) -> None:
    engine = ScriptedEngine([text_events(HARMFUL)])
    async with scripted_app(tmp_path, engine) as (app, key):
        live = _live_of(app.state.services)
        live.safety = SafetyPolicy(enabled=False)  # a non-serverless deployment that opted out
        response = await _chat(app, key)
        blocked_prompt = await _chat(
            app, key, messages=[{"role": "user", "content": "I will kill you"}]
        )
    assert response.status_code == 200
    choice = response.json()["choices"][0]
    assert choice["message"]["content"] == HARMFUL and choice["finish_reason"] == "stop"
    # The answer says the filter is off (a managed deployment's opt-out is stated in every one).
    assert choice["content_filter_results"] == {"enabled": False}
    assert response.json()["prompt_filter_results"][0]["content_filter_results"] == {
        "enabled": False
    }
    assert response.headers["x-content-filter-mode"] == "off"
    assert blocked_prompt.status_code == 200


async def test_the_engine_runs_on_when_it_had_already_finished(tmp_path: Path) -> None:
    """A choice blocked on its last window, checked once the engine had ended it, is billed
    the engine's own usage (the engine was not cut short)."""
    short = "I will kill you"  # shorter than one window: checked at the end of the choice
    events = text_events(short, prompt_tokens=11)
    engine = ScriptedEngine([events])
    async with scripted_app(tmp_path, engine) as (app, key):
        response = await _chat(app, key, max_tokens=50)
    data = response.json()
    assert data["choices"][0]["finish_reason"] == "content_filter"
    assert data["choices"][0]["message"]["content"] == ""
    assert data["usage"]["completion_tokens"] == len(short.split(" "))
    assert data["usage"]["prompt_tokens"] == 11
