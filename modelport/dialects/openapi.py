"""An endpoint's OpenAPI document for its ``/v1`` routes, built from a dialect's wire schemas.

Each dialect package names its operations (``dialects/<name>/openapi.py``); this module turns
them into one OpenAPI 3.1 document (served at ``{Target URL}/v1/openapi.json``, for callers
holding the key: clients, code generators and fuzzers read it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class Operation:
    """A ``POST`` whose body is ``request``; or, without one, a ``GET`` whose answer is
    ``response`` (a JSON schema), with a string parameter for each ``{name}`` in the path."""

    path: str
    operation_id: str
    summary: str
    request: type[BaseModel] | None
    response: dict[str, Any] | None = None


_ERROR = {
    "description": "An error, in the dialect's shape",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _post(op: Operation, request: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    schema = request.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[request.__name__] = schema
    return {
        "post": {
            "operationId": op.operation_id,
            "summary": op.summary,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{request.__name__}"}
                    }
                },
            },
            "responses": {
                "200": {"description": "The completion, or an SSE stream of chunks"},
                "default": _ERROR,
            },
        }
    }


def _get(op: Operation) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": op.summary}
    if op.response is not None:
        answer["content"] = {"application/json": {"schema": op.response}}
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{(\w+)\}", op.path)
    ]
    get: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "responses": {"200": answer, "default": _ERROR},
    }
    if parameters:
        get["parameters"] = parameters
    return {"get": get}


def document(title: str, server_url: str, operations: list[Operation]) -> dict[str, Any]:
    schemas: dict[str, Any] = {
        "Error": {"type": "object", "description": "The dialect's error body."}
    }
    paths: dict[str, Any] = {}
    for op in operations:
        if op.request is not None:
            paths[op.path] = _post(op, op.request, schemas)
        else:
            paths[op.path] = _get(op)
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
