"""Scale-out figures, measured side by side in one run (docs/scale-out.md quotes them):

- propagation delay: a key regenerated through gateway A, until gateway B refuses the old key
  (SQLite: revision poll; PostgreSQL: LISTEN/NOTIFY);
- cold start: the first request to a deployment scaled to zero (embedded model) vs a warm one;
- failover: the active controller killed, until the standby holds the lease;
- gateway overhead with 1 vs 2 replicas: the same request straight to a replica's engine and
  through a gateway, alternately (paired, so that a shared machine's drift cancels), then a
  closed-loop load through the gateway to 1 and to 2 replicas;
- with ``--ray`` (root: runs in a loopback-only network namespace): the Ray scenario's replica
  restart after its engine is killed, and a controller takeover that adopts the actors.

    python -m bench.scale_out [--samples N] [--requests N] [--ray]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.cluster_support import Cluster, chat, cluster, deployment, until, wait_replicas
from tests.postgres import start as start_postgres
from tests.ray_scenario import command as ray_command
from tests.support import EMBEDDED, admin, keys_of, wait_ready


def _info(base: str, key: str) -> int:
    return httpx.get(
        f"{base}/deployments/{EMBEDDED}/info", headers={"api-key": key}, timeout=10
    ).status_code


def _stats(values: list[float]) -> str:
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
    return (
        f"median {statistics.median(values) * 1000:7.1f} ms  p90 {p90 * 1000:7.1f} ms  "
        f"max {values[-1] * 1000:7.1f} ms  (n={len(values)})"
    )


def propagation(c: Cluster, a: str, b: str, samples: int) -> list[float]:
    delays = []
    for _ in range(samples):
        old = keys_of(a)["primary"]
        until(lambda old=old: _info(b, old) == 200, 10, 0.01)
        with admin(a) as api:
            api.post(
                f"/management/deployments/{EMBEDDED}/keys/regenerate", json={"key": "primary"}
            ).raise_for_status()
            committed = time.monotonic()
        until(lambda old=old: _info(b, old) == 401, 10, 0.005)
        delays.append(time.monotonic() - committed)
    return delays


def cold_start(a: str, samples: int) -> tuple[list[float], list[float]]:
    with admin(a) as api:
        api.post(
            "/management/projects/default/deployments",
            json={
                "name": "sleepy",
                "offer": "smollm2-test-a",
                "subscribe": True,
                "min_instances": 0,
                "idle_timeout": 5,
            },
        ).raise_for_status()
    wait_replicas(a, "sleepy", ready=1)
    key = keys_of(a, "sleepy")["primary"]
    cold, warm = [], []
    for _ in range(samples):
        until(lambda: deployment(a, "sleepy")["replicas"] == [], 120, 0.5)
        started = time.monotonic()
        assert chat(a, "sleepy", key, max_tokens=1).status_code == 200
        cold.append(time.monotonic() - started)
        started = time.monotonic()
        assert chat(a, "sleepy", key, max_tokens=1).status_code == 200
        warm.append(time.monotonic() - started)
    with admin(a) as api:
        api.delete("/management/deployments/sleepy")
    return cold, warm


def failover(c: Cluster, a: str) -> float:
    with admin(a) as api:
        holder = api.get("/management/cluster").json()["controller"]["holder"]
    for member in [m for m in c.members if m.role == "controller" and m.alive()]:
        if httpx.get(f"{member.base_url}/healthz?detail=1").json()["member"] == holder:
            member.kill()
            break
    killed = time.monotonic()
    with admin(a) as api:
        until(
            lambda: api.get("/management/cluster").json()["controller"]["holder"] != holder,
            60,
            0.05,
        )
    return time.monotonic() - killed


def load(
    url: str, headers: dict[str, str], body: dict[str, Any], requests: int, concurrency: int
) -> tuple[float, list[float]]:
    latencies: list[float] = []

    def one(_: int) -> None:
        started = time.monotonic()
        response = httpx.post(url, json=body, headers=headers, timeout=120)
        response.raise_for_status()
        latencies.append(time.monotonic() - started)

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests)))
    return requests / (time.monotonic() - started), latencies


def paired(
    direct: tuple[str, dict[str, str]], gateway: tuple[str, dict[str, str]], body: Any, n: int
) -> tuple[list[float], list[float]]:
    """One request straight to the engine and one through the gateway, alternately first, ``n``
    times, one at a time: latencies side by side, drift of a shared machine cancelled."""
    direct_s: list[float] = []
    gateway_s: list[float] = []
    with httpx.Client(timeout=120) as client:
        for i in range(n):
            pair = [(direct, direct_s), (gateway, gateway_s)]
            for (url, headers), into in pair if i % 2 == 0 else pair[::-1]:
                started = time.monotonic()
                client.post(url, json=body, headers=headers).raise_for_status()
                into.append(time.monotonic() - started)
    return direct_s, gateway_s


def overhead(a: str, requests: int) -> dict[str, Any]:
    """What the gateway adds per request (paired with the engine answering directly) with 1 and
    2 replicas, and the throughput through the gateway under a closed-loop load."""
    key = keys_of(a)["primary"]
    body = {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1, "temperature": 0}
    found: dict[str, Any] = {}
    gateway = (f"{a}/deployments/{EMBEDDED}/chat/completions", {"api-key": key})
    for instances in (1, 2):
        with admin(a) as api:
            api.put(
                f"/management/deployments/{EMBEDDED}/scale", json={"instances": instances}
            ).raise_for_status()
        shown = wait_replicas(a, EMBEDDED, ready=instances)
        until(lambda: deployment(a)["readiness"] == "ready", 30, 0.2)
        replica = shown["replicas"][0]
        direct = (
            f"{replica['url']}/v1/chat/completions",
            {"Authorization": f"Bearer {_replica_key(a, replica['id'])}"},
        )
        paired(direct, gateway, body, 5)  # warm both paths
        found[f"paired {instances}"] = paired(direct, gateway, body, requests // 2)
        found[f"load {instances}"] = load(gateway[0], gateway[1], body, requests, 4)
    return found


def _replica_key(base: str, replica_id: str) -> str:
    """The replica's key, read from the store the gateway uses (an operator's view)."""
    from sqlalchemy import select

    from modelport.domain.keys import KeyVault
    from modelport.store.cluster_tables import replicas
    from modelport.store.db import make_engine

    env = _CURRENT["env"]
    engine = make_engine(env["MODELPORT_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            cipher = conn.execute(
                select(replicas.c.key_ciphertext).where(replicas.c.id == replica_id)
            ).scalar_one()
    finally:
        engine.dispose()
    vault = KeyVault(
        env["MODELPORT_KEY_ENCRYPTION_KEY"].encode(), env["MODELPORT_KEY_HASH_SECRET"].encode()
    )
    return vault.decrypt(cipher)


_CURRENT: dict[str, Any] = {}


def run_store(name: str, url: str, root: Path, samples: int, requests: int) -> dict[str, Any]:
    offers = str(Path(__file__).resolve().parents[1] / "tests" / "offers")
    with cluster(
        root,
        url,
        MODELPORT_CATALOG_DIRS=json.dumps([offers]),
        MODELPORT_TEST_OFFERS="true",
        MODELPORT_ENGINE_THREADS="1",
    ) as c:
        _CURRENT["env"] = c.env
        c.start("controller")
        c.start("controller")
        a = c.start("gateway").base_url
        b = c.start("gateway").base_url
        wait_ready(a, timeout=300)
        results: dict[str, Any] = {"propagation": propagation(c, a, b, samples)}
        if name == "postgresql":
            results["cold"], results["warm"] = cold_start(a, max(1, samples // 4))
            results["overhead"] = overhead(a, requests)
            results["failover"] = failover(c, a)
        return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=12)
    parser.add_argument("--requests", type=int, default=120)
    parser.add_argument("--ray", action="store_true", help="also run the Ray scenario (root)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-scale-out-"))
    results: dict[str, dict[str, Any]] = {}
    results["sqlite"] = run_store(
        "sqlite", f"sqlite:///{root / 'shared.db'}", root / "sqlite", args.samples, args.requests
    )
    pg, reason = start_postgres(durable=True)
    if pg is None:
        sys.exit(f"PostgreSQL: {reason}")
    try:
        with pg.database() as url:
            results["postgresql"] = run_store(
                "postgresql", url, root / "pg", args.samples, args.requests
            )
    finally:
        pg.stop()
    print("\nChange propagation (key regenerated on A -> old key refused on B)")
    for store in ("sqlite", "postgresql"):
        print(f"  {store:<11} {_stats(results[store]['propagation'])}")
    pgr = results["postgresql"]
    print("\nScale to zero, embedded model (PostgreSQL, local runtime)")
    print(f"  cold request  {_stats(pgr['cold'])}")
    print(f"  warm request  {_stats(pgr['warm'])}")
    print(f"  ratio         {statistics.median(pgr['cold']) / statistics.median(pgr['warm']):.1f}x")
    print(
        f"\nController failover (active killed -> standby holds the lease): {pgr['failover']:.2f} s"
    )
    print("\nGateway overhead (max_tokens 1; the same request straight to a replica's engine and")
    print("through the gateway, alternately, one at a time)")
    for instances in (1, 2):
        direct_s, gateway_s = pgr["overhead"][f"paired {instances}"]
        added = [g - d for d, g in zip(direct_s, gateway_s, strict=True)]
        print(
            f"  {instances} replica(s): engine median {statistics.median(direct_s) * 1000:6.1f} ms"
            f"  via gateway {statistics.median(gateway_s) * 1000:6.1f} ms"
            f"  added: median {statistics.median(added) * 1000:5.1f} ms"
            f" ({statistics.median(gateway_s) / statistics.median(direct_s):.2f}x)"
        )
    print("Through the gateway, 4 concurrent clients (closed loop)")
    for instances in (1, 2):
        rps, latencies = pgr["overhead"][f"load {instances}"]
        print(
            f"  {instances} replica(s): {rps:6.1f} req/s"
            f"  median {statistics.median(latencies) * 1000:6.1f} ms"
        )
    if args.ray:
        out = root / "ray.json"
        (root / "ray").mkdir()
        subprocess.run(ray_command(out, root / "ray"), check=False, timeout=1200)
        ray = json.loads(out.read_text())
        print("\nRay runtime (2 replicas of the embedded model, 1 CPU each)")
        print(f"  replicas placed and ready          {ray['replicas_ready_s']:.1f} s")
        print(
            f"  engine killed -> next request ok   {ray['first_after_kill_s']:.2f} s "
            "(on the other replica, beside the long streams it carries)"
        )
        print(f"  engine killed -> Ray restarted it  {ray['ray_restart_s']:.1f} s (ready again)")
        print(
            f"  controller killed -> takeover      {ray['controller_takeover_s']:.1f} s "
            f"(replicas adopted: {ray['after_takeover']['same_replicas']})"
        )


if __name__ == "__main__":
    main()
