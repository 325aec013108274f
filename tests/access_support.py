"""Helpers for access-control tests: principals with roles, and their tokens, made through the
management API the way an operator makes them."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.testclient import TestClient

Client = TestClient | httpx.Client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def service_principal(
    admin: Client, name: str, role: str | None = None, project: str | None = None
) -> str:
    """A service principal holding ``role`` (at ``project`` scope, or platform) and a fresh API
    token of it."""
    ok(admin.post("/management/principals", json={"name": name, "kind": "service"}), 201)
    if role is not None:
        assign(admin, name, role, project)
    issued = ok(admin.post(f"/management/principals/{name}/tokens", json={"name": "t"}), 201)
    token: str = issued["token"]
    return token


def assign(admin: Client, principal: str, role: str, project: str | None = None) -> str:
    body = {"principal": principal, "role": role, "project": project}
    assignment = ok(admin.post("/management/role-assignments", json=body), 201)
    assignment_id: str = assignment["id"]
    return assignment_id


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
