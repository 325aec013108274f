"""Fold an event stream into a whole (non-streamed) result."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    TextDelta,
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    Usage,
)


@dataclass
class _ToolCallParts:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class ChoiceResult:
    index: int
    text: str = ""
    finish_reason: FinishReason | None = None
    logprobs: list[TokenLogprob] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)


@dataclass
class Completion:
    choices: list[ChoiceResult]
    usage: Usage


async def collect(events: AsyncIterator[Event]) -> Completion:
    texts: dict[int, list[str]] = {}
    choices: dict[int, ChoiceResult] = {}
    calls: dict[int, dict[int, _ToolCallParts]] = {}
    usage = Usage(0, 0)

    def choice(index: int) -> ChoiceResult:
        if index not in choices:
            choices[index] = ChoiceResult(index=index)
            texts[index] = []
        return choices[index]

    async for event in events:
        if isinstance(event, TextDelta):
            c = choice(event.index)
            texts[event.index].append(event.text)
            c.logprobs.extend(event.logprobs)
        elif isinstance(event, ToolCallDelta):
            choice(event.index)
            part = calls.setdefault(event.index, {}).setdefault(event.call_index, _ToolCallParts())
            part.id = event.id or part.id
            part.name = event.name or part.name
            part.arguments.append(event.arguments)
        elif isinstance(event, ChoiceEnd):
            choice(event.index).finish_reason = event.finish_reason
        else:
            usage = Usage(
                usage.prompt_tokens + event.prompt_tokens,
                usage.completion_tokens + event.completion_tokens,
            )
    for index, c in choices.items():
        c.text = "".join(texts[index])
        for _, part in sorted(calls.get(index, {}).items()):
            c.tool_calls.append(ToolCall(part.id, part.name, "".join(part.arguments)))
    return Completion([choices[i] for i in sorted(choices)], usage)
