"""Principals, API tokens, roles, sessions and the access layer through the management API
(in process, fresh SQLite database per test)."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from modelport.app import create_app
from modelport.local_secrets import ConfigurationError
from modelport.log_redaction import DropQueryStrings
from modelport.store import access as sql
from tests.access_support import assign, bearer, ok, service_principal
from tests.scripted import ScriptedEngine, scripted_deployment
from tests.support import ADMIN_TOKEN, settings_for

PASSWORD = "correct horse battery staple"


def _sign_in(client: TestClient, **fields: str) -> TestClient:
    page = client.get("/portal/sign-in")
    form_token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert form_token
    response = client.post(
        "/portal/sign-in",
        data={**fields, "form_token": form_token.group(1), "next": "/portal/catalog"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


@contextlib.contextmanager
def _same_app(app: Any, **kwargs: Any) -> Iterator[TestClient]:
    """Another client of an app that is already running (no second lifespan)."""
    client = TestClient(app, **kwargs)
    try:
        yield client
    finally:
        client.close()


def _csrf(client: TestClient) -> str:
    found = re.search(
        r'<meta name="csrf-token" content="([^"]+)"', client.get("/portal/catalog").text
    )
    assert found
    return found.group(1)


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return create_app(settings_for(tmp_path / "data", embedded_default=False))


@pytest.fixture
def anonymous(app: Any) -> Any:
    with TestClient(app) as client:
        yield client


def test_the_first_start_creates_one_owner_from_the_admin_token(api: TestClient) -> None:
    me = ok(api.get("/management/me"))
    assert me["principal"]["name"] == "admin" and me["principal"]["bootstrap"]
    assert me["method"] == "bootstrap"
    assert [(g["role"], g["project"]) for g in me["grants"]] == [("Owner", None)]
    refused = api.delete("/management/principals/admin")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "conflict"


def test_api_tokens_are_shown_once_stored_hashed_and_expire(api: TestClient) -> None:
    token = service_principal(api, "ci-bot", "Reader")
    assert token.startswith("mpt-")
    listed = ok(api.get("/management/principals/ci-bot/tokens"))["data"]
    assert len(listed) == 1 and token not in str(listed) and listed[0]["hint"] == token[-4:]
    assert listed[0]["expires_at"] is not None  # 90 days by default
    me = ok(api.get("/management/me", headers=bearer(token)))
    assert me["principal"]["name"] == "ci-bot" and me["method"] == "token"
    services = api.app.state.services  # type: ignore[attr-defined]
    stored = services.store.run(
        lambda c: [r for r in c.exec_driver_sql("select token_hash from api_tokens")]
    )
    assert all(token not in str(row) for row in stored)
    # An expired token proves nothing.
    record = services.store.run(lambda c: sql.tokens_of(c, me["principal"]["id"]))[0]
    services.store.run(
        lambda c: c.exec_driver_sql(
            "update api_tokens set expires_at = ? where id = ?",
            (record.created_at - timedelta(seconds=1), record.id),
        )
    )
    assert api.get("/management/me", headers=bearer(token)).status_code == 401


def test_a_revoked_token_is_refused_and_its_sessions_end(api: TestClient) -> None:
    token = service_principal(api, "ops", "Contributor")
    with _same_app(api.app) as browser:
        _sign_in(browser, token=token)
        assert browser.get("/management/projects").status_code == 200
        token_id = ok(api.get("/management/principals/ops/tokens"))["data"][0]["id"]
        ok(api.delete(f"/management/principals/ops/tokens/{token_id}"), 204)
        assert browser.get("/management/projects").status_code == 401
    assert api.get("/management/me", headers=bearer(token)).status_code == 401


def test_local_accounts_sign_in_with_a_password(api: TestClient) -> None:
    body = {"name": "alice", "email": "alice@example.com", "password": PASSWORD}
    created = ok(api.post("/management/principals", json=body), 201)
    assert created["has_password"] and "password" not in created
    weak = api.post("/management/principals", json={"name": "bob", "password": "short"})
    assert weak.status_code == 422
    assign(api, "alice", "Reader")
    with _same_app(api.app) as browser:
        page = browser.get("/portal/sign-in")
        form_token = re.search(r'name="form_token" value="([^"]+)"', page.text)
        assert form_token
        wrong = browser.post(
            "/portal/sign-in",
            data={
                "username": "alice",
                "password": "wrong password!",
                "form_token": form_token.group(1),
            },
        )
        assert wrong.status_code == 401
        _sign_in(browser, username="alice", password=PASSWORD)
        me = ok(browser.get("/management/me"))
        assert me["principal"]["name"] == "alice" and me["method"] == "password"


def test_session_reads_need_no_csrf_but_writes_do(api: TestClient) -> None:
    with _same_app(api.app) as browser:
        _sign_in(browser, token=ADMIN_TOKEN)
        csrf = _csrf(browser)
        assert browser.get("/management/projects").status_code == 200
        refused = browser.post("/management/projects", json={"name": "p1"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        foreign = browser.post(
            "/management/projects", json={"name": "p1"}, headers={"X-CSRF-Token": "0" * 64}
        )
        assert foreign.status_code == 403
        made = browser.post(
            "/management/projects", json={"name": "p1"}, headers={"X-CSRF-Token": csrf}
        )
        assert made.status_code == 201
        # A request with an Authorization header is judged by it alone.
        wrong = browser.get("/management/projects", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401


def test_a_role_change_ends_the_principals_sessions(api: TestClient) -> None:
    token = service_principal(api, "dev", "Reader")
    with _same_app(api.app) as browser:
        _sign_in(browser, token=token)
        assert browser.get("/management/projects").status_code == 200
        assign(api, "dev", "Contributor")
        assert browser.get("/management/projects").status_code == 401  # sign in again
    assert api.get("/management/projects", headers=bearer(token)).status_code == 200


def test_rotating_the_admin_token(api: TestClient, tmp_path: Path) -> None:
    # The fixture's token comes from the environment: rotation is a restart with a new one.
    assert api.post("/management/admin-token/rotate").status_code == 409
    settings = settings_for(tmp_path / "file", embedded_default=False, admin_token=None)
    with TestClient(create_app(settings)) as client:
        old = (settings.data_dir / "secrets" / "admin-token").read_text().strip()
        _sign_in(client, token=old)
        assert client.get("/management/projects").status_code == 200
        with _same_app(client.app) as cli:
            new = ok(cli.post("/management/admin-token/rotate", headers=bearer(old)))["token"]
            assert (settings.data_dir / "secrets" / "admin-token").read_text().strip() == new
            assert cli.get("/management/me", headers=bearer(old)).status_code == 401
            assert cli.get("/management/me", headers=bearer(new)).status_code == 200
        assert client.get("/management/projects").status_code == 401  # its session ended


def test_custom_roles_are_sets_of_permissions(api: TestClient) -> None:
    bad = api.put("/management/roles/Auditor", json={"permissions": ["audit/read", "nope/x"]})
    assert bad.status_code == 422 and "nope/x" in bad.json()["error"]["message"]
    assert api.put("/management/roles/Owner", json={"permissions": []}).status_code == 409
    made = api.put("/management/roles/Auditor", json={"permissions": ["audit/read"]})
    assert made.status_code == 201
    token = service_principal(api, "auditor", "Auditor")
    assert api.get("/management/audit", headers=bearer(token)).status_code == 200
    assert api.get("/management/projects", headers=bearer(token)).status_code == 403
    assert api.delete("/management/roles/Auditor").status_code == 409  # still assigned
    roles = {r["name"]: r for r in ok(api.get("/management/roles"))["data"]}
    assert {"Owner", "Contributor", "Reader", "AI Developer", "Auditor"} <= set(roles)
    assert "keys/read" not in roles["Reader"]["permissions"]


def test_project_scope_limits_what_a_principal_sees_and_does(api: TestClient) -> None:
    for name in ("team-a", "team-b"):
        ok(api.post("/management/projects", json={"name": name}), 201)
    reader = service_principal(api, "reader-a", "Reader", "team-a")
    dev = service_principal(api, "dev-a", "AI Developer", "team-a")
    names = [p["name"] for p in ok(api.get("/management/projects", headers=bearer(reader)))["data"]]
    assert names == ["team-a"]
    assert api.get("/management/projects/team-b", headers=bearer(reader)).status_code == 403
    # Out of scope and missing read alike: no names are revealed.
    missing = api.get("/management/projects/no-such", headers=bearer(reader))
    other = api.get("/management/projects/team-b", headers=bearer(reader))
    assert missing.status_code == other.status_code == 403
    assert missing.json()["error"]["message"] == other.json()["error"]["message"]
    # An AI Developer deploys but cannot accept an offer's terms.
    subscribe = api.post(
        "/management/projects/team-a/subscriptions",
        json={"offer": "smollm2-test-a"},
        headers=bearer(dev),
    )
    assert subscribe.status_code == 403
    deploy = api.post(
        "/management/projects/team-a/deployments",
        json={"name": "dev-chat", "offer": "smollm2-test-a", "subscribe": True},
        headers=bearer(dev),
    )
    assert deploy.status_code == 403 and "subscriptions/sign" in deploy.json()["error"]["message"]
    # Nor give itself more rights.
    escalate = api.post(
        "/management/role-assignments",
        json={"principal": "dev-a", "role": "Owner", "project": "team-a"},
        headers=bearer(dev),
    )
    assert escalate.status_code == 403


def test_a_project_owner_assigns_roles_in_its_project_only(api: TestClient) -> None:
    for name in ("team-a", "team-b"):
        ok(api.post("/management/projects", json={"name": name}), 201)
    owner = service_principal(api, "owner-a", "Owner", "team-a")
    ok(api.post("/management/principals", json={"name": "carol", "kind": "service"}), 201)
    body = {"principal": "carol", "role": "Reader"}
    mine = api.post(
        "/management/role-assignments", json={**body, "project": "team-a"}, headers=bearer(owner)
    )
    assert mine.status_code == 201
    for project in ("team-b", "no-such", None):
        refused = api.post(
            "/management/role-assignments", json={**body, "project": project}, headers=bearer(owner)
        )
        assert refused.status_code == 403, project
    listed = ok(api.get("/management/role-assignments", headers=bearer(owner)))["data"]
    assert {a["project"] for a in listed} == {"team-a"}
    # Platform-only permissions grant nothing at project scope.
    assert api.get("/management/principals", headers=bearer(owner)).status_code == 403


def test_unknown_routes_and_methods_fail_closed_after_authentication(
    api: TestClient, anonymous: TestClient
) -> None:
    assert anonymous.get("/management/nothing-here").status_code == 401
    assert api.get("/management/nothing-here").status_code == 404
    wrong = api.put("/management/catalog")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"


@pytest.mark.parametrize(
    ("setting", "anonymous_status", "reader_status"),
    [("open", 200, 200), ("token", 401, 200), ("off", 404, 404)],
)
def test_metrics_and_api_docs_follow_their_setting(
    tmp_path: Path, setting: str, anonymous_status: int, reader_status: int
) -> None:
    settings = settings_for(
        tmp_path / "data", embedded_default=False, metrics=setting, api_docs=setting
    )
    with TestClient(create_app(settings)) as client:
        reader = service_principal(
            TestClient(client.app, headers=bearer(ADMIN_TOKEN)), "prom", "Reader"
        )
        for path in ("/metrics", "/management/openapi.json"):
            assert client.get(path).status_code == anonymous_status, path
            assert client.get(path, headers=bearer(reader)).status_code == reader_status, path
        assert client.get("/management/docs").status_code in (401, 404)  # no Swagger UI from a CDN
        assert client.get("/management/docs", headers=bearer(reader)).status_code == 404


def test_sessions_tokens_and_audit_through_the_api_on_both_databases(
    tmp_path: Path, database_url: str
) -> None:
    settings = settings_for(tmp_path / "data", embedded_default=False, database_url=database_url)
    with TestClient(create_app(settings), headers=bearer(ADMIN_TOKEN)) as api:
        ok(api.post("/management/projects", json={"name": "team"}), 201)
        token = service_principal(api, "bot", "Contributor", "team")
        with _same_app(api.app) as browser:
            _sign_in(browser, token=token)
            cookie = browser.cookies["modelport_session"]
            csrf = _csrf(browser)
            made = browser.patch(
                "/management/projects/team", json={"name": "team"}, headers={"X-CSRF-Token": csrf}
            )
            assert made.status_code == 200
            browser.post("/portal/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
        with _same_app(api.app, cookies={"modelport_session": cookie}) as replay:
            assert replay.get("/management/projects").status_code == 401
        assert api.delete("/management/projects/team", headers=bearer(token)).status_code == 204
        events = ok(api.get("/management/audit"))["data"]
        mine = [
            (e["action"], e["principal"], e["status"]) for e in events if e["principal"] == "bot"
        ]
        assert ("projects/write", "bot", 200) in mine and ("projects/delete", "bot", 204) in mine
        assert ("portal/sign-in", "bot", 303) in mine


def test_role_assignments_are_audited_under_their_project_on_both_databases(
    tmp_path: Path, database_url: str
) -> None:
    """The project of a role assignment is in the request body, not the path: the audit event
    still names it, so a project's owner filtering the log by project sees who got access."""
    settings = settings_for(tmp_path / "data", embedded_default=False, database_url=database_url)
    with TestClient(create_app(settings), headers=bearer(ADMIN_TOKEN)) as api:
        ok(api.post("/management/projects", json={"name": "team"}), 201)
        ok(api.post("/management/principals", json={"name": "erin"}), 201)
        made = ok(
            api.post(
                "/management/role-assignments",
                json={"principal": "erin", "role": "Reader", "project": "team"},
            ),
            201,
        )
        platform = ok(
            api.post("/management/role-assignments", json={"principal": "erin", "role": "Reader"}),
            201,
        )
        assert api.delete(f"/management/role-assignments/{made['id']}").status_code == 204
        assert api.delete(f"/management/role-assignments/{platform['id']}").status_code == 204
        in_team = ok(api.get("/management/audit", params={"project": "team"}))["data"]
        assert [(e["method"], e["status"]) for e in in_team if e["action"] == "roles/assign"] == [
            ("DELETE", 204),
            ("POST", 201),
        ]
        everything = ok(api.get("/management/audit", params={"action": "roles/assign"}))["data"]
        assert [e["project"] for e in everything] == [None, "team", None, "team"]


def test_the_app_refuses_to_start_with_an_empty_admin_token(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path / "data", embedded_default=False, admin_token=""))
    with pytest.raises(ConfigurationError, match="admin token is empty"), TestClient(app):
        pass


def test_healthz_counts_deployments_without_naming_them(anonymous: TestClient) -> None:
    body = anonymous.get("/healthz").json()
    assert body == {"status": "ok", "deployments": {}}


def test_no_secret_reaches_a_log_line(api: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    services = api.app.state.services  # type: ignore[attr-defined]
    ok(api.post("/management/projects", json={"name": "logs"}), 201)
    scripted_deployment(services, "logs", "log-chat", "smollm2-test-a", ScriptedEngine())
    with caplog.at_level(logging.DEBUG):
        token = service_principal(api, "logger", "Owner")
        body = {"name": "dora", "password": PASSWORD}
        ok(api.post("/management/principals", json=body), 201)
        with _same_app(api.app) as browser:
            _sign_in(browser, username="dora", password=PASSWORD)
        with _same_app(api.app) as browser:
            _sign_in(browser, token=token)
        keys = ok(
            api.post("/management/deployments/log-chat/keys/regenerate", json={"key": "primary"})
        )
        refused = api.get("/management/me", headers=bearer(token + "x"))
        assert refused.status_code == 401 and token not in refused.text
    for secret in (token, PASSWORD, ADMIN_TOKEN, *keys.values()):
        assert secret not in caplog.text


def test_access_log_lines_carry_no_query_string() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/portal/sign-in/callback?code=SECRET&state=x", "1.1", 200),
        None,
    )
    DropQueryStrings().filter(record)
    assert "SECRET" not in record.getMessage()
    assert "/portal/sign-in/callback" in record.getMessage()
