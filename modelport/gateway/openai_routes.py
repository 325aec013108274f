"""OpenAI-compatible routes under a Target URL: ``/completions``, and ``/v1/chat/completions`` +
``/v1/completions`` for offers whose dialect is openai. (``/chat/completions`` is the Azure AI
Model Inference route, which accepts the openai SDK too: see ``azure_routes``.)"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from modelport.dialects.openai.convert import chat_request, completion_request
from modelport.dialects.openai.schemas import ChatCompletionRequest, CompletionRequest
from modelport.dialects.parsing import load_json, validate
from modelport.gateway.respond import Rendering, begin, respond


def _include_usage(data: dict[str, object]) -> bool:
    options = data.get("stream_options")
    return isinstance(options, dict) and bool(options.get("include_usage"))


async def chat_completions(request: Request) -> Response:
    services, live, slot = await begin(request, "openai")
    data = load_json(await request.body())
    canonical = chat_request(validate(ChatCompletionRequest, data))
    rendering = Rendering(
        separate_usage_chunk=_include_usage(data), content_filter_annotations=True
    )
    return await respond(request, services, live, slot, "openai", canonical, rendering)


async def completions(request: Request) -> Response:
    services, live, slot = await begin(request, "openai")
    data = load_json(await request.body())
    canonical = completion_request(validate(CompletionRequest, data))
    rendering = Rendering(
        separate_usage_chunk=_include_usage(data), content_filter_annotations=True
    )
    return await respond(request, services, live, slot, "openai", canonical, rendering)
