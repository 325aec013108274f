"""Supervision of an external HTTP inference server process (vLLM's OpenAI server): start it on a
port we choose, wait until it is healthy *and* serving the model, restart it when it dies, stop
it with its whole process group (vLLM runs tensor-parallel workers as child processes).

Like :class:`modelport.engines.llamacpp.process.WorkerProcess`, ``state`` is READY only after the
readiness checks passed; while a dead server is being restarted it is RESTARTING.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections import deque
from collections.abc import Callable

import httpx

from modelport.engines.base import EngineStartError, EngineState

log = logging.getLogger("modelport.engines.supervised")

CommandFor = Callable[[int], list[str]]  # port → argv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SupervisedServer:
    def __init__(
        self,
        name: str,
        command_for: CommandFor,
        env: dict[str, str],
        *,
        api_key: str,
        model: str,
        start_timeout: float,
        restart_backoff: float,
        label: str = "vLLM",
    ) -> None:
        self.name = name
        self.label = label
        self._command_for = command_for
        self._env = env
        self._api_key = api_key
        self._model = model
        self.start_timeout = start_timeout
        self.restart_backoff = restart_backoff
        self.base_url: str | None = None
        self.state = EngineState.STOPPED
        self.last_error: str | None = None
        self.restarts = 0
        self._proc: asyncio.subprocess.Process | None = None
        self._monitor: asyncio.Task[None] | None = None
        self._stopping = False
        self._output_tail: deque[str] = deque(maxlen=20)

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
        self._monitor = asyncio.create_task(self._watch(), name=f"watch-{self.name}")

    async def _spawn(self) -> None:
        port = free_port()
        self._output_tail.clear()
        proc = await asyncio.create_subprocess_exec(
            *self._command_for(port),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=self._env,
            start_new_session=True,  # its own process group: stop() takes the workers too
        )
        self._proc = proc
        self.base_url = f"http://127.0.0.1:{port}"
        drain = asyncio.create_task(self._drain(proc))
        try:
            await asyncio.wait_for(self._ready(proc), self.start_timeout)
        except (TimeoutError, EngineStartError) as exc:
            await self._kill(proc)
            await asyncio.wait({drain}, timeout=2)
            raise EngineStartError(self._failure_reason(exc)) from exc
        self.state = EngineState.READY
        self.last_error = None
        log.info("%s server of %s ready (pid %s)", self.label, self.name, proc.pid)

    def _failure_reason(self, exc: BaseException) -> str:
        tail = " | ".join(list(self._output_tail)[-3:])
        if isinstance(exc, TimeoutError):
            reason = f"the {self.label} server did not become ready within {self.start_timeout:g}s"
        else:
            reason = f"the {self.label} server exited during start-up ({exc})"
        return f"{reason}: {tail}" if tail else reason

    async def _drain(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for line in proc.stdout:
            self._output_tail.append(line.decode(errors="replace").rstrip())

    async def _ready(self, proc: asyncio.subprocess.Process) -> None:
        """``/health`` answers 200, then ``/v1/models`` lists the served model."""
        headers = {"Authorization": f"Bearer {self._api_key}"}
        async with httpx.AsyncClient(timeout=5) as client:
            while True:
                if proc.returncode is not None:
                    raise EngineStartError(f"exit code {proc.returncode}")
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    health = await client.get(f"{self.base_url}/health", headers=headers)
                    if health.status_code == 200:
                        listed = await client.get(f"{self.base_url}/v1/models", headers=headers)
                        if listed.status_code == 200:
                            ids = [m.get("id") for m in listed.json().get("data", [])]
                            if self._model in ids:
                                return
                await asyncio.sleep(0.2)

    async def _watch(self) -> None:
        backoff = self.restart_backoff
        while not self._stopping:
            proc = self._proc
            if proc is None:
                return
            code = await proc.wait()
            if self._stopping:
                return
            self.state = EngineState.RESTARTING
            self.last_error = f"the {self.label} server exited (code {code}); restarting"
            log.warning("%s server of %s exited with %s; restarting", self.label, self.name, code)
            await self._kill(proc)  # its workers, if any survived it
            await asyncio.sleep(backoff)
            try:
                await self._spawn()
                self.restarts += 1
                backoff = self.restart_backoff
            except EngineStartError as exc:
                self.last_error = str(exc)
                backoff = min(backoff * 2, 60.0)
                log.error("%s server of %s restart failed: %s", self.label, self.name, exc)

    async def stop(self) -> None:
        self._stopping = True
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitor
        if self._proc is not None:
            await self._kill(self._proc)
        self.state = EngineState.STOPPED

    @staticmethod
    async def _kill(proc: asyncio.subprocess.Process) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
