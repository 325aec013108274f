"""A llama.cpp server someone else runs, for the tests that attach one: the llama.cpp worker
with the embedded SmolLM2 on loopback, with its own key."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.engines.supervisor import free_port
from modelport.models.weights import package_file


@contextlib.contextmanager
def llamacpp_server(log_dir: Path) -> Iterator[tuple[str, str]]:
    """(base URL, key) of a llama.cpp server started for the block, stopped after it."""
    offer = Catalog.load(builtin_offers_dir()).embedded()
    assert offer.weights.package and offer.weights.gguf_file
    weights = package_file(offer.weights.package, offer.weights.gguf_file)
    key = secrets.token_urlsafe(16)
    port = free_port()
    config = {
        "model_path": str(weights),
        "chat_template": "",
        "slots": 2,
        "threads": 1,
        "context": 2048,
    }
    env = {
        "PATH": os.environ["PATH"],
        "MODELPORT_WORKER_CONFIG": json.dumps(config),
        "MODELPORT_WORKER_API_KEY": key,
    }
    log = (log_dir / "llama.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "modelport.engines.llamacpp.worker", "--port", str(port)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("the upstream llama.cpp server did not start")
        yield base, key
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # its lifeline: the worker exits
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
