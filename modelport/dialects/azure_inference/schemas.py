"""Azure AI Model Inference wire schema: ``ChatCompletionsOptions``, the OpenAI chat schema with
Azure's own ranges where they differ."""

from __future__ import annotations

from pydantic import Field

from modelport.dialects.openai.schemas import ChatCompletionRequest


class ChatCompletionsOptions(ChatCompletionRequest):
    # Azure's `max_tokens` is an integer >= 0 (OpenAI's chat requires >= 1); 0 is an empty answer.
    max_tokens: int | None = Field(None, ge=0)
    max_completion_tokens: int | None = Field(None, ge=0)
