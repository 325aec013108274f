"""The portal over plain HTTP against a live server: sign-in, session cookie, CSRF, pages hold no
secret, security headers."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from tests.portal_support import SESSION_COOKIE, csrf_of, sign_in
from tests.support import ADMIN_TOKEN, EMBEDDED, ThreadServer, keys_of

pytestmark = pytest.mark.e2e

PAGES = [
    "/portal/catalog",
    f"/portal/catalog/{EMBEDDED}",
    f"/portal/catalog/{EMBEDDED}/deploy",
    "/portal/deployments",
    f"/portal/deployments/{EMBEDDED}",
    f"/portal/deployments/{EMBEDDED}/test",
    f"/portal/deployments/{EMBEDDED}/consume",
    f"/portal/deployments/{EMBEDDED}/content-safety",
    "/portal/usage",
    "/portal/content-safety/blocklists",
    "/portal/access",
    "/portal/access/audit",
    "/portal/fine-tuning",
    "/portal/fine-tuning/default/ftjob-none",
]


def test_pages_need_a_session(live_server: ThreadServer) -> None:
    with httpx.Client(base_url=live_server.base_url, follow_redirects=False) as client:
        for path in PAGES:
            response = client.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"] == f"/portal/sign-in?next={path}"
        assert client.get("/management/deployments").status_code == 401


def test_sign_in_sets_a_strict_httponly_session_and_never_logs_the_token(
    live_server: ThreadServer, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.DEBUG, logger="modelport"),
        sign_in(live_server.base_url) as client,
    ):
        assert SESSION_COOKIE in client.cookies
        response = client.get("/management/deployments")
        assert response.status_code == 200
        assert any(d["name"] == EMBEDDED for d in response.json()["data"])
    assert ADMIN_TOKEN not in caplog.text


def test_session_cookie_attributes(live_server: ThreadServer) -> None:
    with httpx.Client(base_url=live_server.base_url, follow_redirects=False) as client:
        page = client.get("/portal/sign-in?next=/portal/usage")
        token = page.text.split('name="form_token" value="')[1].split('"')[0]
        response = client.post(
            "/portal/sign-in",
            data={"token": ADMIN_TOKEN, "form_token": token, "next": "/portal/usage"},
        )
    assert response.status_code == 303
    assert response.headers["location"] == "/portal/usage"
    set_cookie = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    session = next(c for c in set_cookie if c.startswith(SESSION_COOKIE + "="))
    attributes = {part.strip().lower() for part in session.split(";")}
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/" in attributes
    assert ADMIN_TOKEN not in session


def test_sign_in_refuses_a_wrong_token_a_missing_form_token_and_open_redirects(
    live_server: ThreadServer,
) -> None:
    with httpx.Client(base_url=live_server.base_url, follow_redirects=False) as client:
        page = client.get("/portal/sign-in")
        token = page.text.split('name="form_token" value="')[1].split('"')[0]
        wrong = client.post("/portal/sign-in", data={"token": "nope", "form_token": token})
        assert wrong.status_code == 401
        assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
        assert "not valid" in wrong.text
    with httpx.Client(base_url=live_server.base_url, follow_redirects=False) as client:
        forged = client.post("/portal/sign-in", data={"token": ADMIN_TOKEN, "form_token": "x"})
        assert forged.status_code == 403
        assert SESSION_COOKIE not in forged.headers.get("set-cookie", "")
    with httpx.Client(base_url=live_server.base_url, follow_redirects=False) as client:
        page = client.get("/portal/sign-in")
        token = page.text.split('name="form_token" value="')[1].split('"')[0]
        response = client.post(
            "/portal/sign-in",
            data={
                "token": ADMIN_TOKEN,
                "form_token": token,
                "next": "//evil.example/portal/",
            },
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/portal/catalog"


def test_pages_carry_no_key_and_strict_security_headers(live_server: ThreadServer) -> None:
    keys = keys_of(live_server.base_url)
    with sign_in(live_server.base_url) as client:
        for path in PAGES:
            response = client.get(path)
            assert response.status_code == 200, path
            for key in keys.values():
                assert key not in response.text, path
            csp = response.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["x-content-type-options"] == "nosniff"
        # Keys are only ever read through the management API, with the session.
        assert client.get(f"/management/deployments/{EMBEDDED}/keys").json() == keys
        assets = (
            "api.js",
            "playground.js",
            "portal.css",
            "charts.js",
            "access.js",
            "audit.js",
            "content_safety.js",
        )
        for asset in assets:
            assert client.get(f"/portal/static/{asset}").status_code == 200


def test_sign_out_needs_the_csrf_token_and_ends_the_session(live_server: ThreadServer) -> None:
    with sign_in(live_server.base_url) as client:
        csrf = csrf_of(client)
        refused = client.post("/portal/sign-out", data={"csrf_token": "wrong"})
        assert refused.status_code == 403
        assert client.get("/management/deployments").status_code == 200
        done = client.post("/portal/sign-out", data={"csrf_token": csrf})
        assert done.status_code == 303
        assert done.headers["location"] == "/portal/sign-in"
        assert client.get("/management/deployments").status_code == 401
        assert client.get("/portal/catalog").status_code == 303


def test_one_access_link_in_the_nav_and_the_access_pages_link_each_other(
    live_server: ThreadServer,
) -> None:
    nav = re.compile(r'<li><a href="/portal/access"\s*(aria-current="page")?>Access</a></li>')
    with sign_in(live_server.base_url) as client:
        links = nav.findall(client.get("/portal/catalog").text)
        assert links == [""]  # one link, not the current section
        for path, tab in (
            ("/portal/access", "People and roles"),
            ("/portal/access/audit", "Audit log"),
        ):
            page = client.get(path).text
            assert nav.findall(page) == ['aria-current="page"'], path
            assert 'href="/portal/access/audit"' in page and 'href="/portal/access" ' in page
            assert f'aria-current="page">{tab}</a>' in page, path


def test_deployment_tabs_keep_the_region_escaped_and_sign_in_keeps_it(
    live_server: ThreadServer,
) -> None:
    """Names are unique per region only: a deployment page's tab links carry its ``?region=``
    (URL-encoded, never raw HTML) and its heading names it (escaped), and a signed-out visit comes
    back to it after sign-in."""
    tabs = ("", "/test", "/consume", "/content-safety")
    base = f"/portal/deployments/{EMBEDDED}"
    hostile = 'east"><b>x&y'
    with sign_in(live_server.base_url) as client:
        for tab in tabs:
            page = client.get(f"{base}{tab}", params={"region": hostile}).text
            links = re.findall(r'href="(/portal/deployments/[^"]*)"', page)
            assert links == [f"{base}{t}?region=east%22%3E%3Cb%3Ex%26y" for t in tabs], tab
            assert "<b>x" not in page
            # The heading names the region of the address (escaped), with no lookup to do.
            assert "region <strong>east&#34;&gt;&lt;b&gt;x&amp;y</strong></span></h1>" in page
            assert "deployment_region.js" not in page
            plain = client.get(f"{base}{tab}").text
            # No region in the address: the page's module learns it (and the name's others).
            assert 'id="deployment-region" hidden>' in plain
            assert '<script type="module" src="/portal/static/deployment_region.js">' in plain
            assert re.findall(r'href="(/portal/deployments/[^"]*)"', plain) == [
                f"{base}{t}" for t in tabs
            ]
    with httpx.Client(base_url=live_server.base_url, follow_redirects=False) as client:
        wanted = f"{base}/consume?region=local"
        response = client.get(wanted)
        assert response.status_code == 303
        location = response.headers["location"]
        assert location == f"/portal/sign-in?next={base}/consume%3Fregion%3Dlocal"
        form = client.get(location).text
        assert f'name="next" value="{wanted}"' in form
        token = form.split('name="form_token" value="')[1].split('"')[0]
        signed_in = client.post(
            "/portal/sign-in", data={"token": ADMIN_TOKEN, "form_token": token, "next": wanted}
        )
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == wanted
