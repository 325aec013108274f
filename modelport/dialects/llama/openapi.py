"""The Llama dialect's operations under a Target URL."""

from __future__ import annotations

from modelport.dialects.llama.schemas import LlamaChatRequest, LlamaCompletionRequest
from modelport.dialects.openapi import Operation

OPERATIONS = [
    Operation("/v1/chat/completions", "chatCompletions", "Llama chat", LlamaChatRequest),
    Operation("/v1/completions", "completions", "Llama text completion", LlamaCompletionRequest),
]
