"""Helpers for portal tests: signing in over HTTP, and asking which management routes exist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.support import ADMIN_TOKEN, admin

SESSION_COOKIE = "modelport_session"


@contextmanager
def sign_in(base_url: str, token: str = ADMIN_TOKEN) -> Iterator[httpx.Client]:
    """An HTTP client holding a portal session (signed in through the real form)."""
    with httpx.Client(base_url=base_url, timeout=60, follow_redirects=False) as client:
        yield _signed_in(client, token)


def _signed_in(client: httpx.Client, token: str) -> httpx.Client:
    page = client.get("/portal/sign-in")
    page.raise_for_status()
    form_token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert form_token, "the sign-in form has no form token"
    response = client.post(
        "/portal/sign-in",
        data={"token": token, "form_token": form_token.group(1), "next": "/portal/catalog"},
    )
    assert response.status_code == 303, response.text
    return client


def csrf_of(client: httpx.Client) -> str:
    page = client.get("/portal/catalog")
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def management_supports(base_url: str, method: str, path: str) -> bool:
    """Whether this build's management API has a route (not the generic 'no route' 404/405)."""
    with admin(base_url) as client:
        response = client.request(method, path, json={})
    if response.status_code == 405:
        return False
    if response.status_code == 404:
        return "no route for" not in response.text
    return True
