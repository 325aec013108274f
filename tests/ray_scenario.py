"""The Ray scenario, run inside a loopback-only network namespace (``unshare --net``, with a PID
namespace of its own) by
tests/e2e/test_ray_cluster.py, which asserts on what it records.

Ray binds every interface, so everything that talks to it lives in the namespace: PostgreSQL,
valkey, a Ray head (2 CPUs, a small object store), two ``modelport serve`` gateways and two
``modelport controller`` processes (runtime ray). The embedded model is deployed with 2
instances of 1 thread each (one Ray actor each; 3 slots: a replica carrying two of the long
streams below still has room for a new request); then:

1. calls through both gateways with the real SDKs (openai, azure-ai-inference);
2. under load, one replica's engine process is killed: streams on it end in-band, new requests
   succeed on the other replica, Ray restarts the replica; the ledger has one row per request;
3. the active controller is killed: requests made before the standby takes over are served
   and billed; the standby takes over and adopts the actors (same replicas, still serving),
   nothing is marked failed.

Usage: python -m tests.ray_scenario RESULTS.json WORKDIR (inside the namespace: see ``command``)
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.cluster_support import Cluster, chat, cluster, deployment, until, wait_replicas
from tests.postgres import start as start_postgres
from tests.redis_support import valkey_server
from tests.support import ADMIN_TOKEN, EMBEDDED, admin, keys_of

NAME = "ray-chat"
RAY = str(Path(sys.executable).with_name("ray"))
# Loopback-only network (Ray binds every interface) and a PID namespace of its own: the
# scenario is its init, so every process Ray daemonizes is its child (stopped by PID below), and
# the kernel kills whatever is left if the scenario itself dies. Needs root.
NAMESPACE = ["unshare", "--net", "--pid", "--fork", "--mount-proc", "--kill-child"]


def command(out: Path, workdir: Path) -> list[str]:
    """How to run the scenario in its namespace (tests/e2e/test_ray_cluster.py, bench)."""
    return [*NAMESPACE, sys.executable, "-m", "tests.ray_scenario", str(out), str(workdir)]


def _descendants() -> dict[int, float]:
    """This process's descendants (pid -> start time): daemons re-parent to it (it is the
    namespace's init, or a child subreaper)."""
    import psutil

    found = {}
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            found[child.pid] = child.create_time()
    return found


def _stop_pids(pids: dict[int, float], timeout: float = 20) -> None:
    """SIGTERM these processes (each still the one that had the pid), SIGKILL what remains."""
    import psutil

    procs = []
    for pid, created in pids.items():
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            if proc.create_time() == created:
                procs.append(proc)
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=timeout)


@contextlib.contextmanager
def ray_head(workdir: Path) -> Iterator[str]:
    # Ray's session directory holds AF_UNIX sockets (paths of at most 107 bytes): a short one,
    # not under pytest's deep temporary directory. ``workdir`` keeps a link to it for logs.
    temp = Path(tempfile.mkdtemp(prefix="mp-ray-"))
    with contextlib.suppress(OSError):
        (workdir / "ray").symlink_to(temp)
    env = {**os.environ, "RAY_TMPDIR": str(temp), "RAY_USAGE_STATS_ENABLED": "0"}
    before = _descendants()
    started = subprocess.run(
        [
            RAY,
            "start",
            "--head",
            "--node-ip-address=127.0.0.1",
            "--port=6379",
            "--num-cpus=2",
            "--disable-usage-stats",
            "--include-dashboard=false",
            "--object-store-memory=100000000",
            f"--temp-dir={temp}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    try:
        if started.returncode != 0:
            raise RuntimeError(f"ray start failed: {started.stderr[-2000:]}")
        yield "127.0.0.1:6379"
    finally:
        # By PID, never ``ray stop`` (it kills Ray processes by name, anyone's): what appeared
        # since ``ray start`` and still runs (the members of the cluster stopped before).
        ray = {pid: t for pid, t in _descendants().items() if before.get(pid) != t}
        _stop_pids(ray)
        shutil.rmtree(temp, ignore_errors=True)


def listener_pid(url: str) -> int:
    """The process listening at ``url``'s port (the replica's engine)."""
    port = url.rsplit(":", 1)[1]
    out = subprocess.run(
        ["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, check=True, timeout=10
    ).stdout
    found = re.search(r"pid=(\d+)", out)
    if found is None:
        raise RuntimeError(f"nobody listens on {port}: {out!r}")
    return int(found.group(1))


def stream(base: str, key: str, results: list[dict[str, Any]], started: threading.Event) -> None:
    """A long streamed chat with the openai SDK; records how it ended."""
    import openai

    client = openai.OpenAI(base_url=f"{base}/deployments/{NAME}", api_key=key, max_retries=0)
    chunks, outcome, error = 0, "completed", None
    try:
        with client.chat.completions.create(
            model=EMBEDDED,
            messages=[{"role": "user", "content": "Tell me a very long story about a dragon."}],
            max_tokens=400,
            temperature=1.0,
            stream=True,
            extra_headers={"x-ms-client-request-id": f"stream-{time.monotonic_ns()}"},
        ) as events:
            for _ in events:
                chunks += 1
                if chunks == 3:
                    started.set()
    except openai.APIError as exc:  # the in-band error event the SDK raises
        outcome, error = "error", str(exc)[:200]
    finally:
        client.close()
    results.append({"base": base, "chunks": chunks, "outcome": outcome, "error": error})


def scenario(c: Cluster, results: dict[str, Any]) -> None:
    c.start("controller")
    c.start("controller")
    a = c.start("gateway").base_url
    b = c.start("gateway").base_url
    with admin(a) as api:
        api.post("/management/projects", json={"name": "ray-team"}).raise_for_status()
        created = api.post(
            "/management/projects/ray-team/deployments",
            json={
                "name": NAME,
                "offer": EMBEDDED,
                "subscribe": True,
                "instances": 2,
                "engine_options": {"threads": 1, "slots": 3, "context": 3072},
            },
        )
        created.raise_for_status()
    t0 = time.monotonic()
    shown = wait_replicas(b, NAME, ready=2, timeout=300)
    results["replicas_ready_s"] = round(time.monotonic() - t0, 2)
    results["replicas"] = shown["replicas"]
    with admin(a) as api:
        results["cluster"] = api.get("/management/cluster").json()
    key = keys_of(a, NAME)["primary"]

    # 1. The real SDKs through both gateways.
    import openai
    from azure.ai.inference import ChatCompletionsClient
    from azure.ai.inference.models import UserMessage
    from azure.core.credentials import AzureKeyCredential

    client = openai.OpenAI(base_url=f"{a}/deployments/{NAME}", api_key=key, max_retries=0)
    reply = client.chat.completions.create(
        model=EMBEDDED, messages=[{"role": "user", "content": "Say hi."}], max_tokens=5
    )
    client.close()
    azure = ChatCompletionsClient(
        endpoint=f"{b}/deployments/{NAME}", credential=AzureKeyCredential(key)
    )
    answer = azure.complete(messages=[UserMessage(content="Say hi.")], max_tokens=5)
    azure.close()
    results["sdk"] = {
        "openai": reply.choices[0].message.content,
        "azure": answer.choices[0].message.content,
    }
    requests_made = 2

    # 2. Kill one replica's engine under load.
    victim = shown["replicas"][0]
    pid = listener_pid(victim["url"])
    streams: list[dict[str, Any]] = []
    started = [threading.Event() for _ in range(4)]
    threads = [
        threading.Thread(target=stream, args=((a, b)[i % 2], key, streams, started[i]))
        for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for event in started:
        event.wait(120)

    def restarted() -> bool:
        replicas = deployment(a, NAME)["replicas"]
        mine = [r for r in replicas if r["id"] == victim["id"]]
        return bool(mine) and mine[0]["state"] == "ready" and mine[0]["url"] != victim["url"]

    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        restart = pool.submit(until, restarted, 180, 0.1)  # Ray brings the replica back
        first = chat(a, NAME, key)
        results["first_after_kill_s"] = round(time.monotonic() - killed, 2)
        after = [
            first.status_code,
            *pool.map(lambda i: chat((a, b)[i % 2], NAME, key).status_code, range(5)),
        ]
        results["ray_restart_s"] = round(restart.result(200), 2)
    results["after_kill_statuses"] = after
    for thread in threads:
        thread.join(300)
    results["streams"] = streams
    requests_made += len(threads) + len(after)

    back = next(r for r in deployment(a, NAME)["replicas"] if r["id"] == victim["id"])
    results["restarted_replica"] = back
    results["after_restart_status"] = chat(b, NAME, key).status_code
    requests_made += 1

    # 3. Kill the active controller: the standby adopts the actors.
    with admin(a) as api:
        holder = api.get("/management/cluster").json()["controller"]["holder"]
    controllers = [m for m in c.members if m.role == "controller"]
    active = [
        m
        for m in controllers
        if httpx.get(f"{m.base_url}/healthz?detail=1").json()["member"] == holder
    ]
    before = {r["id"] for r in deployment(a, NAME)["replicas"]}
    active[0].kill()
    killed = time.monotonic()
    with admin(a) as api:

        def taken_over() -> bool:
            lease = api.get("/management/cluster").json()["controller"]
            return lease is not None and lease["holder"] != holder

        # No controller for a few seconds (until its lease expires): the data plane and the
        # ledger do not need one.
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            orphaned = list(pool.map(lambda base: chat(base, NAME, key).status_code, (a, b)))
        results["without_controller"] = {"statuses": orphaned, "taken_over": taken_over()}
        until(taken_over, 60, 0.2)
    results["controller_takeover_s"] = round(time.monotonic() - killed, 2)
    during = [chat((a, b)[i % 2], NAME, key).status_code for i in range(4)]
    requests_made += len(orphaned) + len(during)
    time.sleep(3)  # a few reconcile passes of the new controller
    now = deployment(a, NAME)
    results["after_takeover"] = {
        "statuses": during,
        "same_replicas": {r["id"] for r in now["replicas"]} == before,
        "state": now["state"],
        "readiness": now["readiness"],
    }
    results["requests_made"] = requests_made

    # The ledger: one row per request.
    from sqlalchemy import func, select

    from modelport.store.db import make_engine
    from modelport.store.usage_tables import usage_records

    engine = make_engine(c.env["MODELPORT_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(usage_records.c.request_id, usage_records.c.outcome).where(
                    usage_records.c.deployment_name == NAME
                )
            ).all()
            results["ledger_rows"] = len(rows)
            results["ledger_distinct"] = len({r.request_id for r in rows})
            results["ledger_outcomes"] = sorted(r.outcome for r in rows)
            results["ledger_count"] = conn.execute(
                select(func.count()).select_from(usage_records)
            ).scalar_one()
    finally:
        engine.dispose()


def main(out: Path, workdir: Path) -> int:
    results: dict[str, Any] = {"ok": False}
    with contextlib.suppress(OSError, AttributeError):  # outside a PID namespace: adopt orphans
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    try:
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
        pg, reason = start_postgres()
        if pg is None:
            raise RuntimeError(f"PostgreSQL: {reason}")
        try:
            with (
                pg.database() as url,
                valkey_server(workdir / "valkey") as redis_url,
                ray_head(workdir) as address,
                cluster(
                    workdir / "cluster",
                    url,
                    MODELPORT_RAY_ADDRESS=address,
                    MODELPORT_RATE_LIMIT_BACKEND="redis",
                    MODELPORT_REDIS_URL=redis_url,
                    MODELPORT_EMBEDDED_DEFAULT="false",
                    MODELPORT_TOKEN=ADMIN_TOKEN,
                    # Content safety on, with the word-list classifier: the default model
                    # blocks some sampled long stories early (docs/content-safety.md), and the
                    # streams must still run when the engine is killed.
                    MODELPORT_SAFETY_CLASSIFIERS='["lexicon"]',
                ) as c,
            ):
                try:
                    scenario(c, results)
                    results["ok"] = True
                finally:
                    results["logs"] = {f"{m.role}-{m.port}": m.tail(15) for m in c.members}
        finally:
            pg.stop()
    except Exception:
        results["error"] = traceback.format_exc()
    out.write_text(json.dumps(results, indent=2, default=str))
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
