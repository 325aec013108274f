"""Azure AI Model Inference routes under a Target URL: ``POST /chat/completions``,
``GET /info`` and the endpoint's OpenAPI document (``/swagger.json``, ``/openapi.json``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from modelport.dialects.azure_inference.convert import azure_chat_request, check_api_version
from modelport.dialects.azure_inference.info import model_info, openapi_document
from modelport.dialects.parsing import load_json
from modelport.errors import DeploymentNotFound
from modelport.gateway.respond import Rendering, begin, respond
from modelport.services import Services


async def chat_completions(request: Request) -> Response:
    services, live, slot = begin(request, "azure")
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
    _, live, _ = begin(request, "azure")
    check_api_version(request.query_params.get("api-version"))
    return JSONResponse(model_info(live.offer, request.query_params.get("model")))


async def openapi(request: Request) -> Response:
    """Served without a key, like the document of a managed online endpoint."""
    request.state.dialect = "azure"
    services: Services = request.app.state.services
    p = request.path_params
    live = services.registry.get(p.get("region", request.app.state.default_region), p["name"])
    if live is None:
        raise DeploymentNotFound(f"deployment {p['name']!r} does not exist")
    base = services.settings.resolved_public_url()
    return JSONResponse(openapi_document(live.offer, f"{base}/deployments/{p['name']}"))
