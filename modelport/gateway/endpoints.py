"""The data plane of managed online endpoints: ``/endpoints/{endpoint}`` answers every route a
deployment answers (see :mod:`modelport.gateway.routes`), for the deployment the request is
routed to.

The caller's credential is checked against the endpoint's keys (or a principal's token with
``deployments/infer`` on its project) before anything about the endpoint is revealed. The
request then goes to the deployment named by the ``azureml-model-deployment`` header, or to one
picked by the endpoint's traffic weights, and on through the one handler as if it had been sent
to that deployment; the response names it in ``azureml-model-deployment``. A share of live
requests is copied to the endpoint's mirror deployments (:mod:`modelport.gateway.mirror`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from modelport.access.grants import authorize as authorize_principal
from modelport.domain.deployments import DeploymentState, KeySlot
from modelport.domain.endpoints import PIN_HEADER, mirrored, pick
from modelport.errors import DeploymentNotFound, NoTrafficRoute, Unauthorized
from modelport.gateway.auth import INFER, is_principal_token, presented_key
from modelport.gateway.routes import deployment_routes
from modelport.inference.endpoints import LiveEndpoint
from modelport.inference.live import LiveDeployment
from modelport.services import Services

Endpoint = Callable[[Request], Awaitable[Response]]

# The dialect whose error shape answers before the route's own is known.
_FIRST_DIALECT = {"/chat/completions": "azure", "/info": "azure", "/swagger.json": "azure"}


async def _authorise(services: Services, request: Request) -> tuple[LiveEndpoint, KeySlot | None]:
    services.check_store_outage()
    name = request.path_params["endpoint"]
    region = request.path_params.get("region", request.app.state.default_region)
    found = services.endpoint_registry.get(region, name)
    if found is not None and found.endpoint.deleting:
        found = None
    credential = presented_key(request.headers)
    if credential is None:
        raise Unauthorized(
            "missing key: send the endpoint's key in the 'api-key' header or as "
            "'Authorization: Bearer <key>' (or a token of a principal allowed to call it)"
        )
    if is_principal_token(request.headers, credential):
        access = await services.authenticator.bearer(credential)
        authorize_principal(access, INFER, found.endpoint.project_id if found else None)
        if found is None:
            raise DeploymentNotFound(f"endpoint {name!r} does not exist")
        return found, None
    slot = found.slot_of(services.vault.fingerprint(credential)) if found else None
    if found is None or slot is None:
        raise Unauthorized("invalid key for this endpoint")
    return found, slot


def _deployment(services: Services, endpoint: LiveEndpoint, name: str) -> LiveDeployment | None:
    live = services.registry.get(endpoint.endpoint.region, name)
    if live is None or live.deployment.endpoint_id != endpoint.endpoint.id:
        return None
    if live.deployment.state is DeploymentState.DELETING:
        return None
    return live


def _routed(services: Services, request: Request, endpoint: LiveEndpoint) -> LiveDeployment:
    pinned = (request.headers.get(PIN_HEADER) or "").strip()
    if pinned:
        live = _deployment(services, endpoint, pinned)
        if live is None:
            raise DeploymentNotFound(
                f"endpoint {endpoint.endpoint.name!r} has no deployment {pinned!r} "
                f"(the {PIN_HEADER} header)"
            )
        return live
    chosen = pick(endpoint.endpoint.traffic)
    live = _deployment(services, endpoint, chosen) if chosen else None
    if live is None:
        raise NoTrafficRoute(
            f"endpoint {endpoint.endpoint.name!r} routes no traffic: set its traffic "
            f"(`modelport endpoints traffic`) or name a deployment in the {PIN_HEADER} header",
            retry_after=5,
        )
    return live


def _through_endpoint(path: str, inner: Endpoint) -> Endpoint:
    first = _FIRST_DIALECT.get(path, "openai")

    async def endpoint(request: Request) -> Response:
        request.state.dialect = first
        services: Services = request.app.state.services
        found, slot = await _authorise(services, request)
        live = _routed(services, request, found)
        request.state.authorized = (live, slot)  # the handler's authorise takes it as is
        mirrors = []
        if request.method == "POST" and not request.headers.get(PIN_HEADER):
            mirrors = [
                m
                for name in mirrored(found.endpoint.mirror)
                if (m := _deployment(services, found, name)) is not None
            ]
        if mirrors:
            body = await request.body()  # read once: the handler reads it from the cache
            for target in mirrors:
                services.mirror.copy(request, path, body, target, slot)
        response = await inner(request)
        response.headers[PIN_HEADER] = live.name
        return response

    return endpoint


def endpoint_routes() -> list[Route]:
    routes = []
    for route in deployment_routes():
        methods = sorted(route.methods - {"HEAD"}) if route.methods else None
        routes.append(
            Route(route.path, _through_endpoint(route.path, route.endpoint), methods=methods)
        )
    return routes
