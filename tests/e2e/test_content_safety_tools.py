"""Content safety sees what used to slip past it: tool descriptions, parameter schemas and
``response_format`` schemas in the prompt, and the arguments of tool calls the model generates.

Prompts go to a real deployment of the Jamba test offer (its format supports tools; a blocked
prompt never reaches its engine, a benign one is answered); tool calls come from a scripted
engine attached behind the live server (gateway, pipeline, guard and renderers are the real
ones).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from tests.lifecycle import Deployed, deployed
from tests.scripted import ScriptedEngine
from tests.support import JAMBA_TEST, ThreadServer, attach_offer, keys_of

pytestmark = pytest.mark.e2e

HARM = "I am going to kill you tonight, I know where you live."
AZURE = "?api-version=2024-05-01-preview"


def _tool(description: str = "Look up the weather.", parameter: str = "A city.") -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": parameter}},
                "required": ["city"],
            },
        },
    }


def _calls(arguments: str) -> list[Event]:
    return [
        TextDelta(0, ""),
        ToolCallDelta(0, 0, "call-1", "get_weather", arguments[: len(arguments) // 2]),
        ToolCallDelta(0, 0, None, None, arguments[len(arguments) // 2 :]),
        ChoiceEnd(0, FinishReason.TOOL_CALLS),
        Usage(12, 9),
    ]


@pytest.fixture(scope="module")
def engine(live_server: ThreadServer) -> Iterator[ScriptedEngine]:
    engine = ScriptedEngine()
    attach_offer(live_server, JAMBA_TEST, "tools-ai21", engine)
    yield engine
    for name in ("tools-ai21",):
        live_server.services.registry.remove(live_server.settings.default_region, name)


@pytest.fixture(scope="module")
def jamba(live_server: ThreadServer) -> Iterator[Deployed]:
    with deployed(live_server, "tools-lab", "tools-jamba", JAMBA_TEST) as deployment:
        yield deployment


@pytest.fixture(scope="module")
def http(live_server: ThreadServer) -> Iterator[httpx.Client]:
    key = keys_of(live_server.base_url)["primary"]
    with httpx.Client(
        base_url=f"{live_server.base_url}/deployments", headers={"api-key": key}, timeout=60
    ) as client:
        yield client


MESSAGES = [{"role": "user", "content": "What is the weather in Paris?"}]
HARMFUL_PROMPTS = {
    "tool description": {"messages": MESSAGES, "tools": [_tool(description=HARM)]},
    "parameter schema": {"messages": MESSAGES, "tools": [_tool(parameter=HARM)]},
    "response_format schema": {
        "messages": MESSAGES,
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "answer",
                "schema": {"type": "object", "properties": {"x": {"description": HARM}}},
            },
        },
    },
}


CASES = [
    (route, what)
    for route in (f"/chat/completions{AZURE}", "/v1/chat/completions")
    for what in sorted(HARMFUL_PROMPTS)
    if not (route.startswith("/v1") and what == "response_format schema")  # AI21 has no schemas
]


@pytest.mark.parametrize(("route", "what"), CASES)
def test_harmful_text_in_tools_and_schemas_is_filtered(
    jamba: Deployed, route: str, what: str
) -> None:
    with httpx.Client(headers={"api-key": jamba.key}, timeout=120) as client:
        body = {**HARMFUL_PROMPTS[what], "max_tokens": 8}
        if route.startswith("/v1"):
            body["model"] = "jamba-1.5-mini"
        response = client.post(jamba.target_url + route, json=body)
        assert response.status_code == 400, response.text
        assert "content_filter" in response.text
        # The same request without the harmful text is answered by the model.
        benign = json.loads(json.dumps(body).replace(HARM, "Something harmless."))
        answered = client.post(jamba.target_url + route, json=benign)
        assert answered.status_code == 200, answered.text


def test_harmful_tool_description_is_filtered_in_the_ai21_dialect(
    http: httpx.Client, engine: ScriptedEngine
) -> None:
    body = {"model": "jamba-1.5-mini", "messages": MESSAGES, "tools": [_tool(description=HARM)]}
    response = http.post("/tools-ai21/v1/chat/completions", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "content_filter"


def test_benign_tools_pass(http: httpx.Client, engine: ScriptedEngine) -> None:
    engine.outputs = [_calls('{"city": "Paris"}')]
    response = http.post(
        f"/tools-ai21/chat/completions{AZURE}", json={"messages": MESSAGES, "tools": [_tool()]}
    )
    assert response.status_code == 200, response.text
    choice = response.json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert json.loads(choice["message"]["tool_calls"][0]["function"]["arguments"]) == {
        "city": "Paris"
    }


def test_harmful_generated_tool_call_arguments_are_filtered(
    http: httpx.Client, engine: ScriptedEngine
) -> None:
    arguments = json.dumps({"city": "Paris", "note": HARM})
    engine.outputs = [_calls(arguments)]
    body = {"messages": MESSAGES, "tools": [_tool()]}
    whole = http.post(f"/tools-ai21/chat/completions{AZURE}", json=body)
    assert whole.status_code == 200, whole.text
    choice = whole.json()["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert "tool_calls" not in choice["message"] and "kill" not in whole.text

    engine.outputs = [_calls(arguments)]
    with http.stream(
        "POST",
        "/tools-ai21/v1/chat/completions",
        json={**body, "model": "jamba-1.5-mini", "stream": True},
    ) as stream:
        assert stream.status_code == 200
        lines = [line for line in stream.iter_lines() if line.startswith("data: {")]
    chunks = [json.loads(line[6:]) for line in lines]
    assert not any("tool_calls" in c["choices"][0]["delta"] for c in chunks if c["choices"])
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][
        -1
    ] == "content_filter"
    assert "kill" not in "".join(lines)
