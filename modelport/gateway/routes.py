"""The data-plane routes under one Target URL (``/deployments/{name}``), each a dialect and an
operation for the one handler (see docs/dialects.md):

| route | dialect |
|---|---|
| ``POST /chat/completions`` | Azure AI Model Inference (also what the openai SDK calls) |
| ``POST /completions`` | OpenAI completions |
| ``POST /v1/chat/completions``, ``/v1/completions`` | the offer's dialect (``Offer.dialect``) |
| ``GET /info``, ``/swagger.json``, ``/openapi.json`` | Azure AI Model Inference documents |
| ``GET /v1/models``, ``/v1/models/{model}`` (and ``/models``) | OpenAI model objects |
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from modelport.dialects.ai21 import openapi as ai21_openapi
from modelport.dialects.base import Dialect
from modelport.dialects.llama import openapi as llama_openapi
from modelport.dialects.openai import openapi as openai_openapi
from modelport.dialects.openapi import Operation, document
from modelport.dialects.registry import DIALECTS
from modelport.errors import NotFound
from modelport.gateway import azure_routes, model_routes
from modelport.gateway.handler import authorise, handle
from modelport.inference.types import RequestKind

Endpoint = Callable[[Request], Awaitable[Response]]


def _fixed(name: str, kind: RequestKind) -> Endpoint:
    dialect = DIALECTS[name]

    async def endpoint(request: Request) -> Response:
        return await handle(request, dialect, kind)

    return endpoint


async def _offer_dialect(request: Request) -> Dialect:
    """The caller's credential is checked first, in the OpenAI error shape: answering in the
    offer's dialect before that would tell a stranger which deployments exist."""
    _, live, _ = await authorise(request, DIALECTS["openai"])
    return DIALECTS[live.offer.dialect.value]


_OPERATIONS: dict[str, list[Operation]] = {
    "openai": openai_openapi.OPERATIONS,
    "ai21": ai21_openapi.OPERATIONS,
    "llama": llama_openapi.OPERATIONS,
}


async def v1_openapi(request: Request) -> Response:
    """``GET /v1/openapi.json``: the OpenAPI document of the offer's dialect (with the key)."""
    services, live, _ = await authorise(request, DIALECTS["openai"])
    name = live.offer.dialect.value
    base = services.settings.resolved_public_url()
    title = f"{name} API: {live.offer.model_name}"
    operations = _OPERATIONS[name] + openai_openapi.MODEL_OPERATIONS
    return JSONResponse(document(title, f"{base}/deployments/{live.name}", operations))


def _by_offer(kind: RequestKind) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        dialect = await _offer_dialect(request)
        if kind not in dialect.kinds:
            request.state.dialect = dialect.name
            raise NotFound(
                f"the {dialect.name} API has no /v1/completions; use /v1/chat/completions"
            )
        return await handle(request, dialect, kind)

    return endpoint


def deployment_routes() -> list[Route]:
    return [
        Route("/chat/completions", _fixed("azure", RequestKind.CHAT), methods=["POST"]),
        Route("/info", azure_routes.info, methods=["GET"]),
        Route("/swagger.json", azure_routes.openapi, methods=["GET"]),
        Route("/openapi.json", azure_routes.openapi, methods=["GET"]),
        Route("/completions", _fixed("openai", RequestKind.COMPLETION), methods=["POST"]),
        Route("/v1/chat/completions", _by_offer(RequestKind.CHAT), methods=["POST"]),
        Route("/v1/completions", _by_offer(RequestKind.COMPLETION), methods=["POST"]),
        Route("/v1/openapi.json", v1_openapi, methods=["GET"]),
        Route("/v1/models", model_routes.list_models, methods=["GET"]),
        Route("/v1/models/{model:path}", model_routes.retrieve_model, methods=["GET"]),
        Route("/models", model_routes.list_models, methods=["GET"]),
        Route("/models/{model:path}", model_routes.retrieve_model, methods=["GET"]),
    ]
