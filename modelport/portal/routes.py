"""The portal's routes: server-rendered page shells, sign-in and sign-out, static assets.

Pages carry no data: each one's JavaScript module reads and changes everything through the
management API (``/management/...``, authorised by the session cookie + CSRF header in
``access.authn``) and calls deployments through their public endpoint, like any other client.

Sign-in attempts are throttled per account name and per client address (``access.throttle``).
Signing in opens a server-side session (``access.sessions``) for a local account (user name and
password), an API token or the bootstrap admin token, or a single sign-on user (authorization
code + PKCE, ``access.oidc``). Signing out deletes the session, so a replayed cookie is refused.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import math
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from modelport.access.authn import session_cookie
from modelport.access.grants import Access
from modelport.access.oidc import pkce_pair
from modelport.access.sessions import COOKIE_NAME
from modelport.access.types import PortalSession
from modelport.domain.deployments import DEPLOYMENT_NAME_PATTERN
from modelport.errors import ModelportError
from modelport.services import Services

log = logging.getLogger("modelport.portal")

HERE = Path(__file__).resolve().parent
SIGNIN_CSRF_COOKIE = "modelport_signin_csrf"
SSO_COOKIE = "modelport_sso"
SSO_PATH = "/portal/sign-in"
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
    """A small url-encoded form (the portal posts no files): first value of each field. The
    body limit layer (gateway/body_limit.py) has bounded the body before it is read."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    body = await request.body()
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def _safe_next(value: str | None) -> str:
    """Only same-site portal paths: never an open redirect."""
    if value and value.startswith("/portal/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/portal/catalog"


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


class SsoState:
    """The state of one single sign-on attempt, kept in a short-lived signed cookie."""

    TTL_S = 600

    def __init__(self, hash_secret: bytes) -> None:
        self._key = hmac.new(hash_secret, b"modelport-sso-state", hashlib.sha256).digest()

    def seal(self, data: dict[str, Any]) -> str:
        payload = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
        signature = hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()
        return f"{payload}.{signature}"

    def open(self, value: str | None) -> dict[str, Any] | None:
        if not value or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        expected = hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload))
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("exp", 0) < time.time():
            return None
        return data


class Portal:
    """Page handlers; one ``Jinja2Templates`` built when the app is created."""

    def __init__(self) -> None:
        self.templates = Jinja2Templates(directory=HERE / "templates")

    def _render(
        self, request: Request, template: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        return self.templates.TemplateResponse(
            request, template, context, status_code=status, headers=SECURITY_HEADERS
        )

    async def _session(self, request: Request) -> tuple[Access, PortalSession] | None:
        services = _services(request)
        return await services.authenticator.session(session_cookie(dict(request.cookies)))

    def page(self, template: str, title: str, section: str) -> Any:
        async def endpoint(request: Request) -> Response:
            found = await self._session(request)
            if found is None:
                here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                target = quote(here, safe="/")  # the query too: e.g. a deployment's ?region=
                return RedirectResponse(f"/portal/sign-in?next={target}", status_code=303)
            access, session = found
            context = {
                "title": title,
                "section": section,
                "csrf_token": _services(request).sessions.csrf_token(session),
                "principal": access.principal.name,
                "params": dict(request.path_params),
                "query": dict(request.query_params),
                "name_pattern": DEPLOYMENT_NAME_PATTERN,
            }
            return self._render(request, template, context)

        return endpoint

    async def home(self, request: Request) -> Response:
        return RedirectResponse("/portal/catalog", status_code=303)

    # -- sign-in with a password or a token ------------------------------------------------
    def _sign_in_form(self, request: Request, error: str | None, status: int = 200) -> Response:
        token = secrets.token_urlsafe(24)
        oidc = _services(request).oidc
        response = self._render(
            request,
            "sign_in.html",
            {
                "title": "Sign in",
                "section": "sign-in",
                "form_token": token,
                "next": _safe_next(request.query_params.get("next")),
                "error": error,
                "sso_name": oidc.config.display_name if oidc is not None else None,
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
            secure=_secure(request),
        )
        return response

    async def sign_in_page(self, request: Request) -> Response:
        if await self._session(request) is not None:
            return RedirectResponse(_safe_next(request.query_params.get("next")), 303)
        return self._sign_in_form(request, request.query_params.get("error"))

    async def sign_in(self, request: Request) -> Response:
        form = await read_form(request)
        presented = form.get("form_token", "")
        expected = request.cookies.get(SIGNIN_CSRF_COOKIE, "")
        if not expected or not secrets.compare_digest(presented, expected):
            return self._sign_in_form(request, "The form expired; please try again.", 403)
        services = _services(request)
        account = None if form.get("token") else form.get("username")
        address = request.client.host if request.client else None
        verdict = await services.signin_throttle.attempt(account, address)
        if not verdict.allowed:
            request.state.audit_action = "portal/sign-in"
            wait = max(1, math.ceil(verdict.retry_after))
            log.warning("portal sign-in throttled (too many attempts)")
            response = self._sign_in_form(
                request, f"Too many sign-in attempts; try again in {wait} seconds.", 429
            )
            response.headers["Retry-After"] = str(wait)
            return response
        access: Access | None = None
        if form.get("token"):
            try:
                access = await services.authenticator.bearer(form["token"])
            except ModelportError:
                access = None
        elif form.get("username") and form.get("password"):
            access = await _to_thread(
                services.access.access_by_password, form["username"], form["password"]
            )
        if access is None:
            request.state.audit_action = "portal/sign-in"
            log.warning("portal sign-in refused")
            return self._sign_in_form(request, "Those credentials are not valid.", 401)
        request.state.access = access
        request.state.audit_action = "portal/sign-in"
        response = RedirectResponse(_safe_next(form.get("next")), status_code=303)
        await self._open_session(request, response, access)
        response.delete_cookie(SIGNIN_CSRF_COOKIE, path="/portal/sign-in")
        return response

    async def _open_session(self, request: Request, response: Response, access: Access) -> None:
        services = _services(request)
        _, cookie = await services.sessions.open(
            access.principal.id, access.method, access.credential_id
        )
        response.set_cookie(
            COOKIE_NAME,
            cookie,
            max_age=services.sessions.ttl_s,
            path="/",
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
        log.info("portal sign-in of %s (%s)", access.principal.name, access.method)

    async def sign_out(self, request: Request) -> Response:
        services = _services(request)
        found = await self._session(request)
        form = await read_form(request)
        request.state.audit_action = "portal/sign-out"
        if found is not None:
            access, session = found
            request.state.access = access
            if not services.sessions.csrf_ok(session, form.get("csrf_token")):
                return Response("invalid CSRF token", status_code=403, headers=SECURITY_HEADERS)
            await services.sessions.close(session_cookie(dict(request.cookies)))
        response = RedirectResponse("/portal/sign-in", status_code=303)
        response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
        return response

    # -- single sign-on: authorization code + PKCE ------------------------------------------
    def _callback_url(self, request: Request) -> str:
        base = _services(request).settings.resolved_public_url()
        return f"{base}/portal/sign-in/callback"

    async def sso_start(self, request: Request) -> Response:
        services = _services(request)
        if services.oidc is None:
            return RedirectResponse("/portal/sign-in", status_code=303)
        verifier, challenge = pkce_pair()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        try:
            url = await services.oidc.authorization_url(
                self._callback_url(request), state, nonce, challenge
            )
        except ModelportError as exc:
            return self._sign_in_form(request, exc.message, exc.status)
        sealed = SsoState(services.secrets.key_hash_secret).seal(
            {
                "state": state,
                "nonce": nonce,
                "verifier": verifier,
                "next": _safe_next(request.query_params.get("next")),
                "exp": time.time() + SsoState.TTL_S,
            }
        )
        response = RedirectResponse(url, status_code=303)
        # Lax: the provider sends the browser back with a cross-site top-level GET.
        response.set_cookie(
            SSO_COOKIE,
            sealed,
            max_age=SsoState.TTL_S,
            path=SSO_PATH,
            httponly=True,
            samesite="lax",
            secure=_secure(request),
        )
        return response

    async def sso_callback(self, request: Request) -> Response:
        services = _services(request)
        flow = SsoState(services.secrets.key_hash_secret).open(request.cookies.get(SSO_COOKIE))
        q = request.query_params
        if services.oidc is None or flow is None:
            return self._sign_in_form(request, "The single sign-on attempt expired.", 400)
        if not secrets.compare_digest(q.get("state", ""), str(flow["state"])):
            return self._sign_in_form(request, "The sign-in response does not match.", 400)
        if "code" not in q:
            return self._sign_in_form(request, "The provider did not sign you in.", 401)
        try:
            claims = await services.oidc.exchange(
                q["code"], self._callback_url(request), str(flow["verifier"]), str(flow["nonce"])
            )
            issuer = services.oidc.config.issuer.rstrip("/")
            access = await _to_thread(services.access.access_by_identity, issuer, claims)
        except ModelportError as exc:
            log.warning("single sign-on refused: %s", exc.message)
            return self._sign_in_form(request, exc.message, exc.status)
        if access is None:
            return self._sign_in_form(request, "That account is disabled.", 403)
        target = _safe_next(str(flow.get("next")))
        # A page, not a redirect: the session cookie is SameSite=Strict, and a browser sends
        # it only on navigations that start on this site (the redirect chain started at the
        # provider's).
        response = self._render(
            request,
            "signed_in.html",
            {
                "title": "Signed in",
                "section": "sign-in",
                "principal": access.principal.name,
                "next": target,
                "refresh_to": target,
            },
        )
        await self._open_session(request, response, access)
        response.delete_cookie(SSO_COOKIE, path=SSO_PATH)
        return response


async def _to_thread(fn: Any, *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


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
        (
            "/deployments/{name}/content-safety",
            "content_safety.html",
            "Content safety",
            "deployments",
        ),
        ("/endpoints", "endpoints.html", "Endpoints", "endpoints"),
        ("/endpoints/{name}", "endpoint.html", "Endpoint", "endpoints"),
        ("/usage", "usage.html", "Usage and cost", "usage"),
        ("/content-safety/blocklists", "blocklists.html", "Blocklists", "safety"),
        ("/access", "access.html", "People and roles", "access"),
        ("/access/audit", "audit.html", "Audit log", "access"),
        ("/fine-tuning", "fine_tuning.html", "Fine-tuning", "fine-tuning"),
        ("/fine-tuning/{project}/{job}", "fine_tuning_job.html", "Fine-tuning job", "fine-tuning"),
    ]
    routes: list[BaseRoute] = [
        Route("/", portal.home, methods=["GET"]),
        Route("/sign-in", portal.sign_in_page, methods=["GET"]),
        Route("/sign-in", portal.sign_in, methods=["POST"]),
        Route("/sign-in/sso", portal.sso_start, methods=["GET"]),
        Route("/sign-in/callback", portal.sso_callback, methods=["GET"]),
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
