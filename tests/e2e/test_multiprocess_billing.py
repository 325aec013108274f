"""Limits across two gateway processes sharing Redis; the ledger survives a SIGKILL."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from modelport.store.db import make_engine
from modelport.store.usage import ledger_rows, rollup_rows
from tests.redis_support import valkey_server
from tests.support import EMBEDDED, admin, free_port, keys_of, subprocess_server, wait_ready

pytestmark = pytest.mark.e2e

TINY = {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}


def _store_env(database_url: str) -> dict[str, str]:
    """The default SQLite file in the data dir, or the given PostgreSQL database."""
    return {} if database_url.startswith("sqlite") else {"MODELPORT_DATABASE_URL": database_url}


def test_burst_over_two_gateways_sharing_redis(tmp_path: Path, database_url: str) -> None:
    data = tmp_path / "data"  # one data dir: both gateways serve the same deployment and keys
    with valkey_server(tmp_path / "valkey") as redis_url:
        env = {
            "MODELPORT_RATE_LIMIT_BACKEND": "redis",
            "MODELPORT_REDIS_URL": redis_url,
            **_store_env(database_url),
        }
        ports = [free_port(), free_port()]
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        with subprocess_server(data, ports[0], **env):
            wait_ready(bases[0])
            with admin(bases[0]) as client:
                client.put(
                    f"/management/deployments/{EMBEDDED}/limits",
                    json={"requests_per_minute": 60},
                ).raise_for_status()
            with subprocess_server(data, ports[1], **env):
                wait_ready(bases[1])
                key = keys_of(bases[1])["primary"]
                # All 90 at once: admission happens before the engine, so every request is
                # admitted or refused within moments however slow the engine is.
                barrier = threading.Barrier(90)

                def call(i: int) -> httpx.Response:
                    barrier.wait(timeout=60)
                    return httpx.post(
                        f"{bases[i % 2]}/deployments/{EMBEDDED}/chat/completions",
                        json=TINY,
                        headers={"api-key": key},
                        timeout=120,
                    )

                with concurrent.futures.ThreadPoolExecutor(90) as pool:
                    responses = list(pool.map(call, range(90)))
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 60, statuses
    assert statuses.count(429) == 30, statuses
    for r in responses:
        assert "x-ratelimit-remaining-requests" in r.headers
        if r.status_code == 429:
            assert 1 <= int(r.headers["retry-after"]) <= 60
            assert r.json()["error"]["code"] == "rate_limited"
    served_by = {i % 2 for i, r in enumerate(responses) if r.status_code == 200}
    assert served_by == {0, 1}, "both gateways admitted requests from the one shared window"


def test_sigkill_loses_no_completed_request(tmp_path: Path, database_url: str) -> None:
    data = tmp_path / "data"
    env = _store_env(database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    completed: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def load(worker: int, key: str) -> None:
        url = f"{base}/deployments/{EMBEDDED}/chat/completions"
        body = {"messages": [{"role": "user", "content": f"Say {worker}."}], "max_tokens": 2}
        with httpx.Client(timeout=30) as client:
            for i in range(400):  # bounded; stops at the kill
                if stop.is_set():
                    return
                try:
                    if i % 2:
                        with client.stream(
                            "POST", url, json={**body, "stream": True}, headers={"api-key": key}
                        ) as r:
                            lines = list(r.iter_lines())
                            if r.status_code == 200 and lines and lines[-1] == "data: [DONE]":
                                with lock:
                                    completed.append(r.headers["x-request-id"])
                    else:
                        r = client.post(url, json=body, headers={"api-key": key})
                        if r.status_code == 200:
                            with lock:
                                completed.append(r.headers["x-request-id"])
                except httpx.HTTPError:
                    return  # the gateway died under us

    with subprocess_server(data, port, **env) as gateway:
        wait_ready(base)
        key = keys_of(base)["primary"]
        threads = [threading.Thread(target=load, args=(w, key)) for w in range(8)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 90
        while len(completed) < 16 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(gateway.pid, signal.SIGKILL)
        gateway.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert len(completed) >= 8, "too little load before the kill to test anything"
    with subprocess_server(data, port, **env):  # restart: the store opens and migrates cleanly
        wait_ready(base)
        with admin(base) as client:
            report = client.get("/management/usage").json()
    db = make_engine(env.get("MODELPORT_DATABASE_URL", f"sqlite:///{data / 'modelport.db'}"))
    try:
        with db.connect() as conn:
            rows = ledger_rows(conn)
            rollups = rollup_rows(conn)
    finally:
        db.dispose()
    ids = [r.request_id for r in rows]
    assert len(ids) == len(set(ids))
    missing = set(completed) - set(ids)
    assert not missing, f"{len(missing)} completed requests are not in the ledger"
    # The rollups were written in the same transactions: they agree with the ledger exactly.
    requests = sum(r.quantity for r in rollups if r.meter == "inference-requests")
    prompt = sum(r.quantity for r in rollups if r.meter == "inference-input-tokens")
    assert requests == len(rows) == report["total"]["requests"]
    assert prompt == sum(r.prompt_tokens for r in rows)
