"""The portal's routes: server-rendered page shells, sign-in and sign-out, static assets.

Pages carry no data: each one's JavaScript module reads and changes everything through the
management API (``/management/...``, authorised by the session cookie + CSRF header in
``control.auth``) and calls deployments through their public endpoint, like any other client.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from modelport.control.auth import admin_token_ok, portal_session
from modelport.control.sessions import COOKIE_NAME, SessionCodec
from modelport.domain.deployments import DEPLOYMENT_NAME_PATTERN

log = logging.getLogger("modelport.portal")

HERE = Path(__file__).resolve().parent
SIGNIN_CSRF_COOKIE = "modelport_signin_csrf"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


async def read_form(request: Request) -> dict[str, str]:
    """A small url-encoded form (the portal posts no files): first value of each field."""
    body = await request.body()
    if len(body) > 16_384 or not request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def _safe_next(value: str | None) -> str:
    """Only same-site portal paths: never an open redirect."""
    if value and value.startswith("/portal/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/portal/catalog"


class Portal:
    """Page handlers; one ``Jinja2Templates`` built when the app is created."""

    def __init__(self) -> None:
        self.templates = Jinja2Templates(directory=HERE / "templates")

    def _codec(self, request: Request) -> SessionCodec:
        codec: SessionCodec = request.app.state.services.sessions
        return codec

    def _render(
        self, request: Request, template: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        response = self.templates.TemplateResponse(
            request, template, context, status_code=status, headers=SECURITY_HEADERS
        )
        return response

    def page(self, template: str, title: str, section: str) -> Any:
        async def endpoint(request: Request) -> Response:
            session = portal_session(request)
            if session is None:
                target = quote(request.url.path, safe="/")
                return RedirectResponse(f"/portal/sign-in?next={target}", status_code=303)
            context = {
                "title": title,
                "section": section,
                "csrf_token": self._codec(request).csrf_token(session),
                "params": dict(request.path_params),
                "name_pattern": DEPLOYMENT_NAME_PATTERN,
            }
            return self._render(request, template, context)

        return endpoint

    async def home(self, request: Request) -> Response:
        return RedirectResponse("/portal/catalog", status_code=303)

    def _sign_in_form(self, request: Request, error: str | None, status: int = 200) -> Response:
        token = secrets.token_urlsafe(24)
        response = self._render(
            request,
            "sign_in.html",
            {
                "title": "Sign in",
                "section": "sign-in",
                "form_token": token,
                "next": _safe_next(request.query_params.get("next")),
                "error": error,
            },
            status,
        )
        response.set_cookie(
            SIGNIN_CSRF_COOKIE,
            token,
            max_age=600,
            path="/portal/sign-in",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    async def sign_in_page(self, request: Request) -> Response:
        if portal_session(request) is not None:
            return RedirectResponse(_safe_next(request.query_params.get("next")), 303)
        return self._sign_in_form(request, None)

    async def sign_in(self, request: Request) -> Response:
        form = await read_form(request)
        presented = form.get("form_token", "")
        expected = request.cookies.get(SIGNIN_CSRF_COOKIE, "")
        if not expected or not secrets.compare_digest(presented, expected):
            return self._sign_in_form(request, "The form expired; please try again.", 403)
        if not admin_token_ok(request, form.get("admin_token", "")):
            log.warning("portal sign-in refused: wrong admin token")
            return self._sign_in_form(request, "That admin token is not valid.", 401)
        codec = self._codec(request)
        _, cookie = codec.issue()
        response = RedirectResponse(_safe_next(form.get("next")), status_code=303)
        response.set_cookie(
            COOKIE_NAME,
            cookie,
            max_age=codec.ttl_s,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        response.delete_cookie(SIGNIN_CSRF_COOKIE, path="/portal/sign-in")
        log.info("portal sign-in")
        return response

    async def sign_out(self, request: Request) -> Response:
        session = portal_session(request)
        form = await read_form(request)
        if session is not None and not self._codec(request).csrf_ok(
            session, form.get("csrf_token")
        ):
            return Response("invalid CSRF token", status_code=403, headers=SECURITY_HEADERS)
        response = RedirectResponse("/portal/sign-in", status_code=303)
        response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
        return response


def portal_routes() -> list[BaseRoute]:
    portal = Portal()
    pages = [
        ("/catalog", "catalog.html", "Model catalog", "catalog"),
        ("/catalog/{offer}", "offer.html", "Model", "catalog"),
        ("/catalog/{offer}/deploy", "deploy.html", "Deploy", "catalog"),
        ("/deployments", "deployments.html", "Deployments", "deployments"),
        ("/deployments/{name}", "deployment.html", "Deployment", "deployments"),
        ("/deployments/{name}/test", "playground.html", "Test", "deployments"),
        ("/deployments/{name}/consume", "consume.html", "Consume", "deployments"),
        ("/usage", "usage.html", "Usage and cost", "usage"),
        ("/content-safety/blocklists", "blocklists.html", "Blocklists", "safety"),
    ]
    routes: list[BaseRoute] = [
        Route("/", portal.home, methods=["GET"]),
        Route("/sign-in", portal.sign_in_page, methods=["GET"]),
        Route("/sign-in", portal.sign_in, methods=["POST"]),
        Route("/sign-out", portal.sign_out, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="portal-static"),
    ]
    routes += [
        Route(path, portal.page(template, title, section), methods=["GET"])
        for path, template, title, section in pages
    ]
    return [
        Route("/portal", portal.home, methods=["GET"]),
        Mount("/portal", routes=routes),
    ]
