"""Canonical inference types: one request shape and one event stream for every dialect and engine.

Dialects parse their wire schemas into an :class:`InferenceRequest` and render their responses
from the :data:`Event` stream. Engines see only these types. Nothing here knows HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]


class FinishReason(StrEnum):
    STOP = "stop"
    LENGTH = "length"
    TOOL_CALLS = "tool_calls"
    CONTENT_FILTER = "content_filter"
    CONTENT_FILTER_ERROR = "content_filter_error"
    ERROR = "error"


class RequestKind(StrEnum):
    CHAT = "chat"
    COMPLETION = "completion"


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # a JSON document, as text


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A grounding document: its text, an optional id and free-form metadata (title, url, ...)."""

    content: str
    id: str | None = None
    metadata: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ResponseFormat:
    type: Literal["text", "json_object", "json_schema"] = "text"
    json_schema: dict[str, Any] | None = None
    name: str | None = None
    strict: bool | None = None  # OpenAI's json_schema.strict, passed on to servers that take it


@dataclass(frozen=True, slots=True)
class ToolChoice:
    mode: Literal["auto", "none", "required", "function"] = "auto"
    function: str | None = None


@dataclass(frozen=True, slots=True)
class SamplingParams:
    max_tokens: int | None = None  # None: as many as fit the context (see inference/lengths)
    default_max_tokens: int | None = None  # the dialect's cap when max_tokens is not given
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    stop: tuple[str, ...] = ()
    n: int = 1
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    logprobs: bool = False
    top_logprobs: int = 0
    best_of: int | None = None
    use_beam_search: bool = False
    ignore_eos: bool = False
    stop_token_ids: tuple[int, ...] = ()
    skip_special_tokens: bool = True


@dataclass(frozen=True, slots=True)
class InferenceRequest:
    kind: RequestKind
    sampling: SamplingParams
    messages: tuple[Message, ...] = ()
    prompt: str | None = None
    stream: bool = False
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: ToolChoice | None = None
    response_format: ResponseFormat = ResponseFormat()
    documents: tuple[Document, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # pass-through parameters for the engine


# ---------------------------------------------------------------------------------------------
# Events: what an engine yields and what dialects render.


@dataclass(frozen=True, slots=True)
class TopLogprob:
    token: str
    logprob: float


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    token: str
    logprob: float
    top: tuple[TopLogprob, ...] = ()


@dataclass(frozen=True, slots=True)
class TextDelta:
    index: int
    text: str
    logprobs: tuple[TokenLogprob, ...] = ()


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    index: int
    call_index: int
    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True, slots=True)
class ChoiceEnd:
    index: int
    finish_reason: FinishReason


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


Event = TextDelta | ToolCallDelta | ChoiceEnd | Usage
