"""The Redis limiter when Redis goes away (a real valkey-server, stopped and started again):
each gateway enforces its share (limit ÷ live gateways), says so, and returns to Redis; or fails
open, or closed, as configured."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelport.domain.deployments import RateLimits
from modelport.errors import RateLimiterUnavailable
from modelport.policy.limits.failover import FailoverRateLimiter
from modelport.policy.limits.redis import RedisRateLimiter
from tests.redis_support import Valkey


@pytest.fixture
def valkey(tmp_path: Path) -> Iterator[Valkey]:
    server = Valkey(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


LIMITS = RateLimits(requests_per_minute=10, tokens_per_minute=100_000)


def test_redis_down_means_each_gateway_enforces_its_share_then_redis_again(
    valkey: Valkey,
) -> None:
    async def go() -> None:
        limiter = FailoverRateLimiter(
            RedisRateLimiter(valkey.url, prefix="failover:"),
            live_gateways=lambda: 2,
            probe_interval=0.2,
        )
        try:
            shared = [await limiter.acquire("dep", LIMITS, 10) for _ in range(3)]
            assert all(d.allowed for d in shared) and limiter.status()["mode"] == "redis"
            valkey.stop()
            local = [await limiter.acquire("dep", LIMITS, 10) for _ in range(6)]
            # 10 per minute shared by 2 live gateways: 5 here, whatever Redis had counted
            assert [d.allowed for d in local] == [True] * 5 + [False]
            status = limiter.status()
            assert status["mode"] == "local" and status["share"] == "1/2"
            valkey.start()
            deadline = time.monotonic() + 10
            while limiter.status()["mode"] != "redis" and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert limiter.status()["mode"] == "redis"
            back = await limiter.acquire("dep", LIMITS, 10)
            assert back.allowed and back.source == ""  # booked in Redis again
            await limiter.settle("dep", back, 10, 4)
        finally:
            await limiter.close()

    asyncio.run(go())


def test_fail_closed_refuses_and_fail_open_admits(valkey: Valkey) -> None:
    async def go() -> None:
        closed = FailoverRateLimiter(RedisRateLimiter(valkey.url), on_failure="closed")
        opened = FailoverRateLimiter(RedisRateLimiter(valkey.url), on_failure="open")
        try:
            valkey.stop()
            with pytest.raises(RateLimiterUnavailable) as refused:
                await closed.acquire("dep", LIMITS, 10)
            assert refused.value.status == 503 and refused.value.retry_after
            assert all([(await opened.acquire("dep", LIMITS, 10)).allowed for _ in range(20)])
            assert opened.status()["mode"] == "open"
        finally:
            await closed.close()
            await opened.close()

    asyncio.run(go())
