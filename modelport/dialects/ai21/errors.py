"""The AI21 error shape: ``{"detail": message, "code": code}``; schema and validation errors are
422 (Unprocessable Entity), as AI21's own API answers them (the ai21 SDK raises
``UnprocessableEntity``)."""

from __future__ import annotations

from typing import Any

from modelport.errors import InvalidRequest, ModelportError, UnknownParameter


def error_status(error: ModelportError) -> int:
    return 422 if isinstance(error, InvalidRequest | UnknownParameter) else error.status


def error_body(error: ModelportError) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": error.message, "code": error.code}
    if error.param:
        body["param"] = error.param
    if "content_filter_result" in error.details:  # a blocked prompt: which categories, how bad
        body["content_filter_result"] = error.details["content_filter_result"]
    return body
