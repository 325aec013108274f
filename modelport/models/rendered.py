"""Chat requests rendered by the model adapter instead of the engine's own chat template.

Used when a request carries what the engine's template cannot (tools, tool results, grounding
documents): the conversation becomes prompt text in the model's own format
(:mod:`modelport.models.formats`), is sent to the engine's raw completion route, and the generated
text is turned back into chat events: content streams as it comes until the format's tool-call
marker appears; from there the output is buffered and parsed into ``ToolCallDelta`` events when
the choice ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace

from modelport.errors import InvalidRequest
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    InferenceRequest,
    RequestKind,
    ResponseFormat,
    TextDelta,
    ToolCallDelta,
)
from modelport.models.formats import PromptFormat


def needs_rendering(request: InferenceRequest) -> bool:
    """Whether a chat request carries what only the model's own format can express."""
    return request.kind is RequestKind.CHAT and bool(
        request.tools
        or request.documents
        or any(m.role == "tool" or m.tool_calls for m in request.messages)
    )


@dataclass
class RenderedChat:
    """One chat request as a raw completion request, and how to read its output back."""

    format: PromptFormat
    original: InferenceRequest
    request: InferenceRequest
    prefill: str = ""  # generated text the prompt already holds (a forced tool-call opening)
    suffix: str = ""

    @classmethod
    def build(cls, fmt: PromptFormat, request: InferenceRequest) -> RenderedChat:
        choice = request.tool_choice
        tools = () if choice is not None and choice.mode == "none" else request.tools
        if choice is not None and choice.mode == "function":
            tools = tuple(t for t in request.tools if t.name == choice.function)
            if not tools:
                raise InvalidRequest(
                    f"tool_choice names {choice.function!r}, which is not among the tools",
                    param="tool_choice",
                )
        text = fmt.render(
            request.messages,
            tools=tools,
            documents=request.documents,
            response_format=request.response_format,
        )
        # The engine adds the model's BOS token itself (per its vocabulary).
        text = text.removeprefix(fmt.bos_token) if fmt.bos_token else text
        response_format = request.response_format
        prefill = suffix = ""
        forced = (
            fmt.forced_tool_calls(tools)
            if tools and choice is not None and choice.mode in ("required", "function")
            else None
        )
        if forced is not None:
            prefill, suffix = forced.prefill, forced.suffix
            text += prefill
            response_format = ResponseFormat("json_schema", forced.json_schema, "tool_calls")
        sampling = replace(request.sampling, stop=(*fmt.stop_sequences, *request.sampling.stop))
        raw = replace(
            request,
            kind=RequestKind.COMPLETION,
            prompt=text,
            messages=(),
            tools=(),
            tool_choice=None,
            documents=(),
            response_format=response_format,
            sampling=sampling,
        )
        # Tools offered but tool_choice "none": nothing to parse.
        parse_request = replace(request, tools=tools)
        return cls(fmt, parse_request, raw, prefill, suffix)

    async def events(self, engine_events: AsyncIterator[Event]) -> AsyncIterator[Event]:
        states: dict[int, _ChoiceState] = {}
        async for event in engine_events:
            if isinstance(event, TextDelta):
                state = states.setdefault(event.index, self._state())
                for out in state.feed(event):
                    yield out
            elif isinstance(event, ChoiceEnd):
                state = states.setdefault(event.index, self._state())
                for out in state.finish(event, self):
                    yield out
            else:
                yield event

    def _state(self) -> _ChoiceState:
        marker = self.format.tool_call_marker if self.original.tools else None
        state = _ChoiceState(marker=marker, strip_space=self.format.leading_space)
        if self.prefill:
            state.buffer, state.in_call, state.strip_space = self.prefill, True, False
        return state


@dataclass
class _ChoiceState:
    marker: str | None
    strip_space: bool
    buffer: str = ""
    in_call: bool = False
    sent_any: bool = field(default=False)

    def _text(self, index: int, text: str, event: TextDelta | None = None) -> list[Event]:
        if self.strip_space and not self.sent_any:
            text = text.removeprefix(" ")
            if not text:
                return []
        if not text:
            return []
        self.sent_any = True
        return [TextDelta(index, text, event.logprobs if event is not None else ())]

    def feed(self, event: TextDelta) -> list[Event]:
        if self.marker is None:
            return self._text(event.index, event.text, event)
        self.buffer += event.text
        if self.in_call:
            return []
        found = self.buffer.find(self.marker)
        if found >= 0:
            self.in_call = True
            before, self.buffer = self.buffer[:found], self.buffer[found:]
            return self._text(event.index, before)
        keep = _partial_marker(self.buffer, self.marker)
        cut = len(self.buffer) - keep
        ready, self.buffer = self.buffer[:cut], self.buffer[cut:]
        return self._text(event.index, ready, event)

    def finish(self, end: ChoiceEnd, plan: RenderedChat) -> list[Event]:
        index = end.index
        if not self.in_call:
            return [*self._text(index, self.buffer), end]
        parsed = plan.format.parse_output(self.buffer + plan.suffix, tools=plan.original.tools)
        if not parsed.tool_calls:
            # Not a well-formed call (e.g. cut off by max_tokens): what the model wrote is content.
            return [*self._text(index, self.buffer.removeprefix(plan.prefill)), end]
        out: list[Event] = []
        if parsed.content:
            out.extend(self._text(index, parsed.content))
        for number, call in enumerate(parsed.tool_calls):
            out.append(ToolCallDelta(index, number, call.id, call.name, call.arguments))
        reason = (
            FinishReason.TOOL_CALLS if end.finish_reason is FinishReason.STOP else end.finish_reason
        )
        out.append(ChoiceEnd(index, reason))
        return out


def _partial_marker(text: str, marker: str) -> int:
    """Length of the longest suffix of ``text`` that could be the start of ``marker``."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-size:]):
            return size
    return 0
