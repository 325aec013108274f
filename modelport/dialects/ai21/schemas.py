"""AI21 chat wire schema (``POST /v1/chat/completions``), per AI21's reference: Jamba models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from modelport.dialects.openai.schemas import NamedToolChoice, Tool, ToolCallIn


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AI21Message(_Wire):
    role: Literal["system", "user", "assistant", "tool"]
    content: str | None = None
    tool_calls: list[ToolCallIn] | None = None
    tool_call_id: str | None = None


class MetadataItem(_Wire):
    key: str
    value: str


class AI21Document(_Wire):
    content: str
    id: str | None = Field(None, max_length=128)
    # The reference documents a list of {key, value}; the ai21 SDK sends a {key: value} object.
    metadata: list[MetadataItem] | dict[str, str] | None = None


class AI21ResponseFormat(_Wire):
    type: Literal["text", "json_object"]


class AI21ChatRequest(_Wire):
    model: str
    messages: list[AI21Message] = Field(min_length=1)
    # Absent: AI21's default of 4096, or what fits the context when that is less.
    max_tokens: int | None = Field(None, ge=0, le=4096)
    temperature: float = Field(1.0, ge=0, le=2)
    top_p: float = Field(1.0, gt=0, le=1)
    stop: str | list[str] | None = None
    n: int = Field(1, ge=1, le=16)
    stream: bool = False
    tools: list[Tool] | None = None
    # A Modelport extension (the ai21 SDK passes it through as a keyword argument).
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    response_format: AI21ResponseFormat | None = None
    documents: list[AI21Document] | None = None
    # "Legacy, ignore" in the reference: accepted and ignored.
    logprobs: Any = None
    top_logprobs: Any = None
