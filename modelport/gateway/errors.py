"""The one place errors become HTTP responses, in the shape of the dialect that was called (the
management API's shape otherwise)."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.requests import Request
from starlette.responses import Response

from modelport.dialects.registry import dialect as find_dialect
from modelport.errors import (
    InvalidRequest,
    MethodNotAllowed,
    ModelportError,
    NotFound,
    StoreUnavailable,
)
from modelport.inference.context import RequestContext

log = logging.getLogger("modelport.gateway")

DATA_PLANE = ("/deployments/", "/regions/", "/endpoints/")


def management_error_body(error: ModelportError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.param:
        body["param"] = error.param
    return {"error": body}


def retry_headers(error: ModelportError, status: int) -> dict[str, str]:
    # Only 429 and 503 carry Retry-After: azure-core retries any status that has one.
    if error.retry_after is not None and status in (429, 503):
        return {"Retry-After": str(max(1, round(error.retry_after)))}
    return {}


def render_error(request: Request, error: ModelportError) -> Response:
    found = find_dialect(getattr(request.state, "dialect", "") or "")
    if found is None:
        # Bad input is 422 in the management API, like FastAPI's own validation errors.
        status = 422 if isinstance(error, InvalidRequest) else error.status
        body = management_error_body(error)
        headers = retry_headers(error, status)
    else:
        status = found.error_status(error)
        body = found.error_body(error)
        headers = {**retry_headers(error, status), **found.error_headers(error)}
    headers.update(error.headers)
    headers.update(getattr(request.state, "extra_error_headers", None) or {})
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


async def handle_modelport_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ModelportError)
    ctx: RequestContext | None = getattr(request.state, "request_ctx", None)
    if ctx is not None:
        extra = {"x-request-id": ctx.request_id}
        if not exc.headers:
            # Raised before admission (a request that does not validate): the deployment's
            # current figures, read without reserving anything.
            accountant = request.app.state.services.pipeline.accountant
            extra.update(await accountant.peek_headers(ctx))
        request.state.extra_error_headers = extra
    if exc.status >= 500:
        log.warning("%s: %s", exc.code, exc.message)
    return render_error(request, exc)


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    if isinstance(exc, OperationalError):
        # The database did not answer (unreachable, restarting, locked): a condition to retry,
        # not a defect. A gateway serves the data plane from memory meanwhile.
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        error: ModelportError = StoreUnavailable(
            "the database is unavailable right now; retry shortly", retry_after=5
        )
        return render_error(request, error)
    log.exception("unhandled error", exc_info=exc)
    return render_error(request, ModelportError("internal error; see the server log"))


async def handle_not_found(request: Request, exc: Exception) -> Response:
    """No route: a data-plane path answers in the Azure shape (the Target URL's own API)."""
    path = request.url.path
    if path.startswith(("/deployments/", "/regions/")) and not hasattr(request.state, "dialect"):
        request.state.dialect = "azure"
    return render_error(request, NotFound(f"no route for {path}"))


async def handle_method_not_allowed(request: Request, exc: Exception) -> Response:
    """A data-plane route called with another method (the management API's are answered by the
    access layer): in the route's shape, OpenAI's for the ``/v1`` and completions routes (as
    before the credential is checked), Azure's for the Target URL's own."""
    allowed = (getattr(exc, "headers", None) or {}).get("Allow", "")
    path = request.url.path
    if path.startswith(DATA_PLANE) and not hasattr(request.state, "dialect"):
        openai = "/v1/" in path or (
            path.endswith("/completions") and not path.endswith("/chat/completions")
        )
        request.state.dialect = "openai" if openai else "azure"
    error = MethodNotAllowed(
        f"{request.method} is not allowed here (allowed: {allowed or 'none'})",
        headers={"Allow": allowed} if allowed else None,
    )
    return render_error(request, error)


def validation_error(exc: RequestValidationError) -> InvalidRequest:
    """FastAPI's request validation (management API bodies and parameters) as our 422."""
    problems = []
    param = None
    for error in exc.errors():
        if error.get("type") == "json_invalid":  # located at ("body", <character offset>)
            reason = (error.get("ctx") or {}).get("error")
            where = f" at character {error['loc'][-1]}" if len(error.get("loc", ())) > 1 else ""
            return InvalidRequest(
                "the request body is not valid JSON" + (f": {reason}{where}" if reason else "")
            )
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        where = ".".join(loc) or "body"
        param = param or (loc[-1] if loc else None)
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return InvalidRequest("invalid request: " + "; ".join(problems), param=param)


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return render_error(request, validation_error(exc))
