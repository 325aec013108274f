"""Supervision of one llama.cpp worker process: start, health-check, restart on death, stop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import sys
from collections import deque

import httpx

from modelport.engines.base import EngineSpec, EngineStartError, EngineState
from modelport.engines.llamacpp.worker import READY_PREFIX

log = logging.getLogger("modelport.engines.llamacpp")


class WorkerProcess:
    """Owns the worker process of one deployment and keeps it alive.

    ``state`` is READY only after ``/health`` answered; while a dead worker is being restarted it
    is RESTARTING, and callers get a 503 instead of a hung request.
    """

    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        self.api_key = secrets.token_urlsafe(24)
        self.base_url: str | None = None
        self.state = EngineState.STOPPED
        self.last_error: str | None = None
        self.restarts = 0
        self._proc: asyncio.subprocess.Process | None = None
        self._monitor: asyncio.Task[None] | None = None
        self._stopping = False
        self._stderr_tail: deque[str] = deque(maxlen=20)
        self._ready = asyncio.Event()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    async def start(self) -> None:
        self._stopping = False
        self.state = EngineState.STARTING
        try:
            await self._spawn()
        except EngineStartError as exc:
            self.state = EngineState.FAILED
            self.last_error = str(exc)
            raise
        self._monitor = asyncio.create_task(self._watch(), name=f"watch-{self.spec.deployment}")

    async def _spawn(self) -> None:
        config: dict[str, object] = {
            "model_path": str(self.spec.model_path),
            "chat_template": self.spec.chat_template,
            "slots": self.spec.slots,
            "threads": self.spec.threads,
            "context": self.spec.context,
        }
        if self.spec.lora_adapter is not None:
            config["lora_adapters"] = [{"path": str(self.spec.lora_adapter), "scale": 1.0}]
        env = dict(os.environ)
        env["MODELPORT_WORKER_CONFIG"] = json.dumps(config)
        env["MODELPORT_WORKER_API_KEY"] = self.api_key
        self._ready.clear()
        self._stderr_tail.clear()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "modelport.engines.llamacpp.worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        self._proc = proc
        stderr_task = asyncio.create_task(self._drain_stderr(proc))
        try:
            address = await asyncio.wait_for(self._read_ready(proc), self.spec.start_timeout)
            self.base_url = address.rstrip("/")
            await asyncio.wait_for(self._health(), self.spec.start_timeout)
        except (TimeoutError, EngineStartError) as exc:
            await self._kill(proc)
            await asyncio.wait({stderr_task}, timeout=2)
            reason = self._failure_reason(exc)
            raise EngineStartError(reason) from exc
        self.state = EngineState.READY
        self.last_error = None
        self._ready.set()
        log.info("engine %s ready (pid %s)", self.spec.deployment, proc.pid)

    def _failure_reason(self, exc: BaseException) -> str:
        failed = [line for line in self._stderr_tail if "MODELPORT_WORKER_FAILED" in line]
        if failed:
            return "the llama.cpp engine could not load the model: " + failed[-1].split(" ", 1)[1]
        if isinstance(exc, TimeoutError):
            return f"the llama.cpp engine did not become ready within {self.spec.start_timeout:g}s"
        tail = " | ".join(list(self._stderr_tail)[-3:])
        return f"the llama.cpp engine exited during start-up: {exc} {tail}".strip()

    async def _read_ready(self, proc: asyncio.subprocess.Process) -> str:
        assert proc.stdout is not None
        while True:
            line = await proc.stdout.readline()
            if not line:
                raise EngineStartError(f"worker exited with code {await proc.wait()}")
            text = line.decode(errors="replace").strip()
            if text.startswith(READY_PREFIX):
                return text.removeprefix(READY_PREFIX)

    async def _drain_stderr(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        async for line in proc.stderr:
            self._stderr_tail.append(line.decode(errors="replace").rstrip())

    async def _health(self) -> None:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        async with httpx.AsyncClient(timeout=5) as client:
            while True:
                if self._proc is not None and self._proc.returncode is not None:
                    raise EngineStartError(f"worker exited with code {self._proc.returncode}")
                with contextlib.suppress(httpx.HTTPError):
                    response = await client.get(f"{self.base_url}/health", headers=headers)
                    if response.status_code == 200:
                        return
                await asyncio.sleep(0.1)

    async def _watch(self) -> None:
        backoff = self.spec.restart_backoff
        while not self._stopping:
            proc = self._proc
            if proc is None:
                return
            code = await proc.wait()
            if self._stopping:
                return
            self.state = EngineState.RESTARTING
            self._ready.clear()
            self.last_error = f"the engine worker exited (code {code}); restarting"
            log.warning("engine %s worker exited with %s; restarting", self.spec.deployment, code)
            await asyncio.sleep(backoff)
            try:
                await self._spawn()
                self.restarts += 1
                backoff = self.spec.restart_backoff
            except EngineStartError as exc:
                self.last_error = str(exc)
                backoff = min(backoff * 2, 30.0)
                log.error("engine %s restart failed: %s", self.spec.deployment, exc)

    async def stop(self) -> None:
        self._stopping = True
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitor
        if self._proc is not None:
            await self._kill(self._proc)
        self.state = EngineState.STOPPED
        self._ready.clear()

    @staticmethod
    async def _kill(proc: asyncio.subprocess.Process) -> None:
        if proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
