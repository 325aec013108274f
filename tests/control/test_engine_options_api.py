"""The engine of a deployment through the management API: the installed engine plug-ins and
their options, the choice refused with a clear 4xx before anything is written, and an attached
server's key stored but never shown again."""

from __future__ import annotations

import time
from typing import Any

from starlette.testclient import TestClient

from tests.access_support import bearer, service_principal


def _project(api: TestClient, name: str = "p") -> None:
    assert api.post("/management/projects", json={"name": name}).status_code == 201


def _deploy(api: TestClient, **body: Any) -> Any:
    return api.post("/management/projects/p/deployments", json={"subscribe": True, **body})


def test_engines_are_listed_with_their_options(api: TestClient) -> None:
    engines = {e["name"]: e for e in api.get("/management/engines").json()["data"]}
    assert set(engines) == {"llamacpp", "vllm", "openai_compat"}
    assert engines["openai_compat"]["attaches"] is True
    assert engines["openai_compat"]["secret_options"] == ["api_key"]
    assert engines["openai_compat"]["options"]["required"] == ["url"]
    assert set(engines["llamacpp"]["options"]["properties"]) == {"context", "slots", "threads"}
    assert engines["llamacpp"]["attaches"] is False
    paths = api.get("/management/openapi.json").json()["paths"]
    assert "/management/engines" in paths and "/management/deployments/{name}/restart" in paths


def test_a_bad_engine_choice_is_refused_before_anything_is_written(api: TestClient) -> None:
    _project(api)
    offer = "smollm2-135m-instruct"
    cases = [
        ({"engine": "tgi"}, 422, "no engine plug-in named 'tgi' is installed"),
        ({"engine": "vllm"}, 422, "runs on the llamacpp engine, not on vllm"),
        ({"engine_options": {"url": "http://x"}}, 422, "does not take the option 'url'"),
        (
            {"engine_options": {"slots": 0}},
            422,
            "option 'slots': Input should be greater than or equal",
        ),
        ({"engine_options": {"context": 65536}}, 412, "more than the model's own (8192)"),
        (
            {"engine": "openai_compat", "engine_options": {"url": "http://u:pw-123@h:1"}},
            422,
            "must not carry credentials",
        ),
    ]
    for body, status, message in cases:
        response = _deploy(api, name="chat", offer=offer, **body)
        assert response.status_code == status, (body, response.text)
        assert message in response.json()["error"]["message"], response.text
        assert "pw-123" not in response.text
    assert api.get("/management/deployments").json()["data"] == []
    assert api.get("/management/projects/p/subscriptions").json()["data"] == []
    missing = api.post("/management/deployments/nope/restart")
    assert missing.status_code == 404


def test_an_attached_servers_key_is_stored_but_never_shown(api: TestClient) -> None:
    _project(api)
    created = _deploy(
        api,
        name="byo",
        offer="Meta-Llama-3-8B-Instruct",
        engine="openai_compat",
        engine_options={"url": "http://127.0.0.1:9/v1", "api_key": "sk-upstream-123"},
    )
    assert created.status_code == 202, created.text
    d = created.json()
    assert d["engine"] == "openai_compat"
    assert d["engine_options"] == {
        "url": "http://127.0.0.1:9",
        "api_key": "(stored encrypted, not shown)",
        "wire": "openai",  # the default: OpenAI's standard fields only
    }
    # Nothing answers there: the deployment fails with the reason and is retried, not dropped.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        d = api.get("/management/deployments/byo").json()
        if d["state"] == "failed":
            break
        time.sleep(0.05)
    assert (
        d["state"] == "failed"
        and "cannot reach the engine at http://127.0.0.1:9" in (d["failure_reason"])
    )
    assert "next attempt in" in d["progress"]
    everything = "".join(
        api.get(path).text
        for path in (
            "/management/deployments",
            "/management/deployments/byo",
            "/management/catalog",
        )
    )
    assert "sk-upstream-123" not in everything + created.text


def test_only_the_platform_operator_attaches_servers(api: TestClient) -> None:
    """A Contributor (everything but principals, roles and engine URLs) deploys with the engines
    that run here, but attaching a server by URL needs ``engines/attach``; a Reader cannot
    restart a deployment."""
    _project(api)
    contributor = bearer(service_principal(api, "builder", "Contributor"))
    reader = bearer(service_principal(api, "viewer", "Reader"))
    attach = {
        "name": "byo",
        "offer": "Meta-Llama-3-8B-Instruct",
        "subscribe": True,
        "engine": "openai_compat",
        "engine_options": {"url": "http://127.0.0.1:9"},
    }
    refused = api.post("/management/projects/p/deployments", json=attach, headers=contributor)
    assert refused.status_code == 403, refused.text
    assert "only the platform operator may attach" in refused.json()["error"]["message"]
    assert api.get("/management/deployments").json()["data"] == []
    allowed = api.post("/management/projects/p/deployments", json=attach)  # the owner
    assert allowed.status_code == 202, allowed.text
    no = api.post("/management/deployments/byo/restart", headers=reader)
    assert no.status_code == 403 and "deployments/write" in no.json()["error"]["message"]
    yes = api.post("/management/deployments/byo/restart", headers=contributor)
    assert yes.status_code == 202, yes.text
