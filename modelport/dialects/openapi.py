"""An endpoint's OpenAPI document for its ``/v1`` routes, built from a dialect's wire schemas.

Each dialect package names its operations (``dialects/<name>/openapi.py``); this module turns
them into one OpenAPI 3.1 document (served at ``{Target URL}/v1/openapi.json``, for callers
holding the key: clients, code generators and fuzzers read it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class Operation:
    path: str
    operation_id: str
    summary: str
    request: type[BaseModel]


def document(title: str, server_url: str, operations: list[Operation]) -> dict[str, Any]:
    schemas: dict[str, Any] = {
        "Error": {"type": "object", "description": "The dialect's error body."}
    }
    paths: dict[str, Any] = {}
    for op in operations:
        schema = op.request.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[op.request.__name__] = schema
        error = {
            "description": "An error, in the dialect's shape",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        paths[op.path] = {
            "post": {
                "operationId": op.operation_id,
                "summary": op.summary,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{op.request.__name__}"}
                        }
                    },
                },
                "responses": {
                    "200": {"description": "The completion, or an SSE stream of chunks"},
                    "default": error,
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1"},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "api-key": {"type": "apiKey", "in": "header", "name": "api-key"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": [{"api-key": []}, {"bearer": []}],
    }
