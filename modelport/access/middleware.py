"""The access layer in front of every protected route (the route table's paths).

For each request to a protected path, before the application routes it or reads its body:
authenticate (401), look the route up in the table (404/405 for a route that has no line: fail
closed), resolve the scope the table names (the project of ``{project}`` or of deployment
``{name}``), and :func:`~modelport.access.grants.authorize` (403). A project or deployment the
caller has no rights on is refused the same way whether or not it exists. The result is left in
the request state (``access``, ``permission``, ``project``) for the handlers and the audit log.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from modelport.access.authn import session_cookie
from modelport.access.grants import Access, authorize
from modelport.access.route_table import Gate, Match, RouteTable
from modelport.access.route_table import Scope as RuleScope
from modelport.errors import MethodNotAllowed, ModelportError, NotFound
from modelport.gateway.errors import render_error
from modelport.settings import Settings

if TYPE_CHECKING:  # the services are built from this package's parts
    from modelport.services import Services


PROJECT_HEADER = "OpenAI-Project"  # how OpenAI's SDK selects a project (SELECTED_PROJECT)


def _state(scope: Scope) -> dict[str, Any]:
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


class AccessControl:
    def __init__(self, app: ASGIApp, table: RouteTable | None = None) -> None:
        self.app = app
        self.table = table or RouteTable()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.table.protects(scope["path"]):
            await self.app(scope, receive, send)
            return
        services: Services = scope["app"].state.services
        state = _state(scope)
        state["dialect"] = "management"
        match, allowed = self.table.match(scope["method"], scope["path"])
        try:
            if match is not None and match.rule.gate is not None:
                exposure = _exposure(services.settings, match.rule.gate)
                if exposure == "off":
                    raise NotFound(f"no route for {scope['path']}")
                if exposure == "open":
                    await self.app(scope, receive, send)
                    return
            connection = HTTPConnection(scope)
            access = await services.authenticator.authenticate(
                scope["method"], Headers(scope=scope), session_cookie(dict(connection.cookies))
            )
            state["access"] = access
            if match is None:
                if allowed:
                    raise MethodNotAllowed(
                        f"{scope['method']} is not allowed here (allowed: {', '.join(allowed)})"
                    )
                raise NotFound(f"no route for {scope['path']}")
            state["permission"] = match.rule.permission
            await self._authorize(services, access, match, scope)
        except ModelportError as error:
            response = render_error(Request(scope), error)
            if isinstance(error, MethodNotAllowed):
                response.headers["Allow"] = ", ".join(allowed)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _authorize(
        self, services: Services, access: Access, match: Match, scope: Scope
    ) -> None:
        rule, state = match.rule, _state(scope)
        if rule.scope is RuleScope.SIGNED_IN:
            return
        if rule.scope is RuleScope.PLATFORM:
            authorize(access, rule.permission)
            return
        if rule.scope is RuleScope.ANY:
            if not access.can_somewhere(rule.permission):
                authorize(access, rule.permission)  # raises, with the usual message
            return
        if rule.scope in (RuleScope.PROJECT, RuleScope.SELECTED_PROJECT):
            if rule.scope is RuleScope.PROJECT:
                name = match.params["project"]
            else:
                headers = Headers(scope=scope)
                name = headers.get(PROJECT_HEADER) or services.settings.default_project
            state["project"] = name
            project_id = await _project_id(services, name)
        else:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            region = (query.get("region") or [None])[0]
            project_id = (
                _endpoint_project(services, match.params["endpoint"], region)
                if rule.scope is RuleScope.ENDPOINT
                else _deployment_project(services, match.params["name"], region)
            )
            if project_id is not None and access.can(rule.permission, project_id):
                state["project"] = await _project_name(services, project_id)
        authorize(access, rule.permission, project_id)


def _exposure(settings: Settings, gate: Gate) -> str:
    value: str = getattr(settings, gate.value)
    return value


async def _project_id(services: Services, name: str) -> str | None:
    store = services.store
    project = await asyncio.to_thread(store.run, lambda c: store.project_by_name(c, name))
    return project.id if project is not None else None


def _deployment_project(services: Services, name: str, region: str | None) -> str | None:
    """The project id of a deployment; None if there is no such deployment (or several)."""
    try:
        live = services.deployments.get_live(name, region)
    except ModelportError:
        return None
    return live.deployment.project_id


def _endpoint_project(services: Services, name: str, region: str | None) -> str | None:
    """The project id of an endpoint; None if there is no such endpoint."""
    try:
        return services.endpoints.get_live(name, region).endpoint.project_id
    except ModelportError:
        return None


async def _project_name(services: Services, project_id: str) -> str | None:
    store = services.store
    project = await asyncio.to_thread(store.run, lambda c: store.project_by_id(c, project_id))
    return project.name if project is not None else None
