"""One supervisor for every engine process Modelport spawns.

An engine plug-in that runs a local server (the llama.cpp worker, vLLM's OpenAI server) describes
the process as a :class:`ProcessPlan`: the command for a port, its environment, a readiness
probe, its backoff and its kill policy. :class:`Supervisor` runs any plan the same way:

1. it picks a free port on 127.0.0.1 and spawns the command in a session of its own (so that the
   whole process group, vLLM's tensor-parallel workers included, stops together) with only the
   plan's environment (built with :func:`engine_env`: never the gateway's secrets), draining its
   output into a short tail that error messages quote;
2. the engine is READY only once the probe passes (``/health``; for servers that name their
   model, ``/v1/models`` listing it) within ``start_timeout``; a process that exits or times out
   during start-up is killed and reported with the reason
   (:class:`~modelport.engines.base.EngineStartError`);
3. a process that dies is restarted after a delay that doubles up to a cap (:class:`Backoff`), reset
   once a restarted process has stayed up for the cap; meanwhile the state is RESTARTING and
   callers get a 503;
4. it stops with one kill policy (:class:`KillPolicy`): SIGTERM to the process group, SIGKILL
   after ``grace`` seconds. A ``stop()`` that lands while a start or a restart is under way aborts
   it with :class:`~modelport.engines.base.EngineStopped`, which is never a failure.

With ``lifeline`` the process's stdin is a pipe the supervisor holds and never writes: the process
exits when it reads EOF, so it dies with a gateway that was killed with SIGKILL.

Placement runtimes other than local processes take the same :class:`ProcessPlan`
(:mod:`modelport.cluster.runtime`): the Ray runtime runs a :class:`Supervisor` inside an actor on
the node Ray picked, listening on that node's address (``host``, with the plan's ``bind``) and,
with ``on_exit``, exiting along with its engine instead of restarting it, so that Ray restarts the
whole replica. The plan's ``resources`` are what the runtime reserves for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from modelport.domain.replicas import Resources
from modelport.engines.base import EngineStartError, EngineState, EngineStopped

log = logging.getLogger("modelport.engines.supervisor")

# What an engine process inherits from the gateway's environment: system basics, locale, GPU
# visibility and model caches. Nothing else: the gateway's settings carry its secrets.
_ALLOWED = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "PYTHONPATH",
        "VIRTUAL_ENV",
        "LD_LIBRARY_PATH",
        "XDG_CACHE_HOME",
        "HF_HOME",
        "HF_HUB_CACHE",
        "HF_HUB_OFFLINE",
        "TRANSFORMERS_OFFLINE",
        "OMP_NUM_THREADS",
        "OMP_WAIT_POLICY",
        "MKL_NUM_THREADS",
    }
)
_ALLOWED_PREFIXES = ("LC_", "CUDA_", "NVIDIA_", "ROCR_", "HIP_")
_SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH")


def _secretish(name: str) -> bool:
    upper = name.upper()
    return any(word in upper for word in _SECRET_WORDS)


def engine_env(
    extra: Mapping[str, str] | None = None,
    *,
    prefixes: Sequence[str] = (),
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The minimal environment of an engine process: the allowed names of ``base`` (default: this
    process's environment) plus those starting with ``prefixes`` (an engine's own tuning
    variables), never a name that looks like a credential; then ``extra`` (the engine's own
    settings and key) on top."""
    source = os.environ if base is None else base
    allowed_prefixes = _ALLOWED_PREFIXES + tuple(prefixes)
    env = {
        name: value
        for name, value in source.items()
        if (name in _ALLOWED or name.startswith(allowed_prefixes)) and not _secretish(name)
    }
    env.update(extra or {})
    return env


# Start-ups tried on a fresh port when the last one's port was taken, and how the process's
# output says so (Python servers: EADDRINUSE; llama.cpp's server: its own line).
_PORT_TRIES = 3
_PORT_TAKEN = ("address already in use", "couldn't bind http server socket")


def _port_taken(tail: Iterable[str]) -> bool:
    return any(sign in line.lower() for line in tail for sign in _PORT_TAKEN)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ReadinessProbe(Protocol):
    async def __call__(
        self, http: httpx.AsyncClient, base_url: str, headers: Mapping[str, str]
    ) -> bool:
        """True once the server at ``base_url`` can take requests."""
        ...


@dataclass(frozen=True, slots=True)
class HealthProbe:
    """``GET /health`` answers 200 (llama.cpp answers 503 while it loads the model)."""

    path: str = "/health"

    async def __call__(
        self, http: httpx.AsyncClient, base_url: str, headers: Mapping[str, str]
    ) -> bool:
        response = await http.get(base_url + self.path, headers=dict(headers))
        return response.status_code == 200


@dataclass(frozen=True, slots=True)
class ServesModelProbe:
    """``/health`` answers 200, then ``/v1/models`` lists ``model``."""

    model: str

    async def __call__(
        self, http: httpx.AsyncClient, base_url: str, headers: Mapping[str, str]
    ) -> bool:
        if not await HealthProbe()(http, base_url, headers):
            return False
        listed = await http.get(f"{base_url}/v1/models", headers=dict(headers))
        if listed.status_code != 200:
            return False
        data = listed.json().get("data", [])
        return self.model in [m.get("id") for m in data if isinstance(m, dict)]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays before restart attempts: ``initial``, doubling, at most ``cap`` seconds."""

    initial: float = 0.5
    cap: float = 30.0
    factor: float = 2.0

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            yield delay
            delay = min(delay * self.factor, self.cap)


@dataclass(frozen=True, slots=True)
class KillPolicy:
    """SIGTERM to the process group, then SIGKILL after ``grace`` seconds."""

    grace: float = 10.0


Explain = Callable[[Sequence[str]], str | None]


@dataclass(frozen=True)
class ProcessPlan:
    """What to run for one engine: runtime-neutral, so any placement can run it."""

    label: str  # for messages: "llama.cpp", "vLLM"
    command: Callable[[int], list[str]]  # the argv, given the port to listen on
    probe: ReadinessProbe
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    api_key: str = field(default="", repr=False)  # what the probe and the clients present
    start_timeout: float = 120.0
    backoff: Backoff = Backoff()
    kill: KillPolicy = KillPolicy()
    lifeline: bool = False
    explain: Explain | None = None  # a start-up failure's reason, read from the output tail
    # The argv to listen on another address than 127.0.0.1 (a replica other machines call).
    bind: Callable[[str, int], list[str]] | None = None
    resources: Resources = field(
        default_factory=Resources
    )  # what a runtime reserves for it (CPUs, GPUs, memory)

    def argv(self, host: str, port: int) -> list[str]:
        if host != "127.0.0.1" and self.bind is not None:
            return self.bind(host, port)
        return self.command(port)


class Supervisor:
    """Runs one :class:`ProcessPlan` on this host and keeps it alive until stopped."""

    def __init__(
        self,
        name: str,
        plan: ProcessPlan,
        *,
        host: str = "127.0.0.1",
        on_exit: Callable[[int], None] | None = None,
    ) -> None:
        self.name = name
        self.plan = plan
        self.host = host
        self.on_exit = on_exit  # called instead of restarting a process that died
        self.state = EngineState.STOPPED
        self.last_error: str | None = None
        self.restarts = 0
        self.base_url: str | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._drain_task: asyncio.Task[None] | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._ready_at = 0.0
        self._tail: deque[str] = deque(maxlen=40)

    @property
    def api_key(self) -> str:
        return self.plan.api_key

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def output_tail(self) -> list[str]:
        return list(self._tail)

    async def start(self) -> None:
        """Spawn and wait until ready; EngineStartError with the reason, EngineStopped when a
        stop() came first."""
        self._stopping = False
        self.state = EngineState.STARTING
        try:
            await self._spawn()
        except EngineStartError as exc:
            if self._stopping:
                self.state = EngineState.STOPPED
                raise EngineStopped(
                    f"the {self.plan.label} engine was stopped while starting"
                ) from exc
            self.state, self.last_error = EngineState.FAILED, str(exc)
            raise
        self._watch_task = asyncio.create_task(self._watch(), name=f"watch-{self.name}")

    async def _spawn(self) -> None:
        """Start the process on a free port, on another one while its start-up failed because
        the port was taken: it is free when picked, and another process (anything on this host
        listening on a port picked the same way) may bind it before the engine does."""
        for attempt in range(1, _PORT_TRIES + 1):
            try:
                await self._spawn_on(free_port())
                return
            except EngineStartError:
                if attempt == _PORT_TRIES or self._stopping or not _port_taken(self._tail):
                    raise
                label, name = self.plan.label, self.name
                log.warning("%s engine of %s: its port was taken; trying another", label, name)

    async def _spawn_on(self, port: int) -> None:
        self._tail.clear()
        proc = await asyncio.create_subprocess_exec(
            *self.plan.argv(self.host, port),
            stdin=asyncio.subprocess.PIPE if self.plan.lifeline else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=dict(self.plan.env),
            start_new_session=True,  # its own process group: the kill policy takes it all
        )
        self._proc = proc
        self.base_url = f"http://{self.host}:{port}"
        self._drain_task = asyncio.create_task(self._drain(proc))
        try:
            if self._stopping:
                raise EngineStopped("stopped")
            await asyncio.wait_for(self._until_ready(proc), self.plan.start_timeout)
        except BaseException as exc:
            await asyncio.shield(self._kill(proc))
            await asyncio.wait({self._drain_task}, timeout=2)
            if isinstance(exc, EngineStopped):
                raise
            if isinstance(exc, TimeoutError | EngineStartError):
                raise EngineStartError(self._failure_reason(exc)) from exc
            raise
        self.state = EngineState.READY
        self.last_error = None
        self._ready_at = time.monotonic()
        log.info("%s engine of %s ready (pid %s)", self.plan.label, self.name, proc.pid)

    def _failure_reason(self, exc: BaseException) -> str:
        tail = list(self._tail)
        explained = self.plan.explain(tail) if self.plan.explain else None
        if explained:
            return explained
        label = self.plan.label
        if isinstance(exc, TimeoutError):
            reason = f"the {label} engine did not become ready within {self.plan.start_timeout:g}s"
        else:
            reason = f"the {label} engine exited during start-up ({exc})"
        last = " | ".join(line for line in tail[-3:] if line)
        return f"{reason}: {last}" if last else reason

    async def _drain(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for line in proc.stdout:
            self._tail.append(line.decode(errors="replace").rstrip())

    async def _until_ready(self, proc: asyncio.subprocess.Process) -> None:
        headers = {"Authorization": f"Bearer {self.plan.api_key}"} if self.plan.api_key else {}
        base = self.base_url or ""
        async with httpx.AsyncClient(timeout=5) as http:
            while True:
                if self._stopping:
                    raise EngineStopped("stopped")
                if proc.returncode is not None:
                    raise EngineStartError(f"exit code {proc.returncode}")
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    if await self.plan.probe(http, base, headers):
                        return
                await asyncio.sleep(0.1)

    async def _watch(self) -> None:
        delays = self.plan.backoff.delays()
        while not self._stopping:
            proc = self._proc
            if proc is None:
                return
            code = await proc.wait()
            if self._stopping:
                return
            if self.on_exit is not None:
                self.state = EngineState.FAILED
                self.last_error = f"the {self.plan.label} engine exited (code {code})"
                await self._kill(proc)
                self.on_exit(code)
                return
            if time.monotonic() - self._ready_at >= self.plan.backoff.cap:
                delays = self.plan.backoff.delays()  # it had been stable: start over
            self.state = EngineState.RESTARTING
            self.last_error = f"the {self.plan.label} engine exited (code {code}); restarting"
            log.warning(
                "%s engine of %s exited with %s; restarting", self.plan.label, self.name, code
            )
            await self._kill(proc)  # what is left of its process group
            while not self._stopping:
                await asyncio.sleep(next(delays))
                try:
                    await self._spawn()
                except EngineStopped:
                    return
                except EngineStartError as exc:
                    self.last_error = str(exc)
                    log.error("%s engine of %s restart failed: %s", self.plan.label, self.name, exc)
                    continue
                self.restarts += 1
                break

    async def stop(self) -> None:
        self._stopping = True
        task, self._watch_task = self._watch_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._proc is not None:
            await self._kill(self._proc)
        if self._drain_task is not None:
            await asyncio.wait({self._drain_task}, timeout=2)
            self._drain_task.cancel()
        self.state = EngineState.STOPPED

    async def _kill(self, proc: asyncio.subprocess.Process) -> None:
        """The kill policy: SIGTERM to the group, SIGKILL after the grace period; then whatever
        is left of the group (workers of a leader that already exited) gets SIGKILL."""
        if proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), self.plan.kill.grace)
            except TimeoutError:
                log.warning(
                    "%s engine of %s ignored SIGTERM; killing it", self.plan.label, self.name
                )
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
