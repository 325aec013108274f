"""The one supervisor of every spawned engine: readiness probe, minimal environment, kill policy
(the whole process group, SIGKILL after the grace period), restarts with backoff, and a stop
that lands during a start or a restart (never a failure)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
from pathlib import Path

import pytest

from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.engines import supervisor as supervisor_module
from modelport.engines.base import EngineSpec, EngineStartError, EngineState, EngineStopped
from modelport.engines.llamacpp.engine import worker_plan
from modelport.engines.supervisor import (
    Backoff,
    HealthProbe,
    KillPolicy,
    ProcessPlan,
    Supervisor,
    engine_env,
)
from modelport.models.weights import package_file

pytestmark = pytest.mark.anyio
FAKE = Path(__file__).resolve().parent.parent / "fake_engine.py"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _plan(
    tmp_path: Path, *, start_timeout: float = 20, grace: float = 5, **env: str
) -> ProcessPlan:
    return ProcessPlan(
        label="fake",
        command=lambda port: [sys.executable, str(FAKE), str(port)],
        probe=HealthProbe(),
        env=engine_env({"FAKE_ENGINE_REPORT": str(tmp_path / "report.json"), **env}),
        start_timeout=start_timeout,
        backoff=Backoff(0.1, 0.4),
        kill=KillPolicy(grace),
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\tZ" in status.read_text())


async def _until(condition: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_engine_env_is_minimal() -> None:
    base = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "LC_ALL": "C.UTF-8",
        "CUDA_VISIBLE_DEVICES": "0",
        "OMP_WAIT_POLICY": "PASSIVE",
        "MODELPORT_ADMIN_TOKEN": "admin-secret",
        "MODELPORT_KEY_ENCRYPTION_KEY": "kek",
        "MODELPORT_DATABASE_URL": "postgresql://u:p@db/x",
        "HF_TOKEN": "hf_secret",
        "AWS_SECRET_ACCESS_KEY": "aws",
        "VLLM_ATTENTION_BACKEND": "FLASHINFER",
        "VLLM_API_KEY": "someone-elses",
        "RANDOM_SETTING": "x",
    }
    env = engine_env({"OWN_API_KEY": "mine"}, base=base, prefixes=("VLLM_",))
    assert env == {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "LC_ALL": "C.UTF-8",
        "CUDA_VISIBLE_DEVICES": "0",
        "OMP_WAIT_POLICY": "PASSIVE",
        "VLLM_ATTENTION_BACKEND": "FLASHINFER",
        "OWN_API_KEY": "mine",
    }


async def test_ready_after_the_probe_and_stop_takes_the_whole_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELPORT_ADMIN_TOKEN", "admin-secret")
    monkeypatch.setenv("MODELPORT_KEY_HASH_SECRET", "hash-secret")
    supervisor = Supervisor(
        "d", _plan(tmp_path, FAKE_ENGINE_CHILD="1", FAKE_ENGINE_SLOW_START="0.5")
    )
    await supervisor.start()
    assert supervisor.state is EngineState.READY and supervisor.base_url
    report = json.loads((tmp_path / "report.json").read_text())
    leaked = [k for k in report["env"] if k.startswith("MODELPORT_") or "SECRET" in k]
    assert leaked == [], "the engine process must not see the gateway's secrets"
    assert "PATH" in report["env"]
    pid, child = supervisor.pid, report["child"]
    assert pid is not None and _alive(pid) and _alive(child)
    await supervisor.stop()
    assert supervisor.state is EngineState.STOPPED
    await _until(lambda: not _alive(pid) and not _alive(child))


async def test_sigkill_after_the_grace_period(tmp_path: Path) -> None:
    supervisor = Supervisor("d", _plan(tmp_path, grace=0.5, FAKE_ENGINE_IGNORE_TERM="1"))
    await supervisor.start()
    pid = supervisor.pid
    assert pid is not None
    started = time.monotonic()
    await supervisor.stop()
    assert 0.4 < time.monotonic() - started < 5
    assert not _alive(pid)


async def test_a_dead_engine_is_restarted_with_backoff(tmp_path: Path) -> None:
    supervisor = Supervisor("d", _plan(tmp_path, FAKE_ENGINE_DIE_AFTER="0.3"))
    await supervisor.start()
    first = supervisor.pid
    seen: set[EngineState] = set()

    def restarted_twice() -> bool:
        seen.add(supervisor.state)
        return supervisor.restarts >= 2

    await _until(restarted_twice)
    assert EngineState.RESTARTING in seen
    assert supervisor.pid != first
    assert supervisor.last_error is None or "exited (code 1)" in supervisor.last_error
    await supervisor.stop()
    assert supervisor.state is EngineState.STOPPED


async def test_start_up_failures_say_why(tmp_path: Path) -> None:
    slow = Supervisor("d", _plan(tmp_path, start_timeout=0.5, FAKE_ENGINE_SLOW_START="5"))
    with pytest.raises(EngineStartError, match=r"did not become ready within 0.5s"):
        await slow.start()
    assert slow.state is EngineState.FAILED and slow.pid is not None
    assert not _alive(slow.pid)
    crash = ProcessPlan(
        label="fake",
        command=lambda port: [sys.executable, "-c", "print('no GPU here'); raise SystemExit(3)"],
        probe=HealthProbe(),
        env=engine_env(),
    )
    with pytest.raises(EngineStartError, match=r"exited during start-up \(exit code 3\): no GPU"):
        await Supervisor("d", crash).start()


async def test_a_stop_during_start_is_not_a_failure(tmp_path: Path) -> None:
    supervisor = Supervisor("d", _plan(tmp_path, FAKE_ENGINE_SLOW_START="5"))
    starting = asyncio.create_task(supervisor.start())
    await _until(lambda: supervisor.pid is not None)
    pid = supervisor.pid
    await supervisor.stop()
    with pytest.raises(EngineStopped):
        await starting
    assert supervisor.state is EngineState.STOPPED and supervisor.last_error is None
    assert pid is not None and not _alive(pid)


async def test_a_stop_during_a_restart_ends_it(tmp_path: Path) -> None:
    supervisor = Supervisor(
        "d", _plan(tmp_path, FAKE_ENGINE_DIE_AFTER="0.2", FAKE_ENGINE_SLOW_START="0")
    )
    await supervisor.start()
    await _until(lambda: supervisor.state is EngineState.RESTARTING)
    await supervisor.stop()
    assert supervisor.state is EngineState.STOPPED
    pid = supervisor.pid
    assert pid is None or not _alive(pid)


async def _starts_past_a_taken_port(
    monkeypatch: pytest.MonkeyPatch, deployment: str, plan: ProcessPlan
) -> None:
    """The supervisor's first pick is a port another socket here holds (bound, listening): its
    start ends ready on another port, and it is stopped again."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        picks = iter([port, supervisor_module.free_port()])
        monkeypatch.setattr(supervisor_module, "free_port", lambda: next(picks))
        supervisor = Supervisor(deployment, plan)
        await supervisor.start()
        try:
            assert supervisor.state is EngineState.READY
            assert supervisor.base_url is not None and f":{port}" not in supervisor.base_url
        finally:
            await supervisor.stop()


async def test_a_port_taken_between_its_pick_and_the_start_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process on this host bound the picked port before the engine did: the start is
    tried again on a fresh port, not reported as the deployment's failure."""
    await _starts_past_a_taken_port(monkeypatch, "d", _plan(tmp_path))


@pytest.mark.e2e
async def test_the_llamacpp_worker_on_a_taken_port_is_started_on_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real worker (its failure line is llama.cpp's own, not Python's EADDRINUSE)."""
    offer = Catalog.load(builtin_offers_dir()).embedded()
    assert offer.weights.package and offer.weights.gguf_file
    weights = package_file(offer.weights.package, offer.weights.gguf_file)
    assert weights is not None
    spec = EngineSpec(
        deployment="taken-port",
        engine="llamacpp",
        model=str(weights),
        chat_template="",
        slots=1,
        threads=1,
        context=512,
        start_timeout=60,
    )
    await _starts_past_a_taken_port(monkeypatch, "taken-port", worker_plan(spec))
