"""The OpenAI dialect's operations under a Target URL, and the model routes every offer's
``/v1`` serves (:mod:`modelport.dialects.openai.models`)."""

from __future__ import annotations

from typing import Any

from modelport.dialects.openai.schemas import ChatCompletionRequest, CompletionRequest
from modelport.dialects.openapi import Operation

OPERATIONS = [
    Operation("/v1/chat/completions", "createChatCompletion", "Chat", ChatCompletionRequest),
    Operation("/v1/completions", "createCompletion", "Text completion", CompletionRequest),
]

_MODEL: dict[str, Any] = {
    "type": "object",
    "required": ["id", "object", "created", "owned_by"],
    "properties": {
        "id": {"type": "string"},
        "object": {"const": "model"},
        "created": {"type": "integer"},
        "owned_by": {"type": "string"},
    },
}

MODEL_OPERATIONS = [
    Operation(
        "/v1/models",
        "listModels",
        "The model this deployment serves",
        None,
        {
            "type": "object",
            "required": ["object", "data"],
            "properties": {"object": {"const": "list"}, "data": {"type": "array", "items": _MODEL}},
        },
    ),
    Operation("/v1/models/{model}", "retrieveModel", "The model, by its name", None, _MODEL),
]
