"""The one place errors become HTTP responses, in the shape of the dialect that was called."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from modelport.dialects.openai.errors import error_body as openai_error_body
from modelport.errors import InvalidRequest, ModelportError

log = logging.getLogger("modelport.gateway")

ErrorRenderer = Callable[[ModelportError], dict[str, Any]]


def management_error_body(error: ModelportError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.param:
        body["param"] = error.param
    return {"error": body}


RENDERERS: dict[str, ErrorRenderer] = {
    "openai": openai_error_body,
    "management": management_error_body,
}


# Dialects that answer invalid input with 422 rather than 400 (the management API: bad input is
# 422 there, like FastAPI's own validation errors).
INVALID_INPUT_STATUS: dict[str, int] = {"management": 422}


def status_of(dialect: str, error: ModelportError) -> int:
    if isinstance(error, InvalidRequest) and dialect in INVALID_INPUT_STATUS:
        return INVALID_INPUT_STATUS[dialect]
    return error.status


def error_headers(error: ModelportError) -> dict[str, str]:
    headers = {}
    # Only 429 and 503 carry Retry-After: azure-core retries any status that has one.
    if error.retry_after is not None and error.status in (429, 503):
        headers["Retry-After"] = str(max(1, round(error.retry_after)))
    return headers


def render_error(request: Request, error: ModelportError) -> Response:
    dialect = getattr(request.state, "dialect", "management")
    renderer = RENDERERS.get(dialect, management_error_body)
    headers = error_headers(error)
    headers.update(getattr(request.state, "extra_error_headers", {}) or {})
    return JSONResponse(renderer(error), status_code=status_of(dialect, error), headers=headers)


async def handle_modelport_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ModelportError)
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
