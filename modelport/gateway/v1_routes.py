"""``/v1/chat/completions`` and ``/v1/completions`` speak the dialect of the deployment's offer
(``Offer.dialect``): AI21 for Jamba offers, Llama for Llama offers, OpenAI otherwise."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from modelport.domain.catalog import Dialect
from modelport.errors import NotFound
from modelport.gateway import ai21_routes, llama_routes, openai_routes

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


def _dialect(request: Request) -> Dialect:
    p = request.path_params
    region = p.get("region", request.app.state.default_region)
    live = request.app.state.services.registry.get(region, p["name"])
    return live.offer.dialect if live is not None else Dialect.OPENAI


async def chat_completions(request: Request) -> Response:
    return await _CHAT[_dialect(request)](request)


async def completions(request: Request) -> Response:
    dialect = _dialect(request)
    handler = _COMPLETIONS.get(dialect)
    if handler is None:
        request.state.dialect = dialect.value
        raise NotFound(f"the {dialect.value} API has no /v1/completions; use /v1/chat/completions")
    return await handler(request)
