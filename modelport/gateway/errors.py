"""The one place errors become HTTP responses, in the shape of the dialect that was called."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from modelport.dialects.ai21 import errors as ai21_errors
from modelport.dialects.azure_inference import errors as azure_errors
from modelport.dialects.llama import errors as llama_errors
from modelport.dialects.openai.errors import error_body as openai_error_body
from modelport.errors import InvalidRequest, ModelportError
from modelport.gateway.limit_headers import attach_to_error

log = logging.getLogger("modelport.gateway")

ErrorRenderer = Callable[[ModelportError], dict[str, Any]]


def management_error_body(error: ModelportError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.param:
        body["param"] = error.param
    return {"error": body}


def _own_status(error: ModelportError) -> int:
    return error.status


def _management_status(error: ModelportError) -> int:
    # Bad input is 422 in the management API, like FastAPI's own validation errors.
    return 422 if isinstance(error, InvalidRequest) else error.status


def _no_headers(error: ModelportError) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class ErrorShape:
    """How one dialect writes an error: its body, its status, its extra headers."""

    body: ErrorRenderer
    status: Callable[[ModelportError], int] = _own_status
    headers: Callable[[ModelportError], dict[str, str]] = _no_headers


SHAPES: dict[str, ErrorShape] = {
    "openai": ErrorShape(openai_error_body),
    "azure": ErrorShape(azure_errors.error_body, headers=azure_errors.error_headers),
    "ai21": ErrorShape(ai21_errors.error_body, status=ai21_errors.error_status),
    "llama": ErrorShape(llama_errors.error_body),
    "management": ErrorShape(management_error_body, status=_management_status),
}


def error_shape(dialect: str) -> ErrorShape:
    return SHAPES.get(dialect, SHAPES["management"])


def error_headers(error: ModelportError, status: int | None = None) -> dict[str, str]:
    headers = {}
    # Only 429 and 503 carry Retry-After: azure-core retries any status that has one.
    if error.retry_after is not None and (status or error.status) in (429, 503):
        headers["Retry-After"] = str(max(1, round(error.retry_after)))
    return headers


def render_error(request: Request, error: ModelportError) -> Response:
    dialect = getattr(request.state, "dialect", "management")
    shape = error_shape(dialect)
    status = shape.status(error)
    headers = error_headers(error, status)
    headers.update(shape.headers(error))
    headers.update(getattr(request.state, "extra_error_headers", {}) or {})
    return JSONResponse(shape.body(error), status_code=status, headers=headers)


async def handle_modelport_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ModelportError)
    ctx = getattr(request.state, "request_ctx", None)
    if ctx is not None:
        await attach_to_error(request, request.app.state.services.pipeline, ctx)
    if exc.status >= 500:
        log.warning("%s: %s", exc.code, exc.message)
    return render_error(request, exc)


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return render_error(request, ModelportError("internal error; see the server log"))


def validation_error(exc: RequestValidationError) -> InvalidRequest:
    """FastAPI's request validation (management API bodies and parameters) as our 422."""
    problems = []
    param = None
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        where = ".".join(loc) or "body"
        param = param or (loc[-1] if loc else None)
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return InvalidRequest("invalid request: " + "; ".join(problems), param=param)


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return render_error(request, validation_error(exc))
