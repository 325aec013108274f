"""Running Modelport as an operator scales it out: ``modelport serve`` gateways and
``modelport controller`` processes, each with a data dir of its own (as on separate machines),
sharing one database and the secrets every member must share (key encryption and key hashing),
given in the environment."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from tests.support import ADMIN_TOKEN, EMBEDDED, admin, free_port


def shared_env(database_url: str, **extra: str) -> dict[str, str]:
    """What every member of one cluster is given."""
    env = {
        "MODELPORT_ADMIN_TOKEN": ADMIN_TOKEN,
        "MODELPORT_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "MODELPORT_KEY_HASH_SECRET": os.urandom(32).hex(),
        "MODELPORT_LOG_LEVEL": "warning",
        "MODELPORT_ENGINE_CONTEXT": "2048",
        "MODELPORT_ENGINE_SLOTS": "2",
        "MODELPORT_ENGINE_THREADS": "1",
        "MODELPORT_HEARTBEAT_INTERVAL": "1",
        "MODELPORT_CONTROLLER_LEASE_TTL": "4",
        "MODELPORT_DEPLOYMENT_RETRY_INITIAL": "1",
        **extra,
    }
    if not database_url.startswith("sqlite"):
        env["MODELPORT_DATABASE_URL"] = database_url
    else:
        env["MODELPORT_DATABASE_URL"] = database_url
    return env


@dataclass
class Member:
    role: str
    port: int
    data_dir: Path
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the process group: the member dies as on a lost machine."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]
    members: list[Member] = field(default_factory=list)

    def start(self, role: str, **extra: str) -> Member:
        """``modelport serve`` (role gateway) or ``modelport controller``."""
        port = free_port()
        data_dir = self.root / f"{role}-{port}"
        data_dir.mkdir(parents=True)
        log = self.root / f"{role}-{port}.log"
        env = {
            **os.environ,
            **self.env,
            "MODELPORT_DATA_DIR": str(data_dir),
            "MODELPORT_PORT": str(port),
            **extra,
        }
        command = "serve" if role == "gateway" else role
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "modelport", command],
                env=env,
                stdout=out,
                stderr=out,
                start_new_session=True,  # its engines are its process group: killed together
            )
        member = Member(role, port, data_dir, proc, log)
        self.members.append(member)
        wait_healthy(member)
        return member

    def stop(self) -> None:
        for member in reversed(self.members):
            member.stop()


@contextlib.contextmanager
def cluster(root: Path, database_url: str, **extra: str) -> Iterator[Cluster]:
    found = Cluster(root, shared_env(database_url, **extra))
    try:
        yield found
    finally:
        found.stop()


def wait_healthy(member: Member, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not member.alive():
            raise RuntimeError(f"{member.role} exited:\n{member.tail()}")
        with contextlib.suppress(httpx.HTTPError):
            response = httpx.get(f"{member.base_url}/healthz?detail=1", timeout=2)
            if response.status_code == 200:
                body: dict[str, Any] = response.json()
                return body
        time.sleep(0.2)
    raise TimeoutError(f"{member.role} on {member.port} did not answer:\n{member.tail()}")


def until(condition: Any, timeout: float, interval: float = 0.05) -> float:
    """Seconds until ``condition()`` held (TimeoutError after ``timeout``)."""
    started = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(interval)


def deployment(base_url: str, name: str = EMBEDDED) -> dict[str, Any]:
    with admin(base_url) as client:
        response = client.get(f"/management/deployments/{name}")
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        return found


def wait_replicas(base_url: str, name: str, ready: int, timeout: float = 180) -> dict[str, Any]:
    """The deployment once ``ready`` of its replicas are ready (and no other is active)."""
    found: dict[str, Any] = {}

    def check() -> bool:
        nonlocal found
        with contextlib.suppress(httpx.HTTPError):
            found = deployment(base_url, name)
            states = [r["state"] for r in found["replicas"]]
            return states.count("ready") == ready and len(states) == ready
        return False

    try:
        until(check, timeout, 0.2)
    except TimeoutError as exc:
        raise TimeoutError(f"{name}: {found.get('replicas')} {found.get('progress')}") from exc
    return found


def chat(base_url: str, name: str, key: str, content: str = "Hi", **extra: Any) -> httpx.Response:
    return httpx.post(
        f"{base_url}/deployments/{name}/chat/completions",
        json={"messages": [{"role": "user", "content": content}], "max_tokens": 4, **extra},
        headers={"api-key": key},
        timeout=120,
    )


class CuttableLink:
    """A TCP relay on 127.0.0.1 in front of a server (the database): the test cuts it — every
    open connection dropped, new ones refused — as a network failure between one member and
    that server would, and mends it again."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.cut_off = threading.Event()
        self.closed = False
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True, name="link-accept").start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut_off.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
                with self._lock:
                    self._open.discard(s)

    def cut(self) -> None:
        self.cut_off.set()
        with self._lock:
            open_now = list(self._open)
        for s in open_now:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def mend(self) -> None:
        self.cut_off.clear()

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()
