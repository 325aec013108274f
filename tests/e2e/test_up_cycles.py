"""Ten stop/start cycles of ``modelport up``, stopped the way a service manager stops it (SIGTERM
to its process group) at varied moments: while Python starts, while engines load, while a
response streams, while the supervisor restarts a killed engine. Every time, every deployment
comes back and answers with the same Target URL and keys, stopping never records a failure, and
no engine process outlives the gateway. A deployment whose engine failed at start (its weights
gone) is retried with backoff and succeeds once the cause is removed, without being deleted.

Two deployments: the embedded one, and the real ``jamba-1.5-mini`` offer on the tiny Jamba GGUF
(registered with ``modelport models import``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelport.models.tiny_jamba import ensure_tiny_jamba
from tests.support import ADMIN_TOKEN, EMBEDDED, admin, free_port

pytestmark = pytest.mark.e2e

JAMBA = "jamba-mini"
WEIGHTS = "AI21-Jamba-1.5-Mini.Q4_K_M.gguf"


class Modelport:
    """``modelport up`` in a process group of its own, as a service manager runs it."""

    def __init__(self, tmp: Path) -> None:
        self.data = tmp / "data"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.marker = tmp / "engine-tmp"  # engines inherit TMPDIR: how we find them in /proc
        self.marker.mkdir()
        self.log = tmp / "up.log"
        self.env = dict(os.environ)
        self.env.update(
            {
                "MODELPORT_DATA_DIR": str(self.data),
                "MODELPORT_PORT": str(self.port),
                "MODELPORT_ADMIN_TOKEN": ADMIN_TOKEN,
                "MODELPORT_LOG_LEVEL": "warning",
                "MODELPORT_ENGINE_CONTEXT": "1024",
                "MODELPORT_ENGINE_SLOTS": "2",
                "MODELPORT_ENGINE_RESTART_BACKOFF": "0.3",
                "MODELPORT_DEPLOYMENT_RETRY_INITIAL": "0.5",
                "MODELPORT_DEPLOYMENT_RETRY_MAX": "2",
                "TMPDIR": str(self.marker),
            }
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "modelport", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "modelport", "up"],
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def sigterm_group(self) -> int:
        """SIGTERM to the whole process group; the gateway's exit code."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise AssertionError("modelport up did not stop within 90 s of SIGTERM") from None
        self.proc = None
        return code

    def engines(self) -> list[int]:
        """Processes started by this Modelport (found by the TMPDIR they inherited)."""
        needle = f"TMPDIR={self.marker}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or (self.proc and int(entry.name) == self.proc.pid):
                continue
            with contextlib.suppress(OSError):
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    stat = (entry / "stat").read_text()
                    if stat.rsplit(")", 1)[1].split()[0] != "Z":
                        found.append(int(entry.name))
        return found

    def api(self) -> httpx.Client:
        return admin(self.base)

    def deployments(self) -> dict[str, dict[str, Any]]:
        with self.api() as api:
            return {d["name"]: d for d in api.get("/management/deployments").json()["data"]}


def _until(condition: Callable[[], Any], timeout: float = 120, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            value = condition()
            if value:
                return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _api_up(mp: Modelport) -> dict[str, dict[str, Any]]:
    return _until(mp.deployments, what="the management API")


def _all_ready(mp: Modelport, names: set[str]) -> dict[str, dict[str, Any]]:
    def ready() -> dict[str, dict[str, Any]] | None:
        found = mp.deployments()
        if names <= set(found) and all(found[n]["readiness"] == "ready" for n in names):
            return found
        return None

    return _until(ready, what=f"{names} ready")


def _answers(mp: Modelport, target: str, key: str, dialect_path: str, body: dict[str, Any]) -> None:
    response = httpx.post(
        f"{target}{dialect_path}", json=body, headers={"api-key": key}, timeout=60
    )
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["completion_tokens"] > 0


CHAT = {"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 4}
AI21 = {"model": "jamba-1.5-mini", **CHAT}


@pytest.fixture
def modelport(tmp_path: Path) -> Iterator[Modelport]:
    mp = Modelport(tmp_path)
    try:
        yield mp
    finally:
        if mp.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(mp.proc.pid, signal.SIGKILL)
            mp.proc.wait()
        for pid in mp.engines():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_ten_stop_start_cycles(modelport: Modelport, tmp_path: Path) -> None:
    mp = modelport
    tiny = ensure_tiny_jamba(tmp_path / "weights")
    imported = mp.cli("models", "import", "jamba-1.5-mini", str(tiny))
    assert imported.returncode == 0, imported.stderr
    stored = mp.data / "models" / "jamba-1.5-mini" / WEIGHTS
    names = {EMBEDDED, JAMBA}

    # 1. A fresh install: the embedded deployment, then jamba-1.5-mini in the default region.
    mp.start()
    _api_up(mp)
    with mp.api() as api:
        assert api.post("/management/projects", json={"name": "lab"}).status_code == 201
        created = api.post(
            "/management/projects/lab/deployments",
            json={"name": JAMBA, "offer": "jamba-1.5-mini", "subscribe": True},
        )
        assert created.status_code == 202, created.text
    first = _all_ready(mp, names)
    with mp.api() as api:
        keys = {n: api.get(f"/management/deployments/{n}/keys").json()["primary"] for n in names}
    urls = {n: first[n]["target_url"] for n in names}

    def check_all_answer() -> None:
        found = _all_ready(mp, names)
        for name in names:
            assert found[name]["state"] == "succeeded"
            assert (
                found[name]["target_url"] == urls[name] and found[name]["id"] == first[name]["id"]
            )
        with mp.api() as api:
            for name in names:
                assert (
                    api.get(f"/management/deployments/{name}/keys").json()["primary"] == keys[name]
                )
        _answers(mp, urls[EMBEDDED], keys[EMBEDDED], "/chat/completions", CHAT)
        _answers(mp, urls[JAMBA], keys[JAMBA], "/v1/chat/completions", AI21)

    def stop() -> None:
        # uvicorn shuts down gracefully, then re-raises the signal: death by SIGTERM is its
        # clean exit, as service managers expect.
        assert mp.sigterm_group() in (0, -signal.SIGTERM), mp.log.read_text()[-3000:]
        assert "Traceback" not in mp.log.read_text(), mp.log.read_text()[-3000:]
        leftovers = mp.engines()
        assert leftovers == [], f"engine processes outlived the gateway: {leftovers}"

    def restart_and_check_stored_states() -> None:
        mp.start()
        found = _api_up(mp)
        # Stopping never records a failure: both are still stored as succeeded.
        assert {found[n]["state"] for n in names} == {"succeeded"}, found

    check_all_answer()
    stop()

    # 2. SIGTERM while Python is still starting.
    mp.start()
    time.sleep(0.3)
    stop()

    # 3. SIGTERM while the engines load the models.
    restart_and_check_stored_states()
    stop()

    # 4. SIGTERM while the supervisor restarts a killed engine.
    restart_and_check_stored_states()
    check_all_answer()
    os.kill(mp.deployments()[EMBEDDED]["engine_status"]["pid"], signal.SIGKILL)
    _until(lambda: mp.deployments()[EMBEDDED]["readiness"] == "restarting", what="restarting")
    stop()

    # 5. SIGTERM while a response streams.
    restart_and_check_stored_states()
    check_all_answer()
    with httpx.stream(
        "POST",
        f"{urls[EMBEDDED]}/chat/completions",
        json={**CHAT, "max_tokens": 400, "stream": True},
        headers={"api-key": keys[EMBEDDED]},
        timeout=60,
    ) as streaming:
        assert streaming.status_code == 200
        lines = streaming.iter_lines()
        next(lines)
        stop()

    # 6. The jamba weights are gone: it fails at start, is retried with backoff, and comes back
    #    once they are in place again, with the same URL and keys (it was never deleted).
    moved = stored.with_name("elsewhere.bin")
    stored.rename(moved)
    try:
        mp.start()
        failed = _until(
            lambda: (d := mp.deployments()[JAMBA])["readiness"] == "failed" and d,
            what="the failed start",
        )
        assert failed["state"] == "failed" and "not on this machine" in failed["failure_reason"]
        assert mp.deployments()[EMBEDDED]["readiness"] in ("starting", "ready")
    finally:
        moved.rename(stored)
    check_all_answer()  # retried on its own: no restart asked for
    stop()

    # 7-10. Stopped at other moments: just after an engine was killed, early, while loading, and
    #       once more at rest.
    restart_and_check_stored_states()
    check_all_answer()
    os.kill(mp.deployments()[JAMBA]["engine_status"]["pid"], signal.SIGKILL)
    time.sleep(0.2)
    stop()

    mp.start()
    time.sleep(1.5)
    stop()

    restart_and_check_stored_states()
    _until(
        lambda: any(d["engine_state"] == "ready" for d in mp.deployments().values()),
        what="one engine up",
    )
    stop()

    restart_and_check_stored_states()
    check_all_answer()
    stop()
