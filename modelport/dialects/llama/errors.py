"""The Llama (vLLM-style) error shape: ``{"object": "error", "message", "type", "param",
"code"}``, with the error's own status."""

from __future__ import annotations

from typing import Any

from modelport.errors import ModelportError


def error_body(error: ModelportError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "object": "error",
        "message": error.message,
        "type": "BadRequestError" if error.status == 400 else type(error).__name__,
        "param": error.param,
        "code": error.status,
    }
    if "content_filter_result" in error.details:  # a blocked prompt: which categories, how bad
        body["content_filter_result"] = error.details["content_filter_result"]
    return body
