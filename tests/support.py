"""Test support: a live Modelport (uvicorn in a thread, or a subprocess) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from modelport.app import create_app
from modelport.engines.base import Engine
from modelport.inference.live import LiveDeployment
from modelport.services import Services
from modelport.settings import Settings

# The bootstrap admin token must be long and random (Modelport refuses anything else): one per
# test session.
ADMIN_TOKEN = "mpadm-" + secrets.token_hex(24)
EMBEDDED = "smollm2-135m-instruct"
TEST_OFFERS = Path(__file__).resolve().parent / "offers"
JAMBA_TEST = "test-jamba-smollm2"
LLAMA_TEST = "test-llama-smollm2"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "port": free_port(),
        "engine_slots": 4,
        "engine_threads": 2,
        # Every engine's context capped as it was before contexts followed the model: the suite
        # runs many engines side by side on a small machine.
        "engine_context": 4096,
        "admin_token": ADMIN_TOKEN,
        "log_level": "warning",
        "catalog_dirs": [TEST_OFFERS],
        "test_offers": True,
    }
    values.update(overrides)
    return Settings(**values)


class ThreadServer:
    """Uvicorn serving ``create_app(settings)`` in a thread; services reachable for checks."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=settings.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def serve() -> None:
            self.loop = asyncio.get_running_loop()  # for tests that call engines directly
            await self.server.serve()

        asyncio.run(serve())

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def start(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def stop(self, timeout: float = 60) -> None:
        """Stop serving and wait for the app's shutdown (its services closed, its database
        connections with them): a server still running is an error, not something to leave
        behind while the test drops its database."""
        self.server.should_exit = True
        self.thread.join(timeout=timeout)
        if self.thread.is_alive():
            raise RuntimeError(f"the test server did not stop within {timeout:.0f} s")


def attach_offer(
    server: ThreadServer, offer_id: str, name: str, engine: Engine | None = None
) -> LiveDeployment:
    """Serve a (test) catalog offer as deployment ``name`` on the embedded deployment's engine and
    keys (or on ``engine``): the gateway path is the real one; only provisioning is skipped (the
    test offers run the embedded weights anyway)."""
    services = server.services
    embedded = services.registry.get(server.settings.default_region, EMBEDDED)
    offer = services.catalog.get(offer_id)
    assert embedded is not None and offer is not None
    live = LiveDeployment(
        deployment=replace(embedded.deployment, name=name, offer_id=offer_id),
        offer=offer,
        fingerprints=dict(embedded.fingerprints),
        engine=engine if engine is not None else embedded.engine,
    )
    services.registry.put(live)
    return live


def admin(base_url: str, token: str = ADMIN_TOKEN) -> httpx.Client:
    # Longer than the server's delete_wait (60 s): a slow delete answers 202, not a timeout.
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=90)


def wait_ready(base_url: str, name: str = EMBEDDED, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with admin(base_url) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                response = client.get(f"/management/deployments/{name}")
                if response.status_code == 200:
                    data: dict[str, Any] = response.json()
                    if data["state"] == "failed":
                        raise RuntimeError(f"deployment failed: {data['failure_reason']}")
                    if data["state"] == "succeeded" and data["engine_state"] == "ready":
                        return data
            time.sleep(0.2)
    raise TimeoutError(f"deployment {name} did not become ready")


@contextlib.contextmanager
def serving(settings: Settings) -> Iterator[ThreadServer]:
    """A live Modelport with ``settings`` whose embedded deployment is ready; stopped on exit."""
    server = ThreadServer(settings).start()
    try:
        wait_ready(server.base_url)
        yield server
    finally:
        server.stop()


def keys_of(base_url: str, name: str = EMBEDDED) -> dict[str, str]:
    with admin(base_url) as client:
        response = client.get(f"/management/deployments/{name}/keys")
        response.raise_for_status()
        keys: dict[str, str] = response.json()
        return keys


@contextlib.contextmanager
def subprocess_server(data_dir: Path, port: int, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """``modelport up`` as a child process (for restart and crash tests)."""
    full_env = dict(os.environ)
    full_env.update(
        {
            "MODELPORT_DATA_DIR": str(data_dir),
            "MODELPORT_PORT": str(port),
            "MODELPORT_ADMIN_TOKEN": ADMIN_TOKEN,
            "MODELPORT_LOG_LEVEL": "warning",
            **env,
        }
    )
    log = (data_dir.parent / f"server-{port}.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "modelport", "up"], env=full_env, stdout=log, stderr=log
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}  # e.g. /metrics (metrics/read)
