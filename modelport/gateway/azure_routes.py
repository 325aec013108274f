"""Azure AI Model Inference documents under a Target URL: ``GET /info`` and the endpoint's
OpenAPI document (``/swagger.json``, ``/openapi.json``). Chat goes through the one handler."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from modelport.dialects.azure_inference.convert import check_api_version
from modelport.dialects.azure_inference.info import model_info, openapi_document
from modelport.dialects.registry import DIALECTS
from modelport.errors import DeploymentNotFound
from modelport.gateway.handler import authorise
from modelport.services import Services


async def info(request: Request) -> Response:
    _, live, _ = authorise(request, DIALECTS["azure"])
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
