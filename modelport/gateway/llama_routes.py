"""Llama routes under a Target URL: ``POST /v1/completions`` and ``/v1/chat/completions`` for
offers speaking Llama (logprobs in the completions shape, on chat too)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from modelport.dialects.llama.convert import chat_request, completion_request
from modelport.dialects.llama.schemas import LlamaChatRequest, LlamaCompletionRequest
from modelport.dialects.parsing import load_json, validate
from modelport.gateway.respond import Rendering, begin, respond

_RENDERING = Rendering(chat_logprobs="legacy")


async def chat_completions(request: Request) -> Response:
    services, live, slot = await begin(request, "llama")
    canonical = chat_request(validate(LlamaChatRequest, load_json(await request.body())))
    return await respond(request, services, live, slot, "llama", canonical, _RENDERING)


async def completions(request: Request) -> Response:
    services, live, slot = await begin(request, "llama")
    canonical = completion_request(
        validate(LlamaCompletionRequest, load_json(await request.body()))
    )
    return await respond(request, services, live, slot, "llama", canonical, _RENDERING)
