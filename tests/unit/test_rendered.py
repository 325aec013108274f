"""Adapter-rendered chat: tool-call markers split across chunks, forced calls, plain text."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    InferenceRequest,
    Message,
    RequestKind,
    SamplingParams,
    TextDelta,
    ToolCallDelta,
    ToolChoice,
    ToolSpec,
    Usage,
)
from modelport.models.formats import get_format, sequential_ids
from modelport.models.rendered import RenderedChat

TOOL = ToolSpec("get_weather", "weather", {"type": "object", "properties": {}})


def _request(choice: ToolChoice | None = None) -> InferenceRequest:
    return InferenceRequest(
        kind=RequestKind.CHAT,
        sampling=SamplingParams(max_tokens=32),
        messages=(Message("user", "Weather in Paris?"),),
        tools=(TOOL,),
        tool_choice=choice,
    )


def _run(plan: RenderedChat, pieces: list[str]) -> list[Event]:
    async def source() -> AsyncIterator[Event]:
        for piece in pieces:
            yield TextDelta(0, piece)
        yield ChoiceEnd(0, FinishReason.STOP)
        yield Usage(5, len(pieces))

    async def run() -> list[Event]:
        return [event async for event in plan.events(source())]

    return asyncio.run(run())


def test_text_streams_until_a_split_marker_then_calls_are_parsed() -> None:
    plan = RenderedChat.build(get_format("jamba-1.5", id_factory=sequential_ids()), _request())
    assert plan.request.kind is RequestKind.COMPLETION
    assert plan.request.prompt is not None and "<tool_definitions>" in plan.request.prompt
    assert "<|eom|>" in plan.request.sampling.stop
    events = _run(
        plan,
        [
            " Let me",
            " check.",
            "<tool",
            '_calls>[{"name": "get_weather", ',
            '"arguments": {"city": "Paris"}}]',
            "</tool_calls>",
        ],
    )
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    assert "".join(texts) == "Let me check."
    calls = [e for e in events if isinstance(e, ToolCallDelta)]
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("call_0", "get_weather", '{"city": "Paris"}')
    ]
    assert ChoiceEnd(0, FinishReason.TOOL_CALLS) in events
    assert events[-1] == Usage(5, 6)


def test_a_lookalike_marker_is_content() -> None:
    plan = RenderedChat.build(get_format("jamba-1.5"), _request())
    events = _run(plan, [" a <tool", "box> here"])
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "a <toolbox> here"
    assert ChoiceEnd(0, FinishReason.STOP) in events


def test_forced_call_is_prefilled_and_constrained() -> None:
    plan = RenderedChat.build(
        get_format("jamba-1.5", id_factory=sequential_ids()),
        _request(ToolChoice("function", "get_weather")),
    )
    assert plan.request.prompt is not None and plan.request.prompt.endswith(" <tool_calls>")
    schema = plan.request.response_format.json_schema
    assert schema is not None and schema["type"] == "array" and schema["maxItems"] == 1
    events = _run(plan, ['[{"name": "get_weather", "arguments": {}}]'])
    assert [e.name for e in events if isinstance(e, ToolCallDelta)] == ["get_weather"]
    assert not [e for e in events if isinstance(e, TextDelta)]


def test_cut_off_forced_call_comes_back_as_content() -> None:
    plan = RenderedChat.build(get_format("jamba-1.5"), _request(ToolChoice("required")))
    events = _run(plan, ['[{"name": "get_wea'])
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == '[{"name": "get_wea'
