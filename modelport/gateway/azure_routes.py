"""Azure AI Model Inference documents under a Target URL: ``GET /info`` and the endpoint's
OpenAPI document (``/swagger.json``, ``/openapi.json``). Chat goes through the one handler."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from modelport.dialects.azure_inference.convert import check_api_version
from modelport.dialects.azure_inference.info import model_info, openapi_document
from modelport.dialects.registry import DIALECTS
from modelport.gateway.handler import authorise


async def info(request: Request) -> Response:
    _, live, _ = await authorise(request, DIALECTS["azure"])
    check_api_version(request.query_params.get("api-version"))
    return JSONResponse(model_info(live.offer, request.query_params.get("model")))


async def openapi(request: Request) -> Response:
    """The endpoint's OpenAPI document, for callers holding its key (or a principal allowed
    to call it): without one, it would tell anyone which deployments exist."""
    services, live, _ = await authorise(request, DIALECTS["azure"])
    base = services.settings.resolved_public_url()
    return JSONResponse(openapi_document(live.offer, f"{base}/deployments/{live.name}"))
