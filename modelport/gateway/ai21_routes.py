"""AI21 routes under a Target URL: ``POST /v1/chat/completions`` for offers speaking AI21."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from modelport.dialects.ai21.convert import chat_request
from modelport.dialects.ai21.schemas import AI21ChatRequest
from modelport.dialects.parsing import load_json, validate
from modelport.gateway.respond import Rendering, begin, respond


async def chat_completions(request: Request) -> Response:
    services, live, slot = await begin(request, "ai21")
    wire = validate(AI21ChatRequest, load_json(await request.body()))
    canonical = chat_request(wire, live.offer.model_name)
    return await respond(request, services, live, slot, "ai21", canonical, Rendering())
