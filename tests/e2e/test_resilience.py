"""Restarts keep deployments and keys; a killed engine worker is restarted without the gateway."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.support import (
    ADMIN_TOKEN,
    EMBEDDED,
    admin,
    free_port,
    keys_of,
    subprocess_server,
    wait_ready,
)

pytestmark = pytest.mark.e2e

BODY = {
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Say hello."},
    ],
    "max_tokens": 8,
}


def _chat(base: str, key: str) -> httpx.Response:
    return httpx.post(
        f"{base}/deployments/{EMBEDDED}/chat/completions",
        json=BODY,
        headers={"api-key": key},
        timeout=60,
    )


def test_restart_keeps_deployment_url_and_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / f"server-{port}.log"
    with subprocess_server(data, port):
        first = wait_ready(base)
        keys = keys_of(base)
        assert _chat(base, keys["primary"]).status_code == 200
        deadline = time.monotonic() + 30
        while "Target URL" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
    # The banner went to a file, not a terminal: it names the deployment, not its key.
    banner = log.read_text()
    assert "Target URL" in banner and "not shown off a terminal" in banner
    for secret in (*keys.values(), ADMIN_TOKEN):
        assert secret not in banner
    with subprocess_server(data, port):
        second = wait_ready(base)
        assert second["id"] == first["id"]
        assert second["target_url"] == first["target_url"]
        assert keys_of(base) == keys
        assert _chat(base, keys["primary"]).status_code == 200
        with admin(base) as client:
            names = [d["name"] for d in client.get("/management/deployments").json()["data"]]
        assert names == [EMBEDDED], "a restart must not create a second default deployment"


def test_killed_engine_gives_503_then_recovers(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with subprocess_server(tmp_path / "data", port) as gateway:
        info = wait_ready(base)
        key = keys_of(base)["primary"]
        pid = info["engine_status"]["pid"]
        assert isinstance(pid, int) and pid != gateway.pid
        os.kill(pid, signal.SIGKILL)

        saw_503 = False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            response = _chat(base, key)
            if response.status_code == 503:
                saw_503 = True
                error = response.json()["error"]
                assert error["code"] == "engine_unavailable"
                assert "retry" in error["message"]
                assert int(response.headers["retry-after"]) >= 1
            elif response.status_code == 200 and saw_503:
                break
            time.sleep(0.02)
        assert saw_503, "requests during the restart should get a clear 503"
        assert response.status_code == 200, response.text
        assert gateway.poll() is None, "the gateway must keep running"
        status = wait_ready(base)["engine_status"]
        assert status["pid"] != pid and status["restarts"] == 1
