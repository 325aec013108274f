"""LiteLLM's proxy as a benchmark peer, in a virtual environment of its own.

``litellm[proxy]==1.106.2`` is installed (once) into ``.artifacts/litellm-venv`` with pip from
the package registry: it is never a project dependency. The proxy runs with one worker on
127.0.0.1, in front of the very engine worker the other paths use, with a master key (callers
authenticate, as with Modelport's keys; it refuses to start without one), no database and the
bundled cost map (``LITELLM_LOCAL_MODEL_COST_MAP=True``: no network at start).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

VERSION = "1.106.2"
ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".artifacts" / "litellm-venv"
MODEL = "bench-model"


def ensure_installed() -> Path:
    """The proxy's executable, installing it first if needed (a few minutes, once)."""
    exe = VENV / "bin" / "litellm"
    marker = VENV / f".installed-{VERSION}"
    if exe.exists() and marker.exists():
        return exe
    print(f"installing litellm[proxy]=={VERSION} into {VENV} (once) ...", flush=True)
    VENV.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [
            str(VENV / "bin" / "python"),
            "-m",
            "pip",
            "--disable-pip-version-check",
            "-q",
            "install",
            f"litellm[proxy]=={VERSION}",
        ],
        check=True,
    )
    marker.touch()
    return exe


@contextlib.contextmanager
def litellm_proxy(
    engine_url: str, engine_key: str, port: int, workdir: Path
) -> Iterator[tuple[str, str]]:
    """A running proxy; yields its base URL (``.../v1`` speaks the OpenAI API) and its key."""
    exe = ensure_installed()
    config = workdir / "litellm.yaml"
    config.write_text(
        "model_list:\n"
        f"  - model_name: {MODEL}\n"
        "    litellm_params:\n"
        f"      model: openai/{MODEL}\n"
        f"      api_base: {engine_url}/v1\n"
        f"      api_key: {engine_key}\n"
        "litellm_settings:\n"
        "  drop_params: true\n"
        "  telemetry: false\n"
    )
    env = dict(os.environ)
    master_key = "sk-" + secrets.token_hex(24)
    env.update(
        {
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_LOG": "ERROR",
            "LITELLM_MASTER_KEY": master_key,
        }
    )
    log = (workdir / "litellm.log").open("wb")
    proc = subprocess.Popen(
        [
            str(exe),
            "--config",
            str(config),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--num_workers",
            "1",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the LiteLLM proxy exited; see {workdir / 'litellm.log'}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/health/liveliness", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the LiteLLM proxy did not start within 180 s")
            time.sleep(0.5)
        yield base, master_key
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
