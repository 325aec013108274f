"""Host-based routing: ``{name}.{region}.{base_domain}`` reaches deployment ``name`` in ``region``.

A small ASGI layer in front of the app. When a base domain is configured and the Host header is
a deployment's host name, the path is rewritten onto that deployment's Target URL path
(``/deployments/{name}/...`` in the default region, ``/regions/{region}/deployments/{name}/...``
in others), so the same routes serve both forms.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from modelport.domain.regions import Regions


def deployment_path(regions: Regions, region: str, name: str) -> str:
    if region == regions.default:
        return f"/deployments/{name}"
    return f"/regions/{region}/deployments/{name}"


class HostRouting:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            state = getattr(scope.get("app"), "state", None)
            services = getattr(state, "services", None)
            regions: Regions | None = getattr(services, "regions", None)
            host = Headers(scope=scope).get("host", "")
            routed = regions.route_host(host) if regions and host else None
            if routed is not None and regions is not None:
                prefix = deployment_path(regions, *routed)
                path: str = scope["path"]
                scope = dict(scope)
                scope["path"] = prefix + ("" if path == "/" else path)
                scope["raw_path"] = scope["path"].encode()
        await self.app(scope, receive, send)
