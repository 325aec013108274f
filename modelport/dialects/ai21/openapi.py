"""The AI21 dialect's operations under a Target URL."""

from __future__ import annotations

from modelport.dialects.ai21.schemas import AI21ChatRequest
from modelport.dialects.openapi import Operation

OPERATIONS = [Operation("/v1/chat/completions", "chatCompletions", "Jamba chat", AI21ChatRequest)]
