"""Portal sign-in throttling, through the real sign-in form, on both rate-limiter backends (in
memory, and Redis: a real valkey-server, where two gateways share the windows)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from modelport.app import create_app
from modelport.settings import Settings
from tests.access_support import ok
from tests.redis_support import valkey_server
from tests.support import ADMIN_TOKEN, settings_for

PASSWORD = "correct horse battery staple"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with valkey_server(tmp_path_factory.mktemp("valkey")) as url:
        yield url


def _settings(data: Path, backend: str, redis_url: str) -> Settings:
    extra: dict[str, Any] = {"rate_limit_backend": backend}
    if backend == "redis":
        extra["redis_url"] = redis_url
    return settings_for(
        data,
        embedded_default=False,
        signin_attempts_per_minute=3,
        signin_attempts_per_address=5,
        **extra,
    )


def _attempt(client: TestClient, **fields: str) -> Any:
    page = client.get("/portal/sign-in")
    form_token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert form_token
    return client.post(
        "/portal/sign-in",
        data={**fields, "form_token": form_token.group(1)},
        follow_redirects=False,
    )


def _local_reader(client: TestClient, name: str) -> None:
    body = {"name": name, "password": PASSWORD}
    ok(client.post("/management/principals", json=body, headers=ADMIN), 201)
    assignment = {"principal": name, "role": "Reader", "project": None}
    ok(client.post("/management/role-assignments", json=assignment, headers=ADMIN), 201)


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_sign_in_attempts_are_throttled_per_account_and_per_address(
    tmp_path: Path, backend: str, redis_url: str
) -> None:
    # One client throughout: the Redis client lives on the event loop of the app's lifespan.
    with TestClient(create_app(_settings(tmp_path / "a", backend, redis_url))) as client:
        _local_reader(client, "alice")
        _local_reader(client, "bob")
        for _ in range(3):
            wrong = _attempt(client, username="alice", password="wrong password!")
            assert wrong.status_code == 401
        # The account's window is full: even the right password is refused, unchecked.
        refused = _attempt(client, username="Alice ", password=PASSWORD)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "Too many sign-in attempts" in refused.text
        assert "modelport_session" not in refused.headers.get("set-cookie", "")
        assert PASSWORD not in refused.text
        # Another account from the same address still signs in (attempt 5 of 5 here) ...
        assert _attempt(client, username="bob", password=PASSWORD).status_code == 303
        client.cookies.clear()
        # ... and then the address's window is full, for any account and for tokens.
        assert _attempt(client, username="bob", password=PASSWORD).status_code == 429
        assert _attempt(client, token=ADMIN_TOKEN).status_code == 429
        query = {"action": "portal/sign-in"}
        audit = ok(client.get("/management/audit", params=query, headers=ADMIN))
        statuses = {entry["status"] for entry in audit["data"]}
        assert {401, 429, 303} <= statuses
    if backend == "redis":
        # A second gateway on the same Redis sees the same windows.
        other = _settings(tmp_path / "b", backend, redis_url)
        with TestClient(create_app(other)) as second:
            assert _attempt(second, username="alice", password=PASSWORD).status_code == 429
