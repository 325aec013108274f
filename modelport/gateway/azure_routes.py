"""Azure AI Model Inference routes under a Target URL: ``POST /chat/completions``,
``GET /info`` and the endpoint's OpenAPI document (``/swagger.json``, ``/openapi.json``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from modelport.dialects.azure_inference.convert import azure_chat_request, check_api_version
from modelport.dialects.azure_inference.info import model_info, openapi_document
from modelport.dialects.parsing import load_json
from modelport.gateway.respond import Rendering, begin, respond


async def chat_completions(request: Request) -> Response:
    services, live, slot = await begin(request, "azure")
    api_version = check_api_version(request.query_params.get("api-version"))
    data = load_json(await request.body())
    canonical = azure_chat_request(
        data, api_version=api_version, extra_parameters=request.headers.get("extra-parameters")
    )
    options = data.get("stream_options")
    include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
    rendering = Rendering(separate_usage_chunk=include_usage, content_filter_annotations=True)
    return await respond(request, services, live, slot, "azure", canonical, rendering)


async def info(request: Request) -> Response:
    _, live, _ = await begin(request, "azure")
    check_api_version(request.query_params.get("api-version"))
    return JSONResponse(model_info(live.offer, request.query_params.get("model")))


async def openapi(request: Request) -> Response:
    """The endpoint's OpenAPI document, for callers holding its key (or a principal allowed
    to call it): without one, it would tell anyone which deployments exist."""
    services, live, _ = await begin(request, "azure")
    base = services.settings.resolved_public_url()
    return JSONResponse(openapi_document(live.offer, f"{base}/deployments/{live.name}"))
