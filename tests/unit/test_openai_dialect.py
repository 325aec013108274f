"""The OpenAI dialect with a scripted engine: conversion, validation, error shape, streaming."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelport.inference.types import RequestKind
from tests.scripted import ScriptedEngine, scripted_app, text_events

pytestmark = pytest.mark.anyio

URL = "http://test/deployments/scripted"


async def _post(
    tmp_path: Path,
    body: Any,
    engine: ScriptedEngine,
    route: str = "/v1/chat/completions",
    **headers: str,
) -> httpx.Response:
    async with scripted_app(tmp_path, engine) as (app, key):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.post(
                URL + route,
                content=body if isinstance(body, bytes) else json.dumps(body),
                headers={"api-key": key, **headers},
            )


async def test_chat_is_converted_to_the_canonical_request(tmp_path: Path) -> None:
    engine = ScriptedEngine([text_events("Paris is the capital", prompt_tokens=9)])
    body = {
        "messages": [
            {"role": "developer", "content": "Be brief."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Capital of "},
                    {"type": "text", "text": "France?"},
                ],
            },
        ],
        "max_completion_tokens": 7,
        "temperature": 0.2,
        "stop": "\n",
        "seed": 42,
    }
    response = await _post(tmp_path, body, engine)
    assert response.status_code == 200, response.text
    (request,) = engine.calls
    assert request.kind is RequestKind.CHAT
    assert [m.role for m in request.messages] == ["system", "user"]
    assert request.messages[1].content == "Capital of France?"
    assert request.sampling.max_tokens == 7
    assert request.sampling.stop == ("\n",)
    assert request.sampling.seed == 42
    data = response.json()
    assert data["object"] == "chat.completion"
    assert data["choices"][0]["message"] == {"role": "assistant", "content": "Paris is the capital"}
    assert data["choices"][0]["finish_reason"] == "stop"
    assert data["usage"] == {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}


async def test_stream_frames_and_usage(tmp_path: Path) -> None:
    engine = ScriptedEngine([text_events("one two three")])
    body = {
        "messages": [{"role": "user", "content": "count"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    response = await _post(tmp_path, body, engine)
    assert response.status_code == 200
    frames = response.text.split("\n\n")
    assert frames[-2:] == ["data: [DONE]", ""]
    chunks = [json.loads(f[6:]) for f in frames[:-2]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "one two three"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == 3
    assert len({c["id"] for c in chunks}) == 1


BAD_CHAT = [
    (b"{not json", "invalid_request", "not valid JSON"),
    (b"[1, 2]", "invalid_request", "JSON object"),
    ({"messages": []}, "invalid_request", "messages"),
    ({"messages": [{"role": "robot", "content": "x"}]}, "invalid_request", "messages.0"),
    (
        {"messages": [{"role": "user", "content": "x"}], "temperature": 3},
        "invalid_request",
        "temperature",
    ),
    ({"messages": [{"role": "user", "content": "x"}], "top_p": 1.5}, "invalid_request", "top_p"),
    ({"messages": [{"role": "user", "content": "x"}], "n": 0}, "invalid_request", "n"),
    (
        {"messages": [{"role": "user", "content": "x"}], "max_tokens": -1},
        "invalid_request",
        "max_tokens",
    ),
    (
        {"messages": [{"role": "user", "content": "x"}], "stop": ["a", "b", "c", "d", "e"]},
        "invalid_request",
        "stop",
    ),
    ({"messages": [{"role": "user", "content": "x"}], "bogus": 1}, "unknown_parameter", "bogus"),
    ({"messages": [{"role": "tool", "content": "x"}]}, "invalid_request", "tool_call_id"),
    (
        {
            "messages": [{"role": "user", "content": "x"}],
            "response_format": {"type": "json_schema"},
        },
        "invalid_request",
        "json_schema",
    ),
]


@pytest.mark.parametrize(("body", "code", "needle"), BAD_CHAT)
async def test_bad_chat_requests_never_reach_the_engine(
    tmp_path: Path, body: Any, code: str, needle: str
) -> None:
    engine = ScriptedEngine()
    response = await _post(tmp_path, body, engine)
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "param", "code"}
    assert error["code"] == code
    assert needle in error["message"]
    assert error["type"] == "invalid_request_error"
    assert "retry-after" not in response.headers
    assert engine.calls == []


async def test_completion_defaults_and_best_of_rules(tmp_path: Path) -> None:
    engine = ScriptedEngine()
    response = await _post(tmp_path, {"prompt": "Once upon"}, engine, route="/completions")
    assert response.status_code == 200
    assert engine.calls[0].kind is RequestKind.COMPLETION
    assert engine.calls[0].sampling.max_tokens == 16
    assert response.json()["object"] == "text_completion"
    bad = await _post(tmp_path, {"prompt": "x", "best_of": 1, "n": 2}, engine, route="/completions")
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "best_of"


async def test_wrong_key_error_shape(tmp_path: Path) -> None:
    engine = ScriptedEngine()
    async with (
        scripted_app(tmp_path, engine) as (app, _),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client,
    ):
        response = await client.post(
            URL + "/v1/chat/completions", json={}, headers={"Authorization": "Bearer nope"}
        )
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "message": "invalid key for this deployment",
            "type": "authentication_error",
            "param": None,
            "code": "unauthorized",
        }
    }
    assert engine.calls == []
