"""A throwaway PostgreSQL server for the store tests, started by the test suite itself.

Uses the PostgreSQL binaries of the machine (Debian's ``/usr/lib/postgresql/<N>/bin``, or
``pg_config --bindir``, or ``initdb`` on PATH). initdb refuses to run as root, so as root the
server runs as ``nobody`` in a temporary directory it owns. ``start()`` returns None with the
reason when no server can be started, and the tests that need one skip with that reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support import free_port


def find_bindir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
            )
            candidates.append(Path(out.stdout.strip()))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    as_user: list[str]

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, timeout=120, check=False
        )

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        """A fresh, empty database for one test; dropped afterwards."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql://postgres@127.0.0.1:{self.port}/{name}"
        finally:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start(*, durable: bool = False) -> tuple[PostgresServer | None, str]:
    """Start a server; ``(server, "")`` or ``(None, reason)``. Tests run it without fsync;
    ``durable`` keeps PostgreSQL's production defaults (fsync, synchronous commits), for
    benchmarks of what a commit costs."""
    bindir = find_bindir()
    if bindir is None:
        return None, "no PostgreSQL binaries found (install the 'postgresql' package)"
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="modelport-pg-"))
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            shutil.rmtree(root, ignore_errors=True)
            return None, "running as root and runuser is missing (initdb refuses root)"
        shutil.chown(root, "nobody")
        as_user = [runuser, "-u", "nobody", "--"]
    server = PostgresServer(bindir, root, free_port(), as_user)
    data, sockets = root / "data", root / "sockets"
    init = server._run(
        str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        return None, f"initdb failed: {init.stderr.strip()[-500:]}"
    server._run("mkdir", str(sockets))
    options = f"-p {server.port} -h 127.0.0.1 -k {sockets} -c max_connections=50"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    started = server._run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(root / "log"),
        "-w",
        "start",
    )
    if started.returncode != 0:
        log = (root / "log").read_text(errors="replace")[-500:] if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        return None, f"PostgreSQL did not start: {started.stderr.strip()[-300:]} {log}"
    return server, ""
