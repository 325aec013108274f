"""The one management authorisation check: admin bearer token, or portal session + CSRF header."""

from __future__ import annotations

import time
from types import SimpleNamespace

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from modelport.control.auth import require_admin
from modelport.control.sessions import COOKIE_NAME, SessionCodec
from modelport.errors import ModelportError
from modelport.gateway.errors import handle_modelport_error

ADMIN = "admin-token-for-tests"
SECRET = b"k" * 32


async def guarded(request: Request) -> JSONResponse:
    require_admin(request)
    return JSONResponse({"ok": True})


def make_app(admin: str = ADMIN) -> Starlette:
    app = Starlette(
        routes=[Route("/management/thing", guarded, methods=["GET", "POST", "PUT", "DELETE"])],
        exception_handlers={ModelportError: handle_modelport_error},
    )
    app.state.services = SimpleNamespace(
        sessions=SessionCodec(SECRET, admin), secrets=SimpleNamespace(admin_token=admin)
    )
    return app


def client(app: Starlette, cookie: str | None = None) -> httpx.AsyncClient:
    cookies = {COOKIE_NAME: cookie} if cookie else None
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", cookies=cookies
    )


@pytest.mark.anyio
async def test_bearer_admin_token_is_accepted_and_a_wrong_one_refused() -> None:
    app = make_app()
    async with client(app) as c:
        ok = await c.post("/management/thing", headers={"Authorization": f"Bearer {ADMIN}"})
        bad = await c.get("/management/thing", headers={"Authorization": "Bearer nope"})
        none = await c.get("/management/thing")
    assert ok.status_code == 200
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "unauthorized"
    assert none.status_code == 401


@pytest.mark.anyio
async def test_a_wrong_bearer_token_is_refused_even_with_a_valid_session() -> None:
    app = make_app()
    _, cookie = app.state.services.sessions.issue()
    async with client(app, cookie) as c:
        response = await c.get("/management/thing", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


@pytest.mark.anyio
async def test_session_cookie_reads_without_csrf_but_writes_only_with_it() -> None:
    app = make_app()
    codec: SessionCodec = app.state.services.sessions
    session, cookie = codec.issue()
    other, _ = codec.issue()
    async with client(app, cookie) as c:
        assert (await c.get("/management/thing")).status_code == 200
        for method in ("POST", "PUT", "DELETE"):
            missing = await c.request(method, "/management/thing")
            assert missing.status_code == 403, method
            assert missing.json()["error"]["code"] == "forbidden"
            foreign = await c.request(
                method, "/management/thing", headers={"X-CSRF-Token": codec.csrf_token(other)}
            )
            assert foreign.status_code == 403, method
            good = await c.request(
                method, "/management/thing", headers={"X-CSRF-Token": codec.csrf_token(session)}
            )
            assert good.status_code == 200, method


@pytest.mark.anyio
async def test_forged_expired_and_foreign_cookies_are_refused() -> None:
    app = make_app()
    codec: SessionCodec = app.state.services.sessions
    _, cookie = codec.issue()
    payload, signature = cookie.split(".")
    forged = f"{payload}x.{signature}"
    _, expired = codec.issue(now=time.time() - codec.ttl_s - 5)
    _, other_server = SessionCodec(b"z" * 32, ADMIN).issue()
    for value in (forged, expired, other_server, "garbage", f"{payload}.{signature}.x"):
        async with client(app, value) as c:
            response = await c.get("/management/thing")
        assert response.status_code == 401, value


@pytest.mark.anyio
async def test_rotating_the_admin_token_ends_every_session() -> None:
    _, cookie = SessionCodec(SECRET, ADMIN).issue()
    async with client(make_app(admin="a-new-admin-token"), cookie) as c:
        assert (await c.get("/management/thing")).status_code == 401
    async with client(make_app(), cookie) as c:
        assert (await c.get("/management/thing")).status_code == 200


def test_the_csrf_token_is_tied_to_the_session_and_the_cookie_holds_no_secret() -> None:
    codec = SessionCodec(SECRET, ADMIN)
    a, cookie = codec.issue()
    b, _ = codec.issue()
    assert codec.csrf_token(a) != codec.csrf_token(b)
    assert codec.csrf_ok(a, codec.csrf_token(a))
    assert not codec.csrf_ok(a, codec.csrf_token(b))
    assert not codec.csrf_ok(a, None)
    assert codec.csrf_token(a) not in cookie
    assert ADMIN not in cookie
    assert codec.verify(cookie) == a
