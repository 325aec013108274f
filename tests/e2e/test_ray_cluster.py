"""Engine replicas on a real Ray cluster, end to end, in a loopback-only network namespace.

Ray binds every interface: the scenario (tests/ray_scenario.py) runs inside a loopback-only
network namespace (and a PID namespace, so Ray's processes are stopped by PID) with
PostgreSQL, valkey, a Ray head, two gateways and two controllers, and records what happened; this
test asserts on it. Tests run as root (CI does), which ``unshare -n`` needs.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.ray_scenario import command

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ray_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir = tmp_path_factory.mktemp("ray-cluster")
    out = workdir / "results.json"
    run = subprocess.run(
        command(out, workdir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert out.exists(), f"the scenario wrote nothing: {run.stdout[-2000:]} {run.stderr[-3000:]}"
    results: dict[str, Any] = json.loads(out.read_text())
    assert results["ok"], results.get("error", "") + json.dumps(results.get("logs"), indent=1)
    return results


def test_two_replicas_are_ray_actors_with_their_own_endpoints(ray_results: dict[str, Any]) -> None:
    replicas = ray_results["replicas"]
    assert len(replicas) == 2
    assert {r["runtime"] for r in replicas} == {"ray"}
    assert {r["state"] for r in replicas} == {"ready"}
    assert len({r["url"] for r in replicas}) == 2
    assert all(r["cpus"] == 1 and r["node"] == "127.0.0.1" for r in replicas)
    cluster = ray_results["cluster"]
    assert cluster["runtime"] == "ray" and len(cluster["gateways"]) == 2
    assert cluster["nodes"] and cluster["nodes"][0]["cpus"] == 2


def test_both_gateways_answer_the_real_sdks(ray_results: dict[str, Any]) -> None:
    assert ray_results["sdk"]["openai"]
    assert ray_results["sdk"]["azure"]


def test_a_killed_engine_fails_its_streams_in_band_and_traffic_moves_on(
    ray_results: dict[str, Any],
) -> None:
    streams = ray_results["streams"]
    assert len(streams) == 4
    assert all(s["chunks"] >= 3 for s in streams)  # every stream had started
    failed = [s for s in streams if s["outcome"] == "error"]
    assert failed, "no stream was on the killed replica"
    assert len(failed) < len(streams), "streams on the other replica should complete"
    assert all(s == 200 for s in ray_results["after_kill_statuses"])
    back = ray_results["restarted_replica"]
    assert back["state"] == "ready" and back["restarts"] >= 1
    assert ray_results["after_restart_status"] == 200


def test_the_ledger_has_exactly_one_row_per_request(ray_results: dict[str, Any]) -> None:
    assert ray_results["ledger_rows"] == ray_results["requests_made"]
    assert ray_results["ledger_distinct"] == ray_results["ledger_rows"]
    assert "error" in ray_results["ledger_outcomes"]  # the streams cut by the kill, billed


def test_requests_are_served_and_billed_while_no_controller_is_active(
    ray_results: dict[str, Any],
) -> None:
    without = ray_results["without_controller"]
    assert not without["taken_over"], "the standby took over before the requests were made"
    assert without["statuses"] == [200, 200]
    # their ledger rows are among the one-per-request ones (test above)


def test_a_new_controller_adopts_the_replicas(ray_results: dict[str, Any]) -> None:
    after = ray_results["after_takeover"]
    assert after["same_replicas"], "the replicas were replaced instead of adopted"
    assert all(s == 200 for s in after["statuses"])
    assert after["state"] == "succeeded" and after["readiness"] == "ready"
    assert ray_results["controller_takeover_s"] < 20
