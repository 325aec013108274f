"""The OpenAI dialect's operations under a Target URL."""

from __future__ import annotations

from modelport.dialects.openai.schemas import ChatCompletionRequest, CompletionRequest
from modelport.dialects.openapi import Operation

OPERATIONS = [
    Operation("/v1/chat/completions", "createChatCompletion", "Chat", ChatCompletionRequest),
    Operation("/v1/completions", "createCompletion", "Text completion", CompletionRequest),
]
