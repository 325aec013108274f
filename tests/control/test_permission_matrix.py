"""The permission matrix: every protected route × each built-in role × a principal holding the
role on project A (so B is out of its scope) or on the platform → allowed, or 403.

Generated from the route table (``access.route_table.ROUTES``); and every management route the
application has must have a line in that table, so a new route without a permission fails here.
Requests carry invalid or harmless bodies: what is checked is the access decision, taken before
the handler runs (a handler's own 404/409/422 counts as "allowed in").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from modelport.access.permissions import BUILTIN_ROLES, PLATFORM_ONLY
from modelport.access.route_table import ROUTES, RouteRule, Scope
from modelport.app import create_app
from modelport.services import Services
from tests.access_support import bearer, ok, service_principal
from tests.scripted import ScriptedEngine, scripted_deployment
from tests.support import ADMIN_TOKEN, settings_for

OFFER = "smollm2-test-a"
PROJECTS = {"A": "proj-a", "B": "proj-b"}
DEPLOYMENTS = {"A": "dep-a", "B": "dep-b"}
ENDPOINTS = {"A": "ep-a", "B": "ep-b"}
VICTIM = "target-principal"


# Routes open to anyone by design: liveness, and the portal's page shells and sign-in (its
# pages read everything through the management API). Deployments are mounted apart (keys).
PUBLIC = {"/healthz", "/portal"}


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route of the application but the public ones: the FastAPI
    routers' (from the OpenAPI document) and the plain Starlette routes."""
    found = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    for route in app.routes:
        if not isinstance(route, Route) or route.path in PUBLIC:
            continue
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, route.path))
    return found


def test_every_management_route_has_a_permission(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path / "data", embedded_default=False))
    table = {(r.method, r.path) for r in ROUTES}
    missing = app_routes(app) - table
    assert not missing, f"routes without a line in access/route_table.py: {sorted(missing)}"
    stale = {(m, p) for m, p in table - app_routes(app)}
    assert not stale, f"route table lines without a route: {sorted(stale)}"


class World:
    """Projects A and B, each with a subscription and a deployment; a victim principal with a
    role assignment on each; one token per (role, scope)."""

    def __init__(self, admin: TestClient) -> None:
        self.admin = admin
        self.services: Services = admin.app.state.services  # type: ignore[attr-defined]
        self.tokens: dict[tuple[str, str], str] = {}
        self.assignments: dict[str, str] = {}
        self.reseed()
        for role in BUILTIN_ROLES:
            slug = role.lower().replace(" ", "-")
            self.tokens[(role, "A")] = service_principal(admin, f"{slug}-a", role, PROJECTS["A"])
            self.tokens[(role, "platform")] = service_principal(admin, f"{slug}-p", role)

    def reseed(self) -> None:
        """Put back whatever an allowed request removed."""
        admin = self.admin
        for side, project in PROJECTS.items():
            if admin.get(f"/management/projects/{project}").status_code == 404:
                ok(admin.post("/management/projects", json={"name": project}), 201)
                admin.post(f"/management/projects/{project}/subscriptions", json={"offer": OFFER})
            if self.services.registry.get("local", DEPLOYMENTS[side]) is None:
                self._deployment(project, DEPLOYMENTS[side])
            if admin.get(f"/management/endpoints/{ENDPOINTS[side]}").status_code == 404:
                body = {"name": ENDPOINTS[side]}
                ok(admin.post(f"/management/projects/{project}/endpoints", json=body), 201)
        if admin.get(f"/management/principals/{VICTIM}").status_code == 404:
            ok(admin.post("/management/principals", json={"name": VICTIM, "kind": "service"}), 201)
        held = {
            a["project"]: a["id"]
            for a in ok(admin.get("/management/role-assignments"))["data"]
            if a["principal"] == VICTIM
        }
        for side, project in PROJECTS.items():
            if project not in held:
                body = {"principal": VICTIM, "role": "Reader", "project": project}
                held[project] = ok(admin.post("/management/role-assignments", json=body), 201)["id"]
            self.assignments[side] = held[project]

    def _deployment(self, project_name: str, name: str) -> None:
        scripted_deployment(self.services, project_name, name, OFFER, ScriptedEngine())

    def path(self, rule: RouteRule, side: str) -> str:
        values = {
            "project": PROJECTS[side],
            "name": DEPLOYMENTS[side],
            "endpoint": ENDPOINTS[side],
            "region": "local",
            "offer_id": OFFER,
            "offer": OFFER,
            "principal": VICTIM,
            "token_id": "no-such-token",
            "role": "Reader" if rule.method == "GET" else "matrix-role",
            "assignment_id": self.assignments[side],
            "blocklist": "matrix-list",
            "file_id": "file-none",
            "job_id": "ftjob-none",
        }
        return rule.path.format(**values)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    settings = settings_for(tmp_path_factory.mktemp("matrix"), embedded_default=False)
    with TestClient(create_app(settings), headers=bearer(ADMIN_TOKEN)) as admin:
        yield World(admin)


def expected_allowed(rule: RouteRule, role: str, scope: str, side: str) -> bool:
    permissions = BUILTIN_ROLES[role].permissions
    if rule.scope is Scope.SIGNED_IN:
        return True
    held = rule.permission in permissions
    if scope == "platform":
        return held
    # Held on project A only.
    if rule.permission in PLATFORM_ONLY or rule.scope is Scope.PLATFORM:
        return False
    if rule.scope is Scope.ANY and "{assignment_id}" not in rule.path:
        return held
    return held and side == "A"


CASES = [
    (rule, role, scope, side)
    for rule in ROUTES
    for role in BUILTIN_ROLES
    for scope in ("A", "platform")
    for side in ("A", "B")
]


def test_the_permission_matrix(world: World) -> None:
    wrong: list[str] = []
    for rule, role, scope, side in CASES:
        path = world.path(rule, side)
        body = {} if rule.method in ("POST", "PUT", "PATCH") else None
        headers = bearer(world.tokens[(role, scope)])
        if rule.scope is Scope.SELECTED_PROJECT:  # the openai SDK's project=
            headers["OpenAI-Project"] = PROJECTS[side]
        response = world.admin.request(rule.method, path, json=body, headers=headers)
        assert response.status_code != 401, (rule.path, response.text)
        allowed = response.status_code != 403
        if allowed != expected_allowed(rule, role, scope, side):
            wrong.append(
                f"{rule.method} {path} as {role}@{scope}: "
                f"{response.status_code} {response.text[:120]}"
            )
        if allowed and rule.method != "GET":
            world.reseed()
    assert not wrong, "\n".join(wrong)
    assert len(CASES) >= len(ROUTES) * 16


def test_routes_naming_a_project_or_deployment_are_authorised_on_it() -> None:
    for rule in ROUTES:
        if "{project}" in rule.path:
            assert rule.scope is Scope.PROJECT, rule
        elif "{name}" in rule.path:
            assert rule.scope is Scope.DEPLOYMENT, rule
