"""Shared parsing of request bodies into wire schemas, with errors callers can act on."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from modelport.errors import InvalidRequest, UnknownParameter

M = TypeVar("M", bound=BaseModel)


def load_json(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"the request body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidRequest("the request body must be a JSON object")
    return data


def describe(exc: ValidationError) -> tuple[str, str | None]:
    """One readable sentence per problem, and the first offending parameter."""
    parts = []
    first: str | None = None
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        first = first or loc
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts), first


def validate(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        unknown = [e for e in exc.errors(include_url=False) if e["type"] == "extra_forbidden"]
        message, param = describe(exc)
        if unknown and len(unknown) == len(exc.errors()):
            names = ", ".join(".".join(str(p) for p in e["loc"]) for e in unknown)
            raise UnknownParameter(f"unknown parameter(s): {names}", param=param) from exc
        raise InvalidRequest(message, param=param) from exc
