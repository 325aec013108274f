"""The Azure AI Model Inference error shape: ``{"error": {code, message, target?, details,
innererror?}}`` plus the ``x-ms-error-code`` header (azure-core reads both)."""

from __future__ import annotations

from typing import Any

from modelport.errors import ContentFiltered, ModelportError


def error_body(error: ModelportError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message, "details": []}
    if error.param:
        body["target"] = error.param
    if isinstance(error, ContentFiltered):
        body["innererror"] = {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_result": error.details.get("content_filter_result", {}),
        }
    return {"error": body}


def error_headers(error: ModelportError) -> dict[str, str]:
    return {"x-ms-error-code": error.code}
