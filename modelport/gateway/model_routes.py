"""OpenAI's model routes under a Target URL (``GET /v1/models``, ``GET /v1/models/{model}``,
and ``/models`` beside the root ``/chat/completions`` and ``/completions`` for clients whose base
URL is the Target URL): what OpenAI-compatible clients and proxies probe before they call.

Authenticated like the other ``/v1`` routes (the credential first, errors in the OpenAI shape)
and, like ``/info``, neither metered nor rate limited: nothing is generated.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from modelport.dialects.openai.models import model_list, one_model
from modelport.dialects.registry import DIALECTS
from modelport.gateway.handler import authorise


async def list_models(request: Request) -> Response:
    _, live, _ = await authorise(request, DIALECTS["openai"])
    return JSONResponse(model_list(live.offer, live.deployment.created_at))


async def retrieve_model(request: Request) -> Response:
    _, live, _ = await authorise(request, DIALECTS["openai"])
    model = request.path_params["model"]
    return JSONResponse(one_model(live.offer, live.deployment.created_at, model))
