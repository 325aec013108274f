"""The replica router: fewest in flight, retry before the first byte, in-band failure after it,
requests held while no replica is ready (cold start), 503 with Retry-After after the wait."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

import pytest

from modelport.cluster.routing import Member, ReplicaRouter
from modelport.domain.replicas import ReplicaState
from modelport.engines.base import engine_unavailable
from modelport.errors import EngineUnavailable
from modelport.inference.types import (
    Event,
    InferenceRequest,
    Message,
    RequestKind,
    SamplingParams,
    TextDelta,
)
from tests.scripted import ScriptedEngine, text_events

CHAT = InferenceRequest(
    kind=RequestKind.CHAT,
    sampling=SamplingParams(),
    messages=(Message(role="user", content="hi"),),
)


class Slow(ScriptedEngine):
    """Holds each generation until released."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        self.calls.append(request)
        await self.release.wait()
        for event in text_events("slow answer"):
            yield event


class Refusing(ScriptedEngine):
    """A replica whose connection is refused before any byte."""

    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        self.calls.append(request)
        raise engine_unavailable()
        yield TextDelta(0, "")  # pragma: no cover - makes this a generator


class DiesMidStream(ScriptedEngine):
    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        self.calls.append(request)
        yield TextDelta(0, "partial")
        raise engine_unavailable()


def router(*engines: ScriptedEngine, wait: float = 5.0) -> ReplicaRouter:
    r = ReplicaRouter("dep", context=4096, cold_start_wait=wait)
    r.update([Member(f"r{i}", e, ReplicaState.READY) for i, e in enumerate(engines)])
    return r


async def drain(r: ReplicaRouter) -> list[Event]:
    return [e async for e in r.generate(CHAT)]


@pytest.mark.anyio
async def test_requests_go_to_the_replica_with_fewest_in_flight() -> None:
    a, b = Slow(), Slow()
    r = router(a, b)
    first = asyncio.create_task(drain(r))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(drain(r))
    await asyncio.sleep(0.05)
    assert (len(a.calls), len(b.calls)) == (1, 1)  # the second went to the idle replica
    assert r.in_flight() == {"r0": 1, "r1": 1}
    a.release.set()
    b.release.set()
    await asyncio.gather(first, second)
    assert r.in_flight() == {"r0": 0, "r1": 0}


@pytest.mark.anyio
async def test_a_refused_connection_is_retried_on_another_replica() -> None:
    dead, alive = Refusing(), ScriptedEngine()
    r = router(dead, alive)
    for _ in range(3):
        events = await drain(r)
        assert any(isinstance(e, TextDelta) for e in events)
    assert len(dead.calls) == 1  # set aside after its failure
    assert len(alive.calls) == 3


@pytest.mark.anyio
async def test_a_replica_dying_mid_stream_fails_the_stream_in_band() -> None:
    dying, other = DiesMidStream(), ScriptedEngine()
    r = router(dying)
    r.update([Member("r0", dying, ReplicaState.READY), Member("r1", other, ReplicaState.STARTING)])
    got: list[Event] = []
    with pytest.raises(EngineUnavailable):
        async for event in r.generate(CHAT):
            got.append(event)
    assert got == [TextDelta(0, "partial")]  # what was streamed stays streamed
    assert other.calls == []  # no silent retry after bytes went out


@pytest.mark.anyio
async def test_a_request_waits_for_a_replica_and_wakes_the_deployment() -> None:
    woken: list[float] = []
    r = ReplicaRouter("dep", context=4096, cold_start_wait=10.0)
    engine = ScriptedEngine()

    async def wake() -> None:
        woken.append(time.monotonic())

        async def appear() -> None:
            await asyncio.sleep(0.3)
            r.update([Member("r0", engine, ReplicaState.READY)])

        asyncio.get_running_loop().create_task(appear())

    r.wake = wake
    started = time.monotonic()
    events = await drain(r)
    assert len(woken) == 1
    assert any(isinstance(e, TextDelta) for e in events)
    assert 0.25 <= time.monotonic() - started < 5


@pytest.mark.anyio
async def test_no_replica_within_the_wait_is_a_503_with_retry_after() -> None:
    r = ReplicaRouter("dep", context=4096, cold_start_wait=0.3)
    with pytest.raises(EngineUnavailable) as caught:
        await drain(r)
    assert caught.value.status == 503
    assert caught.value.retry_after


@pytest.mark.anyio
async def test_token_counting_is_routed_and_retried_too() -> None:
    dead, alive = Refusing(), ScriptedEngine()

    async def refuse(request: InferenceRequest) -> int:
        raise engine_unavailable()

    dead.count_prompt_tokens = refuse  # type: ignore[method-assign]
    r = router(dead, alive)
    assert await r.count_prompt_tokens(CHAT) == 1
