"""Llama wire schemas (``/v1/completions``, ``/v1/chat/completions``), per Meta's reference for
Llama models as a service: OpenAI-like bodies plus vLLM's sampling extensions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LlamaMessage(_Wire):
    role: Literal["system", "user", "assistant"]
    content: str


class LlamaStreamOptions(_Wire):
    include_usage: bool = False


class LlamaSampling(_Wire):
    model: str | None = None
    stream: bool = False
    # vLLM's (and OpenAI's): usage in a chunk of its own, with no choices, before [DONE]
    stream_options: LlamaStreamOptions | None = None
    max_tokens: int | None = Field(None, ge=0)  # absent: 16, or what fits the context
    top_p: float = Field(1.0, gt=0, le=1)
    temperature: float = Field(1.0, ge=0, le=2)
    n: int = Field(1, ge=1, le=16)
    stop: str | list[str] | None = None
    best_of: int | None = Field(None, ge=1, le=16)
    logprobs: int | None = Field(None, ge=0, le=20)
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    frequency_penalty: float | None = Field(None, ge=-2, le=2)
    ignore_eos: bool = False
    use_beam_search: bool = False
    stop_token_ids: list[int] | None = None
    skip_special_tokens: bool | None = None
    seed: int | None = None
    user: str | None = None


class LlamaCompletionRequest(LlamaSampling):
    prompt: str


class LlamaChatRequest(LlamaSampling):
    messages: list[LlamaMessage] = Field(min_length=1)
