"""Routing a deployment's requests over its replicas: one :class:`Engine` in front of many.

The pipeline sees a deployment's engine; when the deployment has several replicas (or replicas
placed by another process), that engine is a :class:`ReplicaRouter`, which:

- sends each engine call to a ready replica with the fewest requests in flight (ties: the one
  used least recently);
- retries on another replica when a call fails with ``EngineUnavailable`` before it produced
  anything (the connection was refused or dropped before the first byte), and sets that replica
  aside for a moment (``suspect_for`` seconds, or until the store says it changed);
- lets a failure after the first event through: the pipeline ends the stream in-band and bills
  what was streamed;
- holds a call while no replica is ready (a scale-to-zero deployment starting again, a
  restart): it asks for replicas (``wake``) and waits up to ``cold_start_wait`` seconds, then
  answers 503 with ``Retry-After``.

Rate limits, the ledger and content safety stay per deployment: they are around this engine in
the pipeline, not per replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field

from modelport.domain.replicas import ReplicaState
from modelport.engines.base import ENGINE_RETRY_AFTER, Engine, EngineState
from modelport.engines.openai_wire import bound_extra
from modelport.errors import EngineUnavailable
from modelport.inference.types import Event, InferenceRequest

Wake = Callable[[], Awaitable[None]]


@dataclass
class Member:
    """One replica as this gateway routes to it."""

    replica_id: str
    engine: Engine
    state: ReplicaState
    node: str | None = None
    restarts: int = 0
    owned: bool = False  # a client this router made (closed with it), not a local engine
    in_flight: int = 0
    used_at: float = 0.0
    suspect_until: float = 0.0
    served: int = 0
    retried_away: int = 0

    def routable(self, now: float) -> bool:
        if self.state is not ReplicaState.READY or now < self.suspect_until:
            return False
        return self.engine.state is EngineState.READY


_AS_ENGINE = {
    ReplicaState.STARTING: EngineState.STARTING,
    ReplicaState.RESTARTING: EngineState.RESTARTING,
    ReplicaState.FAILED: EngineState.FAILED,
}


def _engine_state(member: Member) -> EngineState:
    if member.state is ReplicaState.READY:
        return member.engine.state
    return _AS_ENGINE.get(member.state, EngineState.STOPPED)


@dataclass
class ReplicaRouter:
    deployment: str
    context: int
    wake: Wake | None = None
    cold_start_wait: float = 120.0
    suspect_for: float = 5.0
    members: dict[str, Member] = field(default_factory=dict)
    last_error: str | None = None
    idle: EngineState = EngineState.STOPPED  # its state while it has no replica to route to
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    requests: int = 0  # calls routed (every engine call of every request)

    # -- membership (kept in step with the store by the registry sync) ---------------------
    def update(self, members: list[Member]) -> list[Member]:
        """Replace the membership; returns the members that left (their clients to close).
        A member that stays keeps its counters and, unless its state changed, its suspicion."""
        left = [m for rid, m in self.members.items() if rid not in {n.replica_id for n in members}]
        fresh: dict[str, Member] = {}
        for new in members:
            old = self.members.get(new.replica_id)
            if old is not None and old.engine is new.engine:
                if old.state is not new.state:
                    old.suspect_until = 0.0
                old.state, old.node, old.restarts = new.state, new.node, new.restarts
                fresh[new.replica_id] = old
            else:
                if old is not None and old.engine is not new.engine:
                    left.append(old)
                fresh[new.replica_id] = new
        self.members = fresh
        self._changed.set()
        self._changed = asyncio.Event()
        return left

    async def aclose_members(self, members: list[Member]) -> None:
        for member in members:
            if member.owned:
                with contextlib.suppress(Exception):
                    await member.engine.stop()

    # -- the Engine protocol ----------------------------------------------------------------
    @property
    def state(self) -> EngineState:
        states = {_engine_state(m) for m in self.members.values()}
        if not states:
            return self.idle
        for state in (EngineState.READY, EngineState.RESTARTING, EngineState.STARTING):
            if state in states:
                return state
        if states == {EngineState.FAILED}:
            return EngineState.FAILED
        return EngineState.STOPPED

    def describe(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "replicas": len(self.members),
            "ready": sum(1 for m in self.members.values() if m.routable(time.monotonic())),
            "in_flight": sum(m.in_flight for m in self.members.values()),
            "context": self.context,
            "last_error": self.last_error,
        }

    def in_flight(self) -> dict[str, int]:
        return {rid: m.in_flight for rid, m in self.members.items()}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        members, self.members = list(self.members.values()), {}
        await self.aclose_members(members)

    def bound_extra(self, request: InferenceRequest) -> InferenceRequest:
        for member in self.members.values():
            return member.engine.bound_extra(request)
        return bound_extra(request)

    # -- picking ----------------------------------------------------------------------------
    def _pick(self, tried: set[str]) -> Member | None:
        now = time.monotonic()
        ready = [m for m in self.members.values() if m.replica_id not in tried and m.routable(now)]
        if not ready:
            return None
        return min(ready, key=lambda m: (m.in_flight, m.used_at))

    async def _member(self, tried: set[str], deadline: float | None) -> Member:
        """A ready replica not tried yet; while there is none, ask for replicas and wait (the
        first time only: ``deadline`` None means a retry, which does not wait)."""
        woke = False
        while True:
            member = self._pick(tried)
            if member is not None:
                return member
            if deadline is None or time.monotonic() >= deadline:
                raise EngineUnavailable(
                    f"no replica of deployment {self.deployment!r} is ready "
                    f"({self.last_error or 'starting, restarting or unreachable'}); retry shortly",
                    retry_after=ENGINE_RETRY_AFTER,
                )
            if not woke and self.wake is not None:
                woke = True
                with contextlib.suppress(Exception):
                    await self.wake()
            changed = self._changed
            with contextlib.suppress(TimeoutError):  # (not wait_for: see ChangeFeed.wait_beyond)
                async with asyncio.timeout(min(1.0, deadline - time.monotonic())):
                    await changed.wait()

    def _set_aside(self, member: Member, exc: EngineUnavailable) -> None:
        member.suspect_until = time.monotonic() + self.suspect_for
        member.retried_away += 1
        self.last_error = exc.message

    async def _call(self, fn: Callable[[Engine], Awaitable[int]]) -> int:
        tried: set[str] = set()
        deadline: float | None = time.monotonic() + self.cold_start_wait
        while True:
            member = await self._member(tried, deadline)
            deadline = None
            tried.add(member.replica_id)
            member.in_flight += 1
            member.used_at = time.monotonic()
            try:
                return await fn(member.engine)
            except EngineUnavailable as exc:
                self._set_aside(member, exc)
                if self._pick(tried) is None:
                    raise
            finally:
                member.in_flight -= 1

    async def count_tokens(self, text: str) -> int:
        return await self._call(lambda engine: engine.count_tokens(text))

    async def count_prompt_tokens(self, request: InferenceRequest) -> int:
        return await self._call(lambda engine: engine.count_prompt_tokens(request))

    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        tried: set[str] = set()
        deadline: float | None = time.monotonic() + self.cold_start_wait
        while True:
            member = await self._member(tried, deadline)
            deadline = None
            tried.add(member.replica_id)
            member.in_flight += 1
            member.used_at = time.monotonic()
            self.requests += 1
            events = member.engine.generate(request)
            started = False
            try:
                try:
                    async for event in events:
                        started = True
                        yield event
                finally:
                    await events.aclose()
                member.served += 1
                return
            except EngineUnavailable as exc:
                if started:
                    raise  # mid-stream: the pipeline ends the stream in-band
                self._set_aside(member, exc)
                if self._pick(tried) is None:
                    raise
            finally:
                member.in_flight -= 1
