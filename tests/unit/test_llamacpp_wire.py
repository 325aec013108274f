"""Canonical ↔ llama.cpp wire conversion."""

from __future__ import annotations

from modelport.engines.openai_wire import chunk_events, request_body, route_for
from modelport.inference.types import (
    ChoiceEnd,
    FinishReason,
    InferenceRequest,
    Message,
    RequestKind,
    ResponseFormat,
    SamplingParams,
    TextDelta,
    ToolCallDelta,
    ToolSpec,
    Usage,
)


def test_chat_body_carries_sampling_and_always_streams() -> None:
    request = InferenceRequest(
        kind=RequestKind.CHAT,
        messages=(Message("user", "hi"),),
        sampling=SamplingParams(
            max_tokens=5, temperature=0.0, stop=("x",), seed=7, logprobs=True, top_logprobs=2
        ),
        response_format=ResponseFormat("json_object"),
        tools=(ToolSpec("f", "does f", {"type": "object"}),),
    )
    body = request_body(request, seed_offset=3)
    assert route_for(request) == "/v1/chat/completions"
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert body["max_tokens"] == 5 and body["temperature"] == 0.0 and body["stop"] == ["x"]
    assert body["seed"] == 10
    assert body["logprobs"] is True and body["top_logprobs"] == 2
    # JSON mode is llama.cpp's schema-constrained sampling (a grammar), not response_format.
    assert body["json_schema"] == {"type": "object"} and "response_format" not in body
    assert body["tools"][0]["function"]["name"] == "f"


def test_completion_body() -> None:
    request = InferenceRequest(
        kind=RequestKind.COMPLETION,
        prompt="Once",
        sampling=SamplingParams(logprobs=True, top_logprobs=3),
    )
    body = request_body(request)
    assert route_for(request) == "/v1/completions"
    assert body["prompt"] == "Once" and body["logprobs"] == 3 and "messages" not in body


def test_chat_chunks_become_events() -> None:
    chunk = {
        "choices": [
            {
                "index": 0,
                "delta": {"content": "Hel"},
                "finish_reason": None,
                "logprobs": {
                    "content": [
                        {
                            "token": "Hel",
                            "logprob": -0.5,
                            "top_logprobs": [{"token": "Hel", "logprob": -0.5}],
                        }
                    ]
                },
            }
        ]
    }
    (event,) = chunk_events(chunk, 2)
    assert isinstance(event, TextDelta) and event.index == 2 and event.text == "Hel"
    assert event.logprobs[0].logprob == -0.5 and event.logprobs[0].top[0].token == "Hel"
    end = chunk_events({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}, 0)
    assert end == [ChoiceEnd(0, FinishReason.LENGTH)]
    usage = chunk_events({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}}, 0)
    assert usage == [Usage(3, 4)]


def test_tool_call_deltas() -> None:
    chunk = {
        "choices": [
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {"index": 1, "id": "c1", "function": {"name": "f", "arguments": '{"a"'}}
                    ]
                },
            }
        ]
    }
    assert chunk_events(chunk, 0) == [ToolCallDelta(0, 1, "c1", "f", '{"a"')]


def test_completion_chunks_with_legacy_logprobs() -> None:
    chunk = {
        "choices": [
            {
                "index": 0,
                "text": "ab",
                "finish_reason": "stop",
                "logprobs": {
                    "tokens": ["a", "b"],
                    "token_logprobs": [-1.0, -2.0],
                    "top_logprobs": [{"a": -1.0}, {"b": -2.0}],
                },
            }
        ]
    }
    delta, end = chunk_events(chunk, 0)
    assert isinstance(delta, TextDelta) and delta.text == "ab"
    assert [lp.token for lp in delta.logprobs] == ["a", "b"]
    assert end == ChoiceEnd(0, FinishReason.STOP)
