"""The holes a hostile user found in the shared platform, each reproduced and closed:

- an empty (or short) ``MODELPORT_ADMIN_TOKEN`` made ``Authorization: Bearer `` an admin
  credential: now the server refuses to start;
- a 300 MB body sent without credentials was read whole before the 401 (~1 GB peak memory):
  now it is refused with 413 before anything reads it, and memory stays flat (VmHWM measured);
- signing out of the portal left the cookie valid: now the session ends on the server;
- an unknown deployment answered 404 before the key was checked: now unknown and forbidden
  deployments look the same without a key.

(Tool definitions and tool-call arguments reaching content safety: test_content_safety_tools.)
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.portal_support import SESSION_COOKIE, csrf_of, sign_in
from tests.support import ADMIN_TOKEN, EMBEDDED, JAMBA_TEST, ThreadServer, attach_offer, free_port

pytestmark = pytest.mark.e2e

MB = 1024 * 1024
BIG = 300 * MB


def _env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "MODELPORT_DATA_DIR": str(data_dir),
            "MODELPORT_PORT": str(port),
            "MODELPORT_EMBEDDED_DEFAULT": "false",
            "MODELPORT_LOG_LEVEL": "warning",
            **extra,
        }
    )
    return env


@contextlib.contextmanager
def _server(data_dir: Path, **extra: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``modelport up`` (no embedded model) as a child process; yields it and its port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "modelport", "up"],
        env=_env(data_dir, port, MODELPORT_ADMIN_TOKEN=ADMIN_TOKEN, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            assert proc.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield proc, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _send_big(
    port: int, path: str, headers: dict[str, str], total: int, *, chunked: bool = False
) -> tuple[int, bytes, int]:
    """POST ``total`` bytes of JSON-ish filler (declared, or chunked), reading the answer as
    soon as the server gives one; (status, response bytes, bytes sent)."""
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    chunk = b"[" + b"1," * (MB // 2 - 1) + b"1]"
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        deadline = time.monotonic() + 240
        while sent < total and time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            piece = chunk[: total - sent]
            data = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
            try:
                sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        with contextlib.suppress(OSError):
            sock.settimeout(30)
            while b"\r\n\r\n" not in answer:
                more = sock.recv(65536)
                if not more:
                    break
                answer += more
            more = sock.recv(65536)  # the (small) body, if not in already
            answer += more
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1") else 0
    return status, answer, sent


# -- the admin token ---------------------------------------------------------------------------
@pytest.mark.parametrize("token", ["", "   ", "short-token", "a" * 40])
def test_an_empty_short_or_repetitive_admin_token_is_refused_at_start(
    tmp_path: Path, token: str
) -> None:
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "modelport", "up"],
        env=_env(tmp_path / "data", port, MODELPORT_ADMIN_TOKEN=token),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "refusing to start" in done.stderr and "admin token" in done.stderr
    assert token.strip() == "" or token not in done.stderr  # the rejected value is not echoed
    with pytest.raises(httpx.HTTPError):
        httpx.get(
            f"http://127.0.0.1:{port}/management/projects", headers={"Authorization": "Bearer "}
        )


# -- body limits -------------------------------------------------------------------------------
def test_a_300_mb_body_is_refused_before_it_is_read_and_memory_stays_flat(tmp_path: Path) -> None:
    with _server(tmp_path / "data") as (proc, port):
        before = _peak_rss_mib(proc.pid)
        # Without credentials, declared length: the management API.
        status, answer, sent = _send_big(port, "/management/projects", {}, BIG)
        assert status == 413, answer[:300]
        assert b'"code":"payload_too_large"' in answer
        assert sent < BIG
        # With the admin token, chunked (no length to refuse up front): stopped at the limit.
        auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        status, answer, sent = _send_big(port, "/management/projects", auth, BIG, chunked=True)
        assert status == 413, answer[:300]
        assert sent < BIG
        # The portal's sign-in form.
        status, answer, _ = _send_big(port, "/portal/sign-in", {}, BIG)
        assert status == 413, answer[:300]
        # Nothing was created, and the server still answers.
        projects = httpx.get(f"http://127.0.0.1:{port}/management/projects", headers=auth).json()
        assert projects["data"] == []
        after = _peak_rss_mib(proc.pid)
    print(f"\ngateway peak RSS: {before:.0f} MiB before, {after:.0f} MiB after 3 x 300 MB bodies")
    assert after - before < 64, (before, after)


def test_a_data_plane_body_over_the_limit_is_413_in_the_dialect_shape(
    live_server: ThreadServer,
) -> None:
    limit = live_server.settings.max_body_bytes
    key = live_server_key(live_server)
    port = live_server.settings.port
    headers = {"api-key": key}
    status, answer, _ = _send_big(
        port,
        f"/deployments/{EMBEDDED}/chat/completions?api-version=2024-05-01-preview",
        headers,
        limit + MB,
    )
    assert status == 413, answer[:300]
    assert b"x-ms-error-code: payload_too_large" in answer.lower()
    status, answer, _ = _send_big(
        port, f"/deployments/{EMBEDDED}/completions", headers, limit + MB, chunked=True
    )
    assert status == 413 and b'"type":"invalid_request_error"' in answer, answer[:300]
    # Without a key the key is checked first: 401, and the body is not read either.
    status, _, _ = _send_big(port, f"/deployments/{EMBEDDED}/chat/completions", {}, limit + MB)
    assert status == 401


def live_server_key(server: ThreadServer) -> str:
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    ) as c:
        key: str = c.get(f"/management/deployments/{EMBEDDED}/keys").json()["primary"]
    return key


# -- portal sessions ---------------------------------------------------------------------------
def test_a_cookie_replayed_after_sign_out_is_refused(store_server: ThreadServer) -> None:
    with sign_in(store_server.base_url) as client:
        cookie = client.cookies[SESSION_COOKIE]
        csrf = csrf_of(client)
        assert client.post("/portal/sign-out", data={"csrf_token": csrf}).status_code == 303
    with httpx.Client(
        base_url=store_server.base_url, cookies={SESSION_COOKIE: cookie}, follow_redirects=False
    ) as replay:
        assert replay.get("/management/deployments").status_code == 401
        page = replay.get("/portal/catalog")
        assert page.status_code == 303 and page.headers["location"].startswith("/portal/sign-in")
        refused = replay.post(
            "/management/projects", json={"name": "replayed"}, headers={"X-CSRF-Token": csrf}
        )
        assert refused.status_code == 401


# -- deployment names cannot be enumerated -----------------------------------------------------
def _comparable(response: httpx.Response) -> tuple[int, Any, list[str]]:
    ignored = {"date", "content-length", "x-request-id"}
    return (
        response.status_code,
        response.json(),
        sorted(k for k in response.headers if k not in ignored),
    )


@pytest.fixture(scope="module")
def hidden(live_server: ThreadServer) -> Iterator[str]:
    """A real Jamba-dialect deployment (its /v1 routes speak AI21) to hide."""
    attach_offer(live_server, JAMBA_TEST, "hidden-jamba")
    yield "hidden-jamba"
    live_server.services.registry.remove(live_server.settings.default_region, "hidden-jamba")


@pytest.mark.parametrize(
    ("method", "route"),
    [
        ("POST", "/chat/completions?api-version=2024-05-01-preview"),
        ("POST", "/v1/chat/completions"),
        ("POST", "/v1/completions"),
        ("POST", "/completions"),
        ("GET", "/info?api-version=2024-05-01-preview"),
        ("GET", "/swagger.json"),
    ],
)
def test_unknown_and_forbidden_deployments_look_the_same_without_a_key(
    live_server: ThreadServer, hidden: str, method: str, route: str
) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}]} if method == "POST" else None
    with httpx.Client(base_url=f"{live_server.base_url}/deployments", timeout=30) as client:
        for headers in ({}, {"api-key": "mp-" + "0" * 48}, {"Authorization": "Bearer wrong"}):
            real = client.request(method, f"/{hidden}{route}", json=body, headers=headers)
            ghost = client.request(
                method, f"/no-such-deployment{route}", json=body, headers=headers
            )
            assert real.status_code == 401, real.text
            assert _comparable(real) == _comparable(ghost), (headers, real.text, ghost.text)
