"""``/v1/chat/completions`` and ``/v1/completions`` speak the dialect of the deployment's offer
(``Offer.dialect``): AI21 for Jamba offers, Llama for Llama offers, OpenAI otherwise.

The caller's credential is checked first, in the OpenAI error shape: answering in the offer's
dialect before that would tell a stranger which deployments exist."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from modelport.dialects.ai21 import openapi as ai21_openapi
from modelport.dialects.llama import openapi as llama_openapi
from modelport.dialects.openai import openapi as openai_openapi
from modelport.dialects.openapi import Operation, document
from modelport.domain.catalog import Dialect
from modelport.errors import NotFound
from modelport.gateway import ai21_routes, llama_routes, openai_routes
from modelport.gateway.respond import begin

Handler = Callable[[Request], Awaitable[Response]]

_CHAT: dict[Dialect, Handler] = {
    Dialect.OPENAI: openai_routes.chat_completions,
    Dialect.AI21: ai21_routes.chat_completions,
    Dialect.LLAMA: llama_routes.chat_completions,
}
_COMPLETIONS: dict[Dialect, Handler] = {
    Dialect.OPENAI: openai_routes.completions,
    Dialect.LLAMA: llama_routes.completions,
}


async def _dialect(request: Request) -> Dialect:
    _, live, _ = await begin(request, Dialect.OPENAI.value)
    return live.offer.dialect


async def chat_completions(request: Request) -> Response:
    return await _CHAT[await _dialect(request)](request)


_OPERATIONS: dict[Dialect, list[Operation]] = {
    Dialect.OPENAI: openai_openapi.OPERATIONS,
    Dialect.AI21: ai21_openapi.OPERATIONS,
    Dialect.LLAMA: llama_openapi.OPERATIONS,
}


async def openapi(request: Request) -> Response:
    """``GET /v1/openapi.json``: the OpenAPI document of the offer's dialect (with the key)."""
    services, live, _ = await begin(request, Dialect.OPENAI.value)
    dialect = live.offer.dialect
    base = services.settings.resolved_public_url()
    title = f"{dialect.value} API: {live.offer.model_name}"
    return JSONResponse(document(title, f"{base}/deployments/{live.name}", _OPERATIONS[dialect]))


async def completions(request: Request) -> Response:
    dialect = await _dialect(request)
    handler = _COMPLETIONS.get(dialect)
    if handler is None:
        request.state.dialect = dialect.value
        raise NotFound(f"the {dialect.value} API has no /v1/completions; use /v1/chat/completions")
    return await handler(request)
