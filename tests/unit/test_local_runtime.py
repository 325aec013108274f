"""The local runtime admits engine starts: a bounded number load at once, and a replica whose
engine plans more memory than the host has available is refused with both figures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from modelport.cluster.local_runtime import LocalRuntime
from modelport.cluster.runtime import ReplicaOrder
from modelport.domain.replicas import Resources
from modelport.engines.base import EngineSpec, EngineStartError
from modelport.engines.scripted import ScriptedEngine

pytestmark = pytest.mark.anyio

GIB = 2**30


class SlowFactory:
    """Engines that take ``load_s`` to start; records how many were loading at once."""

    name = "slow"
    label = "slow"

    def __init__(self, load_s: float) -> None:
        self.load_s = load_s
        self.loading = 0
        self.most = 0
        self.started = 0

    async def start(self, spec: EngineSpec) -> Any:
        self.loading += 1
        self.most = max(self.most, self.loading)
        try:
            await asyncio.sleep(self.load_s)
        finally:
            self.loading -= 1
        self.started += 1
        return ScriptedEngine()


def _order(factory: SlowFactory, ordinal: int, memory: int = 0) -> ReplicaOrder:
    spec = EngineSpec(deployment="d", engine="slow", model="m", context=512)
    return ReplicaOrder(
        f"r{ordinal}",
        "d-id",
        "d",
        ordinal,
        1,
        factory,  # type: ignore[arg-type]
        spec,
        Resources(1.0, 0.0, memory),
    )


async def test_engines_load_in_turn() -> None:
    factory = SlowFactory(0.05)
    runtime = LocalRuntime(concurrent_starts=2)
    replicas = await asyncio.gather(*(runtime.start(_order(factory, i)) for i in range(7)))
    assert factory.most == 2 and factory.started == 7
    assert {r.replica_id for r in replicas} == set(runtime.engines) and len(runtime.engines) == 7


async def test_a_start_cancelled_while_it_waits_its_turn_loads_nothing() -> None:
    factory = SlowFactory(0.2)
    runtime = LocalRuntime(concurrent_starts=1)
    first = asyncio.create_task(runtime.start(_order(factory, 0)))
    waiting = asyncio.create_task(runtime.start(_order(factory, 1)))
    await asyncio.sleep(0.05)
    waiting.cancel()
    await first
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert factory.started == 1 and list(runtime.engines) == ["r0"]


async def test_a_replica_that_does_not_fit_in_memory_is_refused_with_the_figures() -> None:
    factory = SlowFactory(0.0)
    free = [3 * GIB]
    runtime = LocalRuntime(concurrent_starts=1, memory_available=lambda: free[0])
    await runtime.start(_order(factory, 0, memory=2 * GIB))
    free[0] = 1 * GIB  # the first engine took its share
    with pytest.raises(EngineStartError) as refused:
        await runtime.start(_order(factory, 1, memory=2 * GIB))
    assert str(refused.value) == (
        "replica 1 of d does not fit on this host: its engine plans 2.0 GiB and 1.0 GiB is "
        "available (fewer instances, a smaller context or fewer slots would fit)"
    )
    assert factory.started == 1 and list(runtime.engines) == ["r0"]


async def test_by_default_one_engine_loads_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert LocalRuntime().concurrent_starts == 8
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert LocalRuntime().concurrent_starts == 1
