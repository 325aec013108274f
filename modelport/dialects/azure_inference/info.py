"""``GET /info`` (``ModelInfo``) and the endpoint's own OpenAPI document."""

from __future__ import annotations

from typing import Any

from modelport.dialects.azure_inference.convert import API_VERSIONS
from modelport.dialects.azure_inference.schemas import ChatCompletionsOptions
from modelport.domain.catalog import Offer, Task
from modelport.errors import InvalidRequest

_MODEL_TYPES = {Task.CHAT_COMPLETION: "chat_completion", Task.TEXT_COMPLETION: "text_generation"}


def model_info(offer: Offer, model: str | None = None) -> dict[str, str]:
    if model is not None and model not in (offer.model_name, offer.id):
        raise InvalidRequest(
            f"model {model!r} is not served by this endpoint (it serves {offer.model_name!r})",
            param="model",
        )
    return {
        "model_name": offer.model_name,
        "model_type": _MODEL_TYPES[offer.task],
        "model_provider_name": offer.publisher,
    }


def _error_response() -> dict[str, Any]:
    return {
        "description": "An error",
        "headers": {"x-ms-error-code": {"schema": {"type": "string"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }


def openapi_document(offer: Offer, server_url: str) -> dict[str, Any]:
    """An OpenAPI 3.1 description of this endpoint's Azure AI Model Inference operations."""
    schemas: dict[str, Any] = {}
    request_schema = ChatCompletionsOptions.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    schemas.update(request_schema.pop("$defs", {}))
    request_schema["additionalProperties"] = True
    schemas["ChatCompletionsOptions"] = request_schema
    schemas["ModelInfo"] = {
        "type": "object",
        "required": ["model_name", "model_type", "model_provider_name"],
        "properties": {
            "model_name": {"type": "string"},
            "model_type": {"type": "string", "enum": sorted(set(_MODEL_TYPES.values()))},
            "model_provider_name": {"type": "string"},
        },
    }
    schemas["ErrorResponse"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "target": {"type": "string"},
                    "details": {"type": "array", "items": {"type": "object"}},
                    "innererror": {"type": "object"},
                },
            }
        },
    }
    api_version = {
        "name": "api-version",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": list(API_VERSIONS)},
        "description": "Optional here (a Modelport leniency, for OpenAI clients).",
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"Azure AI Model Inference API: {offer.model_name}",
            "version": API_VERSIONS[-1],
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/chat/completions": {
                "post": {
                    "operationId": "GetChatCompletions",
                    "parameters": [
                        api_version,
                        {
                            "name": "extra-parameters",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "enum": ["error", "drop", "pass-through"]},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ChatCompletionsOptions"}
                            }
                        },
                    },
                    "responses": {
                        "200": {"description": "ChatCompletions, or an SSE stream of updates"},
                        "default": _error_response(),
                    },
                }
            },
            "/info": {
                "get": {
                    "operationId": "GetModelInfo",
                    "parameters": [
                        api_version,
                        {
                            "name": "model",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The model behind this endpoint",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ModelInfo"}
                                }
                            },
                        },
                        "default": _error_response(),
                    },
                }
            },
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "api-key": {"type": "apiKey", "in": "header", "name": "api-key"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": [{"api-key": []}, {"bearer": []}],
    }
