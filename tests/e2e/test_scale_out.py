"""Scale-out on one machine, as an operator runs it: two ``modelport serve`` gateways and two
``modelport controller`` processes (one active, one standing by) on one database, each with a
data dir of its own, the embedded model on the local runtime. On SQLite (revision poll) and on
PostgreSQL (LISTEN/NOTIFY).

- changes made through one gateway reach the other within a second: a regenerated key, a
  deleted deployment, new limits, a content-safety policy, a custom blocklist, new engine
  options (the controller restarting the engine on them), a managed endpoint and its rotated
  key;
- replicas: two instances of a deployment, listed by the CLI with node, state, requests in
  flight and restarts; ``modelport cluster status``; a scale to six loads the engines in turn
  (one per core at a time) and a scale back to one cancels the starts still waiting;
- scale to zero: an idle deployment's replicas are released; the next request waits for the
  cold start and succeeds (a gateway whose cold-start wait is shorter answers 503 with
  ``Retry-After``);
- the active controller killed: the other takes over; no deployment is marked failed.

The Ray runtime has its own test (test_ray_cluster.py).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import psutil  # type: ignore[import-untyped]
import pytest

from modelport.engines.llamacpp.engine import WORKER as LLAMACPP_WORKER
from tests.browser import browser_context, screenshot, sign_in_with_token
from tests.cluster_support import Cluster, chat, cluster, deployment, until, wait_replicas
from tests.postgres import PostgresServer
from tests.support import ADMIN_TOKEN, EMBEDDED, TEST_OFFERS, admin, keys_of, wait_ready

pytestmark = pytest.mark.e2e

SECOND = "smollm2-test-a"  # a test offer on the embedded weights: a second deployment


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def scaled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp(f"scale-out-{request.param}")
    extra = {
        "MODELPORT_CATALOG_DIRS": json.dumps([str(TEST_OFFERS)]),
        "MODELPORT_TEST_OFFERS": "true",
    }
    if request.param == "sqlite":
        with cluster(root, f"sqlite:///{root / 'shared.db'}", **extra) as found:
            yield _started(found)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.database() as url, cluster(root, url, **extra) as found:
        yield _started(found)


def _started(found: Cluster) -> Cluster:
    found.start("controller")
    found.start("controller")
    found.start("gateway")
    found.start("gateway")
    wait_ready(found.members[2].base_url, timeout=180)
    return found


def _gateways(c: Cluster) -> tuple[str, str]:
    a, b = [m.base_url for m in c.members if m.role == "gateway"][:2]
    return a, b


def _info(base: str, name: str, key: str) -> int:
    """The deployment's /info with ``key``: 200 while the key opens it (no engine work)."""
    response = httpx.get(f"{base}/deployments/{name}/info", headers={"api-key": key}, timeout=10)
    return response.status_code


def test_a_key_regenerated_on_one_gateway_is_refused_by_the_other_within_a_second(
    scaled: Cluster,
) -> None:
    a, b = _gateways(scaled)
    old = keys_of(a)["primary"]
    until(lambda: _info(b, EMBEDDED, old) == 200, 10)
    with admin(a) as api:
        api.post(
            f"/management/deployments/{EMBEDDED}/keys/regenerate", json={"key": "primary"}
        ).raise_for_status()
    took = until(lambda: _info(b, EMBEDDED, old) == 401, 5)
    assert took < 1.0, f"gateway B still accepted the old key {took:.2f} s later"
    new = keys_of(b)["primary"]
    assert new != old and _info(b, EMBEDDED, new) == 200


def test_limits_set_on_one_gateway_are_enforced_by_the_other(scaled: Cluster) -> None:
    a, b = _gateways(scaled)
    key = keys_of(a)["primary"]
    with admin(a) as api:
        api.put(
            f"/management/deployments/{EMBEDDED}/limits", json={"requests_per_minute": 2}
        ).raise_for_status()
    try:
        until(lambda: deployment(b)["limits"]["requests_per_minute"] == 2, 1.0)
        statuses = [chat(b, EMBEDDED, key).status_code for _ in range(3)]
        assert statuses == [200, 200, 429], statuses
    finally:
        with admin(a) as api:
            api.put(
                f"/management/deployments/{EMBEDDED}/limits", json={"requests_per_minute": 1000}
            ).raise_for_status()


def test_a_safety_policy_changed_on_one_gateway_applies_on_the_other_within_a_second(
    scaled: Cluster,
) -> None:
    a, b = _gateways(scaled)
    path = f"/management/deployments/{EMBEDDED}/content-safety"
    with admin(a) as api, admin(b) as other:
        before = other.get(path).json()
        changed = api.patch(path, json={"block_profanity": not before["block_profanity"]})
        assert changed.status_code == 200, changed.text
        try:
            took = until(
                lambda: other.get(path).json()["block_profanity"] != before["block_profanity"],
                5,
            )
            assert took < 1.0, f"gateway B applied it {took:.2f} s later"
        finally:
            api.patch(path, json={"block_profanity": before["block_profanity"]})


def test_a_blocklist_set_on_one_gateway_blocks_on_the_other_within_a_second(
    scaled: Cluster,
) -> None:
    a, b = _gateways(scaled)
    key = keys_of(a)["primary"]
    word = "zorblatt"
    path = "/management/content-safety/blocklists/scale-out-words"
    assert chat(b, EMBEDDED, key, f"Say {word}").status_code == 200
    with admin(a) as api:
        api.put(path, json={"items": [{"text": word}]}).raise_for_status()
        try:
            took = until(lambda: chat(b, EMBEDDED, key, f"Say {word}").status_code == 400, 5)
            assert took < 1.0, f"gateway B applied the blocklist {took:.2f} s later"
            blocked = chat(b, EMBEDDED, key, f"Say {word}").json()
            assert blocked["error"]["code"] == "content_filter"
        finally:
            api.delete(path).raise_for_status()
    until(lambda: chat(b, EMBEDDED, key, f"Say {word}").status_code == 200, 5)


def test_engine_options_changed_on_one_gateway_reach_the_other_and_the_controller(
    scaled: Cluster,
) -> None:
    """The change is stored with its change-log entry: gateway B shows it within a second, and
    the controller (a process of its own) replaces the replica with one started on the new
    options; the key and Target URL stay."""
    a, b = _gateways(scaled)
    key = keys_of(a)["primary"]
    path = f"/management/deployments/{EMBEDDED}/engine-options"
    before = deployment(b)
    with admin(a) as api:
        changed = api.patch(path, json={"engine_options": {"context": 1024}})
        assert changed.status_code == 202, changed.text
        try:
            took = until(lambda: deployment(b)["engine_options"].get("context") == 1024, 5)
            assert took < 1.0, f"gateway B showed it {took:.2f} s later"

            def restarted() -> bool:
                d = deployment(b)
                status = d["engine_status"] or {}
                return d["readiness"] == "ready" and status.get("context") == 1024

            until(restarted, 180, interval=0.2)
            assert deployment(b)["target_url"] == before["target_url"]
            assert chat(b, EMBEDDED, key).status_code == 200
        finally:
            restore = {"context": before["engine_options"].get("context")}
            api.patch(path, json={"engine_options": restore}).raise_for_status()
            until(lambda: deployment(b)["readiness"] == "ready", 180, interval=0.2)


def _endpoint_call(base: str, endpoint: str, key: str) -> int:
    """A chat to a managed endpoint: 401 while the key is refused, 503 (no traffic routed
    yet: the endpoint has no deployment) once the key opens it."""
    response = httpx.post(
        f"{base}/endpoints/{endpoint}/chat/completions",
        json={"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1},
        headers={"api-key": key},
        timeout=10,
    )
    return response.status_code


def test_a_managed_endpoint_and_its_key_rotation_reach_the_other_gateway_within_a_second(
    scaled: Cluster,
) -> None:
    a, b = _gateways(scaled)
    with admin(a) as api:
        created = api.post("/management/projects/default/endpoints", json={"name": "shared-ep"})
        assert created.status_code == 201, created.text
        old = api.get("/management/endpoints/shared-ep/keys").json()["primary"]
    took = until(lambda: _endpoint_call(b, "shared-ep", old) == 503, 5)
    assert took < 1.0, f"gateway B did not know the new endpoint {took:.2f} s later"
    with admin(a) as api:
        api.post(
            "/management/endpoints/shared-ep/keys/regenerate", json={"key": "primary"}
        ).raise_for_status()
    took = until(lambda: _endpoint_call(b, "shared-ep", old) == 401, 5)
    assert took < 1.0, f"gateway B still accepted the endpoint's old key {took:.2f} s later"
    with admin(b) as api:
        new = api.get("/management/endpoints/shared-ep/keys").json()["primary"]
        assert new != old and _endpoint_call(b, "shared-ep", new) == 503
        assert api.delete("/management/endpoints/shared-ep").status_code == 204


def test_two_instances_serve_through_both_gateways_and_the_cli_lists_them(
    scaled: Cluster, tmp_path: Path
) -> None:
    a, b = _gateways(scaled)
    env = {"MODELPORT_PUBLIC_URL": a, "MODELPORT_TOKEN": ADMIN_TOKEN}
    scaled_up = _cli(env, "deployments", "scale", EMBEDDED, "--instances", "2")
    assert scaled_up.returncode == 0, scaled_up.stderr
    assert "2 instance(s)" in scaled_up.stdout
    shown = wait_replicas(b, EMBEDDED, ready=2)
    assert {r["ordinal"] for r in shown["replicas"]} == {0, 1}
    assert all(r["runtime"] == "local" and r["node"] for r in shown["replicas"])
    _portal_lists_replicas(a, tmp_path, 2)
    key = keys_of(a)["primary"]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda i: _sdk_chat((a, b)[i % 2], key), range(8)))
    assert all(replies)
    cli = _cli(env, "deployments", "show", EMBEDDED)
    assert cli.returncode == 0, cli.stderr
    assert "replicas:    2 of 2" in cli.stdout and "in flight" in cli.stdout
    status = _cli(env, "cluster", "status", "--json")
    assert status.returncode == 0, status.stderr
    view = json.loads(status.stdout)
    assert view["runtime"] == "local" and view["replicas"] >= 2
    assert len(view["gateways"]) == 2 and view["nodes"] and view["controller"]["holder"]
    with admin(a) as api:
        api.put(f"/management/deployments/{EMBEDDED}/scale", json={"instances": 1})
    wait_replicas(a, EMBEDDED, ready=1)


def _engines(pids: list[int]) -> set[int]:
    """The llama.cpp engine processes these processes started (their process groups)."""
    found = set()
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(pid).children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    if LLAMACPP_WORKER in child.cmdline():
                        found.add(child.pid)
    return found


def _loading(pids: set[int]) -> int:
    """How many of these engine processes are loading: listed before their /health is asked,
    so one counted here was loading when listed (an engine loads once, then answers 200)."""
    count = 0
    for pid in pids:
        try:
            args = psutil.Process(pid).cmdline()
        except psutil.Error:
            continue  # gone meanwhile
        port = args[args.index("--port") + 1]
        try:
            answered = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code
        except httpx.HTTPError:
            answered = 0  # not listening yet: still starting
        count += answered != 200
    return count


def test_a_scale_to_many_loads_engines_in_turn_and_scaling_back_cancels_the_rest(
    scaled: Cluster,
) -> None:
    """The controller's host loads one engine per core at a time (a scale to dozens used
    to start them all at once and starve the machine); scaling back down cancels the starts
    still waiting their turn instead of loading them first."""
    a, _ = _gateways(scaled)
    env = {"MODELPORT_PUBLIC_URL": a, "MODELPORT_TOKEN": ADMIN_TOKEN}
    controllers = [m.proc.pid for m in scaled.members if m.role == "controller" and m.alive()]
    wait_replicas(a, EMBEDDED, ready=1)
    running = _engines(controllers)
    scaled_up = _cli(env, "deployments", "scale", EMBEDDED, "--instances", "6")
    assert scaled_up.returncode == 0, scaled_up.stderr
    loading_at_most, ready = 0, 1
    deadline = time.monotonic() + 120
    while ready < 3 and time.monotonic() < deadline:
        # Loading: its process is up and its own /health not yet 200. (Not the store's replica
        # states, which follow the engines by however long the controller's loop lags: an
        # engine already loaded but not yet recorded ready was counted as loading.)
        loading_at_most = max(loading_at_most, _loading(_engines(controllers) - running))
        ready = [r["state"] for r in deployment(a, EMBEDDED)["replicas"]].count("ready")
        time.sleep(0.2)
    assert ready >= 3, deployment(a, EMBEDDED)
    assert 1 <= loading_at_most <= (os.cpu_count() or 1)
    scaled_down = _cli(env, "deployments", "scale", EMBEDDED, "--instances", "1")
    assert scaled_down.returncode == 0, scaled_down.stderr
    shown = wait_replicas(a, EMBEDDED, ready=1, timeout=60)
    assert [r["ordinal"] for r in shown["replicas"]] == [0]
    until(lambda: not _engines(controllers) - running, 30)  # nothing left loading either


def _portal_lists_replicas(base: str, profile: Path, count: int) -> None:
    """The deployment's portal page lists each replica (node, state, in flight, restarts)."""
    with browser_context(profile / "chromium", base) as context:
        page: Any = context.new_page()  # type: ignore[attr-defined]
        sign_in_with_token(page, "/portal/catalog")
        page.goto(f"/portal/deployments/{EMBEDDED}")
        rows = page.locator("#replicas tbody tr.replica")
        page.wait_for_function(
            f"document.querySelectorAll('#replicas tbody tr.replica').length === {count}"
        )
        cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(count)]
        assert sorted(c[0] for c in cells) == [str(i) for i in range(count)]
        assert all(c[2] == "local" and c[3] == "ready" for c in cells), cells
        assert (
            f"{count} running of {count} wanted" in page.locator("#replicas-summary").inner_text()
        )
        screenshot(page, "scale-out-replicas")


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "modelport", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )


def _sdk_chat(base: str, key: str) -> str:
    client = openai.OpenAI(base_url=f"{base}/deployments/{EMBEDDED}", api_key=key, max_retries=0)
    try:
        reply = client.chat.completions.create(
            model=EMBEDDED, messages=[{"role": "user", "content": "Hi"}], max_tokens=3
        )
    finally:
        client.close()
    return reply.choices[0].message.content or "?"


def test_scale_to_zero_and_back_without_a_429(scaled: Cluster) -> None:
    a, b = _gateways(scaled)
    with admin(a) as api:
        created = api.post(
            "/management/projects/default/deployments",
            json={
                "name": "sleepy",
                "offer": SECOND,
                "subscribe": True,
                "instances": 1,
                "min_instances": 0,
                "idle_timeout": 5,
            },
        )
        assert created.status_code == 202, created.text
    wait_replicas(b, "sleepy", ready=1)
    key = keys_of(b, "sleepy")["primary"]
    assert chat(b, "sleepy", key).status_code == 200
    took = until(lambda: deployment(a, "sleepy")["replicas"] == [], 60, 0.5)
    assert took >= 2, "released before it was idle"
    # The gateway knows it (the replicas above are read from the store; the readiness is the
    # gateway's registry, which follows the change log: a loaded machine can take a while).
    until(lambda: deployment(a, "sleepy")["readiness"] == "idle", 10)
    # A gateway that waits at most 0.2 s for a cold start: 503 with Retry-After, and the
    # request it refused woke the deployment.
    impatient = scaled.start("gateway", MODELPORT_COLD_START_WAIT="0.2")
    try:
        refused = chat(impatient.base_url, "sleepy", key)
        assert refused.status_code == 503, refused.text
        assert int(refused.headers["retry-after"]) >= 1
    finally:
        impatient.stop()
    started = time.monotonic()
    response = chat(a, "sleepy", key)  # held during the cold start, not refused
    cold = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["completion_tokens"] >= 1
    assert cold < 60
    with admin(a) as api:
        assert api.delete("/management/deployments/sleepy").status_code == 204


def test_a_deployment_deleted_on_one_gateway_is_gone_on_the_other_within_a_second(
    scaled: Cluster,
) -> None:
    a, b = _gateways(scaled)
    with admin(a) as api:
        api.post(
            "/management/projects/default/deployments",
            json={"name": "short-lived", "offer": SECOND, "subscribe": True},
        ).raise_for_status()
    wait_ready(a, "short-lived", timeout=180)
    key = keys_of(a, "short-lived")["primary"]
    until(lambda: _info(a, "short-lived", key) == 200, 10)
    with concurrent.futures.ThreadPoolExecutor(1) as pool, admin(b) as api:
        started = time.monotonic()
        deleting = pool.submit(api.delete, "/management/deployments/short-lived")
        refused = until(lambda: _info(a, "short-lived", key) == 401, 5)
        assert refused < 1.0, f"gateway A still served it {refused:.2f} s after the delete"
        assert deleting.result(timeout=120).status_code == 204
        answered = time.monotonic()
    with admin(a) as api:
        gone = until(lambda: api.get("/management/deployments/short-lived").status_code == 404, 5)
    assert gone < 1.0
    assert answered - started < 60


def test_the_standby_controller_takes_over_and_marks_nothing_failed(scaled: Cluster) -> None:
    a, _ = _gateways(scaled)
    controllers = [m for m in scaled.members if m.role == "controller" and m.alive()]
    with admin(a) as api:
        holder = api.get("/management/cluster").json()["controller"]["holder"]
    statuses = {}
    for member in controllers:
        statuses[member.port] = httpx.get(f"{member.base_url}/healthz?detail=1").json()
    active = [m for m in controllers if statuses[m.port]["member"] == holder]
    assert len(active) == 1
    active[0].kill()
    killed = time.monotonic()
    with admin(a) as api:

        def taken_over() -> bool:
            lease = api.get("/management/cluster").json()["controller"]
            return lease is not None and lease["holder"] != holder

        until(taken_over, 30, 0.2)
        takeover = time.monotonic() - killed
        ready = wait_replicas(a, EMBEDDED, ready=1, timeout=120)
        for d in api.get("/management/deployments").json()["data"]:
            assert d["state"] != "failed", d
    assert takeover < 15
    assert ready["state"] == "succeeded"
    # The gateway routes to it (its registry follows the store's replica rows, read above).
    until(lambda: deployment(a)["readiness"] == "ready", 10)
    key = keys_of(a)["primary"]
    assert chat(a, EMBEDDED, key).status_code == 200


def test_healthz_reports_the_gateway_role_and_its_store(scaled: Cluster) -> None:
    a, _ = _gateways(scaled)
    body = httpx.get(f"{a}/healthz?detail=1").json()
    assert body["role"] == "gateway" and body["store"]["reachable"] is True
    assert httpx.get(f"{a}/healthz").json()["status"] == "ok"
