"""A deployment's engine options changed in place (``PATCH /management/deployments/{name}/
engine-options``) on a live server, on SQLite and on PostgreSQL: merged into the stored ones (null
removes one: its default applies), checked by the engine as at creation (nothing changes when one
is refused), an attached server's new key stored encrypted and never shown, logged or audited,
the engine restarted on the new options; name, Target URL and keys stay."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelport.engines.plugin import SECRET_MARKER
from tests.access_support import bearer, service_principal
from tests.support import ThreadServer, admin, keys_of, settings_for

pytestmark = pytest.mark.e2e

ATTACHED = "Meta-Llama-3-8B-Instruct"
LLAMA = "smollm2-135m-instruct"
# Where nothing answers: the deployment fails (and is retried) saying which URL it tried.
NOWHERE = "http://127.0.0.1:9"
ELSEWHERE = "http://127.0.0.1:8"
OLD_KEY = "sk-upstream-old-1111"
NEW_KEY = "sk-upstream-new-2222"


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture(scope="module")
def server(
    store_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThreadServer]:
    settings = settings_for(
        tmp_path_factory.mktemp("engine-options"), embedded_default=False, database_url=store_url
    )
    live = ThreadServer(settings).start()
    try:
        yield live
    finally:
        live.stop()


def _attach(api: httpx.Client, project: str, name: str) -> dict[str, Any]:
    _ok(api.post("/management/projects", json={"name": project}), 201)
    body = {
        "name": name,
        "offer": ATTACHED,
        "subscribe": True,
        "engine": "openai_compat",
        "engine_options": {"url": NOWHERE, "api_key": OLD_KEY},
    }
    created: dict[str, Any] = _ok(
        api.post(f"/management/projects/{project}/deployments", json=body), 202
    )
    return created


def _configure(api: httpx.Client, name: str, options: dict[str, Any], **kw: Any) -> httpx.Response:
    return api.patch(
        f"/management/deployments/{name}/engine-options", json={"engine_options": options}, **kw
    )


def _failure_names(api: httpx.Client, name: str, url: str) -> str:
    """The deployment's failure reason once it names ``url`` (the engine tried there)."""
    deadline = time.monotonic() + 30
    reason = ""
    while time.monotonic() < deadline:
        reason = api.get(f"/management/deployments/{name}").json()["failure_reason"] or ""
        if url in reason:
            return reason
        time.sleep(0.05)
    raise AssertionError(f"the engine never tried {url}: {reason!r}")


def test_an_attached_servers_url_key_and_wire_change_in_place(
    server: ThreadServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="modelport")
    with admin(server.base_url) as api:
        created = _attach(api, "rotate", "byo")
        keys = keys_of(server.base_url, "byo")
        _failure_names(api, "byo", f"cannot reach the engine at {NOWHERE}")
        changed = _configure(
            api, "byo", {"url": f"{ELSEWHERE}/v1", "api_key": NEW_KEY, "wire": "llamacpp"}
        )
        d = _ok(changed, 202)
        assert d["engine_options"] == {
            "url": ELSEWHERE,
            "api_key": SECRET_MARKER,
            "wire": "llamacpp",
        }
        assert (d["name"], d["target_url"], d["project"]) == (
            created["name"],
            created["target_url"],
            "rotate",
        )
        # The engine was started again on the new options: it now tries the new URL.
        _failure_names(api, "byo", f"cannot reach the engine at {ELSEWHERE}")
        assert keys_of(server.base_url, "byo") == keys  # callers' keys unchanged
        # null removes an option: the wire's default again, no key at all.
        d = _ok(_configure(api, "byo", {"wire": None, "api_key": None}), 202)
        assert d["engine_options"] == {"url": ELSEWHERE, "wire": "openai"}
        d = _ok(_configure(api, "byo", {"api_key": NEW_KEY}), 202)
        assert d["engine_options"]["api_key"] == SECRET_MARKER
        shown = api.get("/management/deployments/byo").json()
        assert shown["engine_options"] == d["engine_options"]
        audit = api.get("/management/audit").text
        assert "/management/deployments/byo/engine-options" in audit
        assert "deployments/write" in audit
        everything = changed.text + audit + api.get("/management/deployments").text
        assert NEW_KEY not in everything and OLD_KEY not in everything
    assert "deployment byo: engine options api_key, url, wire changed" in caplog.text
    assert NEW_KEY not in caplog.text and OLD_KEY not in caplog.text
    if server.settings.database_url is None:  # SQLite: the database file, encrypted at rest
        data = Path(server.settings.data_dir)
        stored = b"".join(p.read_bytes() for p in data.rglob("*.db*") if p.is_file())
        assert NEW_KEY.encode() not in stored


def test_a_refused_option_changes_nothing(server: ThreadServer) -> None:
    with admin(server.base_url) as api:
        _attach(api, "refused", "byo-refused")
        before = api.get("/management/deployments/byo-refused").json()["engine_options"]
        cases = [
            ({"url": "http://u:pw-123@h:1"}, 422, "engine_options.url", "must not carry"),
            ({"threads": 2}, 422, "engine_options.threads", "does not take the option 'threads'"),
            ({"url": None}, 422, "engine_options.url", "needs the option 'url'"),
            ({"wire": "tgi"}, 422, "engine_options.wire", "'openai', 'llamacpp' or 'vllm'"),
            ({"bogus": None}, 422, "engine_options.bogus", "does not take the option 'bogus'"),
            ({}, 422, "engine_options", "no engine option to change"),
        ]
        for options, status, param, message in cases:
            response = _configure(api, "byo-refused", options)
            assert response.status_code == status, (options, response.text)
            error = response.json()["error"]
            assert error["param"] == param and message in error["message"], response.text
            assert "pw-123" not in response.text
        after = api.get("/management/deployments/byo-refused").json()["engine_options"]
        assert after == before
        missing = _configure(api, "nope", {"wire": "llamacpp"})
        assert missing.status_code == 404, missing.text


def test_llamacpp_options_are_checked_as_at_creation(server: ThreadServer) -> None:
    with admin(server.base_url) as api:
        _ok(api.post("/management/projects", json={"name": "local"}), 201)
        body = {
            "name": "small",
            "offer": LLAMA,
            "subscribe": True,
            "engine_options": {"context": 2048, "slots": 1},
            "min_instances": 0,  # this test is about options, not a running engine
        }
        created = _ok(api.post("/management/projects/local/deployments", json=body), 202)
        too_long = _configure(api, "small", {"context": 65536})
        assert too_long.status_code == 412, too_long.text
        assert "more than the model's own" in too_long.json()["error"]["message"]
        zero = _configure(api, "small", {"slots": 0})
        assert zero.status_code == 422 and zero.json()["error"]["param"] == "engine_options.slots"
        unchanged = api.get("/management/deployments/small").json()["engine_options"]
        assert unchanged == created["engine_options"] == {"context": 2048, "slots": 1}
        d = _ok(_configure(api, "small", {"context": 1024, "slots": None, "threads": 1}), 202)
        assert d["engine_options"] == {"context": 1024, "threads": 1}


def test_who_may_change_engine_options(server: ThreadServer) -> None:
    """A Reader may not (deployments/write); a Contributor may change an engine that runs here
    but not an attached server's options (engines/attach, the operator's)."""
    with admin(server.base_url) as api:
        _attach(api, "rights", "byo-rights")
        reader = bearer(service_principal(api, "viewer-eo", "Reader"))
        contributor = bearer(service_principal(api, "builder-eo", "Contributor"))
        before = api.get("/management/deployments/byo-rights").json()["engine_options"]
        no = _configure(api, "byo-rights", {"wire": "llamacpp"}, headers=reader)
        assert no.status_code == 403 and "deployments/write" in no.json()["error"]["message"]
        attached = _configure(api, "byo-rights", {"wire": "llamacpp"}, headers=contributor)
        assert attached.status_code == 403, attached.text
        assert "only the platform operator" in attached.json()["error"]["message"]
        after = api.get("/management/deployments/byo-rights").json()["engine_options"]
        assert after == before
