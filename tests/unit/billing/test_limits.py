"""Rate limiters: the in-process one and the Redis one (against a real valkey-server)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from modelport.domain.deployments import RateLimits
from modelport.policy.limits.base import RateLimiter
from modelport.policy.limits.memory import MemoryRateLimiter
from modelport.policy.limits.redis import RedisRateLimiter
from tests.redis_support import valkey_server


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with valkey_server(tmp_path_factory.mktemp("valkey")) as url:
        yield url


Make = Callable[[], RateLimiter]


@pytest.fixture(params=["memory", "redis"])
def make(request: pytest.FixtureRequest, redis_url: str) -> Make:
    """Builds the limiter inside the test's event loop (the Redis client binds to it)."""
    if request.param == "memory":
        return MemoryRateLimiter
    prefix = f"test:{request.node.name}:"
    return lambda: RedisRateLimiter(redis_url, prefix=prefix)


def test_requests_per_minute(make: Make) -> None:
    async def go() -> None:
        limiter = make()
        limits = RateLimits(requests_per_minute=3, tokens_per_minute=1000)
        decisions = [await limiter.acquire("dep", limits, 10) for _ in range(4)]
        assert [d.allowed for d in decisions] == [True, True, True, False]
        assert [d.remaining_requests for d in decisions[:3]] == [2, 1, 0]
        assert decisions[2].remaining_tokens == 970
        rejected = decisions[3]
        assert 0 < rejected.retry_after <= 60
        assert rejected.headers() == {
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-remaining-tokens": "970",
        }
        assert (await limiter.acquire("other", limits, 10)).allowed, "keys are independent"
        await limiter.close()

    asyncio.run(go())


def test_tokens_per_minute_and_settle(make: Make) -> None:
    async def go() -> None:
        limiter = make()
        limits = RateLimits(requests_per_minute=100, tokens_per_minute=100)
        first = await limiter.acquire("dep", limits, 80)
        assert first.allowed and first.remaining_tokens == 20
        assert not (await limiter.acquire("dep", limits, 30)).allowed
        # The first request really used 20 of its 80: 60 come back.
        await limiter.settle("dep", first, 80, 20)
        second = await limiter.acquire("dep", limits, 30)
        assert second.allowed and second.remaining_tokens == 50
        peek = await limiter.peek("dep", limits)
        assert (peek.remaining_requests, peek.remaining_tokens) == (98, 50)
        await limiter.close()

    asyncio.run(go())


def test_concurrent_burst_admits_exactly_the_limit(make: Make) -> None:
    async def go() -> None:
        limiter = make()
        limits = RateLimits(requests_per_minute=60, tokens_per_minute=1_000_000)
        decisions = await asyncio.gather(*(limiter.acquire("burst", limits, 5) for _ in range(90)))
        assert sum(d.allowed for d in decisions) == 60
        assert all(0 < d.retry_after <= 60 for d in decisions if not d.allowed)
        await limiter.close()

    asyncio.run(go())


def test_window_slides() -> None:
    now = [1000.0]
    limiter = MemoryRateLimiter(clock=lambda: now[0])
    limits = RateLimits(requests_per_minute=2, tokens_per_minute=1000)

    async def go() -> None:
        assert (await limiter.acquire("d", limits, 1)).allowed
        now[0] = 1030.5
        assert (await limiter.acquire("d", limits, 1)).allowed
        rejected = await limiter.acquire("d", limits, 1)
        assert not rejected.allowed
        assert rejected.retry_after == pytest.approx(29.5)  # the first bucket leaves at 1060
        now[0] = 1060.0
        assert (await limiter.acquire("d", limits, 1)).allowed
        assert not (await limiter.acquire("d", limits, 1)).allowed

    asyncio.run(go())


def test_redis_uses_one_window_across_clients(redis_url: str) -> None:
    """Two limiters (two gateways' worth of connections) share one window."""

    async def go() -> None:
        a = RedisRateLimiter(redis_url, prefix="shared:")
        b = RedisRateLimiter(redis_url, prefix="shared:")
        limits = RateLimits(requests_per_minute=60, tokens_per_minute=1_000_000)
        try:
            decisions = await asyncio.gather(
                *((a if i % 2 else b).acquire("dep", limits, 1) for i in range(90))
            )
        finally:
            await a.close()
            await b.close()
        assert sum(d.allowed for d in decisions) == 60

    asyncio.run(go())


def test_redis_unreachable_fails_open() -> None:
    async def go() -> None:
        limiter = RedisRateLimiter("redis://127.0.0.1:1/0")
        try:
            decision = await limiter.acquire("dep", RateLimits(1, 10), 5)
        finally:
            await limiter.close()
        assert decision.allowed

    asyncio.run(go())
