"""Canonical results and events → OpenAI-compatible response bodies and stream chunks."""

from __future__ import annotations

from typing import Any, Literal

from modelport.inference.collect import ChoiceResult, Completion
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    RequestKind,
    TextDelta,
    TokenLogprob,
    ToolCallDelta,
    Usage,
)


def usage_dict(usage: Usage) -> dict[str, int]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def _chat_logprobs(items: list[TokenLogprob] | tuple[TokenLogprob, ...]) -> dict[str, Any]:
    return {
        "content": [
            {
                "token": lp.token,
                "logprob": lp.logprob,
                "bytes": list(lp.token.encode()),
                "top_logprobs": [
                    {"token": t.token, "logprob": t.logprob, "bytes": list(t.token.encode())}
                    for t in lp.top
                ],
            }
            for lp in items
        ]
    }


def _text_logprobs(
    items: list[TokenLogprob] | tuple[TokenLogprob, ...], start: int
) -> dict[str, Any]:
    offsets = []
    pos = start
    for lp in items:
        offsets.append(pos)
        pos += len(lp.token)
    return {
        "tokens": [lp.token for lp in items],
        "token_logprobs": [lp.logprob for lp in items],
        "top_logprobs": [{t.token: t.logprob for t in lp.top} for lp in items],
        "text_offset": offsets,
    }


LogprobsShape = Literal["chat", "legacy"]


def _logprobs_of(
    items: list[TokenLogprob] | tuple[TokenLogprob, ...], shape: LogprobsShape, start: int = 0
) -> dict[str, Any]:
    return _chat_logprobs(items) if shape == "chat" else legacy_logprobs(items, start)


def legacy_logprobs(
    items: list[TokenLogprob] | tuple[TokenLogprob, ...], start: int = 0
) -> dict[str, Any]:
    """The completions-style object; ``text_offsets`` is the Llama reference's spelling of
    OpenAI's ``text_offset`` (both are sent)."""
    out = _text_logprobs(items, start)
    out["text_offsets"] = out["text_offset"]
    return out


def _chat_choice(
    c: ChoiceResult, want_logprobs: bool, shape: LogprobsShape = "chat"
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": c.text if c.text or not c.tool_calls else None,
    }
    if c.tool_calls:
        message["tool_calls"] = [
            {"id": t.id, "type": "function", "function": {"name": t.name, "arguments": t.arguments}}
            for t in c.tool_calls
        ]
    return {
        "index": c.index,
        "message": message,
        "finish_reason": c.finish_reason.value if c.finish_reason else None,
        "logprobs": _logprobs_of(c.logprobs, shape) if want_logprobs else None,
    }


def response_body(
    kind: RequestKind,
    completion: Completion,
    *,
    response_id: str,
    created: int,
    model: str,
    want_logprobs: bool,
    chat_logprobs: LogprobsShape = "chat",
) -> dict[str, Any]:
    if kind is RequestKind.CHAT:
        choices = [_chat_choice(c, want_logprobs, chat_logprobs) for c in completion.choices]
        obj = "chat.completion"
    else:
        choices = [
            {
                "index": c.index,
                "text": c.text,
                "finish_reason": c.finish_reason.value if c.finish_reason else None,
                "logprobs": legacy_logprobs(c.logprobs) if want_logprobs else None,
            }
            for c in completion.choices
        ]
        obj = "text_completion"
    return {
        "id": response_id,
        "object": obj,
        "created": created,
        "model": model,
        "choices": choices,
        "usage": usage_dict(completion.usage),
    }


class ChunkRenderer:
    """Renders canonical events as OpenAI stream chunks (dicts), one call per event."""

    def __init__(
        self,
        kind: RequestKind,
        *,
        response_id: str,
        created: int,
        model: str,
        want_logprobs: bool,
        chat_logprobs: LogprobsShape = "chat",
        role_chunk: bool = False,
        choice_extras: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.want_logprobs = want_logprobs
        self.chat_logprobs: LogprobsShape = chat_logprobs
        # role_chunk: a choice's first chunk carries the role alone ({"role": "assistant"}),
        # its content follows (AI21: "contains either message or role but never both").
        self.role_chunk = role_chunk
        self.choice_extras = choice_extras or {}
        self._base = {
            "id": response_id,
            "object": "chat.completion.chunk" if kind is RequestKind.CHAT else "text_completion",
            "created": created,
            "model": model,
        }
        self._started: set[int] = set()
        self._ended: set[int] = set()
        self.last = 0  # the choice of the last event
        self._offsets: dict[int, int] = {}

    def chunk(self, choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {**self._base, "choices": choices, **extra}

    def _choice(self, index: int, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        return {"index": index, "delta": delta, **self.choice_extras, "finish_reason": finish}

    def open_choices(self) -> list[int]:
        """Choices that have started and not ended (for an in-band error)."""
        return sorted(self._started - self._ended)

    def error_choice(self, index: int) -> dict[str, Any]:
        """A choice ended by a failure (``finish_reason: "error"``)."""
        self._ended.add(index)
        if self.kind is RequestKind.COMPLETION:
            return {"index": index, "text": "", "finish_reason": "error", "logprobs": None}
        return self._choice(index, {}, "error")

    def render(self, event: Event) -> list[dict[str, Any]]:
        if isinstance(event, Usage):
            return []
        self.last = event.index
        if isinstance(event, ChoiceEnd):
            self._ended.add(event.index)
        if self.kind is RequestKind.COMPLETION:
            return self._render_text(event)
        index = event.index
        delta: dict[str, Any] = {}
        chunks: list[dict[str, Any]] = []
        if index not in self._started:
            self._started.add(index)
            if self.role_chunk:
                chunks.append(self.chunk([self._choice(index, {"role": "assistant"}, None)]))
            else:
                delta["role"] = "assistant"
        choice = self._choice(index, delta, None)
        if isinstance(event, TextDelta):
            delta["content"] = event.text
            if self.want_logprobs:
                start = self._offsets.get(index, 0)
                self._offsets[index] = start + len(event.text)
                choice["logprobs"] = _logprobs_of(event.logprobs, self.chat_logprobs, start)
        elif isinstance(event, ToolCallDelta):
            call: dict[str, Any] = {
                "index": event.call_index,
                "function": {"arguments": event.arguments},
            }
            if event.id:
                call["id"] = event.id
                call["type"] = "function"
            if event.name:
                call["function"]["name"] = event.name
            delta["tool_calls"] = [call]
        elif isinstance(event, ChoiceEnd):
            choice["finish_reason"] = event.finish_reason.value
        chunks.append(self.chunk([choice]))
        return chunks

    def _render_text(self, event: Event) -> list[dict[str, Any]]:
        if isinstance(event, TextDelta):
            self._started.add(event.index)
            start = self._offsets.get(event.index, 0)
            self._offsets[event.index] = start + len(event.text)
            choice: dict[str, Any] = {
                "index": event.index,
                "text": event.text,
                "finish_reason": None,
                "logprobs": legacy_logprobs(event.logprobs, start) if self.want_logprobs else None,
            }
            return [self.chunk([choice])]
        if isinstance(event, ChoiceEnd):
            return [
                self.chunk(
                    [
                        {
                            "index": event.index,
                            "text": "",
                            "finish_reason": event.finish_reason.value,
                            "logprobs": None,
                        }
                    ]
                )
            ]
        return []

    def usage_chunk(self, usage: Usage) -> dict[str, Any]:
        return self.chunk([], usage=usage_dict(usage))
