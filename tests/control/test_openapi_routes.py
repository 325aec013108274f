"""The management OpenAPI document lists every management route (nothing outside the framework
that documents it), and the usage and limits routes work through it, with ``?region=``."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient

from modelport.app import create_app
from tests.support import settings_for

# The document itself, and the page that shows it.
UNDOCUMENTED = {"/management/openapi.json", "/management/docs"}


def management_routes(routes: list[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    """Every (path, method) served under /management, whatever router serves it (an included
    APIRouter is walked through its original routes, with its prefix)."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            extra = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            found |= management_routes(list(included.routes), prefix + extra)
        elif isinstance(route, Mount):
            found |= management_routes(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            path = prefix + route.path
            if path.startswith("/management") and path not in UNDOCUMENTED:
                found |= {(path, m.lower()) for m in route.methods or () if m != "HEAD"}
    return found


def test_every_management_route_is_in_the_openapi_document(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, embedded_default=False))
    document = app.openapi()
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    routes = management_routes(list(app.router.routes))
    assert ("/management/usage", "get") in routes
    assert ("/management/deployments/{name}/limits", "patch") in routes
    assert routes - documented == set()


def test_usage_and_limits_routes_take_a_region(api: TestClient) -> None:
    document = api.get("/management/openapi.json").json()
    for path, method in (
        ("/management/usage", "get"),
        ("/management/deployments/{name}/limits", "get"),
        ("/management/deployments/{name}/limits", "put"),
        ("/management/deployments/{name}/limits", "patch"),
    ):
        names = {p["name"] for p in document["paths"][path][method].get("parameters", [])}
        assert "region" in names, (path, method)
    report = api.get("/management/usage", params={"by": "day", "region": "eastus2"}).json()
    assert report["filters"]["region"] == "eastus2"
    assert report["data"] == []
    unknown = api.get("/management/usage", params={"region": "nowhere"})
    assert unknown.status_code == 422, unknown.text
    assert api.get("/management/usage", params={"by": "week"}).status_code == 422
    missing = api.get("/management/deployments/nothing/limits", params={"region": "eastus2"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
