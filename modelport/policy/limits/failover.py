"""Redis limits with a chosen behaviour for when Redis is unreachable
(``MODELPORT_RATE_LIMIT_ON_REDIS_FAILURE``):

- ``local`` (default): each gateway enforces its share of every deployment's limits in process,
  the limit divided by the gateways alive now (their heartbeats), so that together they hold the
  deployment to about its limit; ``/healthz`` and the metrics say the limiter is degraded;
- ``open``: admit every request (usage is still metered and billed);
- ``closed``: refuse every request with 503 ``rate_limiter_unavailable`` and ``Retry-After``.

While degraded, Redis is asked (``PING``) every ``probe_interval`` seconds; once it answers, the
limiter returns to it. Reservations settle with the limiter that booked them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

from modelport.domain.deployments import RateLimits
from modelport.errors import RateLimiterUnavailable
from modelport.policy.limits.base import Decision
from modelport.policy.limits.memory import MemoryRateLimiter
from modelport.policy.limits.redis import RedisRateLimiter

log = logging.getLogger("modelport.limits")

OnFailure = Literal["local", "open", "closed"]


class FailoverRateLimiter:
    name = "redis"

    def __init__(
        self,
        redis: RedisRateLimiter,
        *,
        on_failure: OnFailure = "local",
        live_gateways: Callable[[], int] = lambda: 1,
        probe_interval: float = 1.0,
    ) -> None:
        redis.fail_open = False
        self.redis = redis
        self.on_failure = on_failure
        self.live_gateways = live_gateways
        self.probe_interval = probe_interval
        self.local = MemoryRateLimiter()
        self.degraded_since: float | None = None
        self.degradations = 0
        self._probe: asyncio.Task[None] | None = None

    @property
    def mode(self) -> str:
        return "redis" if self.degraded_since is None else self.on_failure

    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = {"backend": "redis", "mode": self.mode}
        if self.degraded_since is not None:
            status["degraded_for_s"] = round(time.monotonic() - self.degraded_since, 1)
            if self.on_failure == "local":
                status["share"] = f"1/{self.share()}"
        return status

    def share(self) -> int:
        return max(1, self.live_gateways())

    def _degrade(self, exc: Exception) -> None:
        if self.degraded_since is None:
            self.degraded_since = time.monotonic()
            self.degradations += 1
            log.error(
                "Redis is unreachable (%s): rate limits %s until it is back",
                type(exc).__name__,
                {
                    "local": f"enforced locally (1/{self.share()} of each limit per gateway)",
                    "open": "not enforced (fail open)",
                    "closed": "refuse every request (fail closed)",
                }[self.on_failure],
            )
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().create_task(self._recover())

    async def _recover(self) -> None:
        while self.degraded_since is not None:
            await asyncio.sleep(self.probe_interval)
            if await self.redis.ping():
                log.warning("Redis answers again: rate limits are shared through it again")
                self.degraded_since = None
                self.local = MemoryRateLimiter()

    def _shared(self, limits: RateLimits) -> RateLimits:
        n = self.share()
        return RateLimits(
            max(1, limits.requests_per_minute // n), max(1, limits.tokens_per_minute // n)
        )

    def _fallback(self, limits: RateLimits) -> Decision:
        if self.on_failure == "closed":
            raise RateLimiterUnavailable(
                "rate limits cannot be checked right now (the limiter's store is unreachable); "
                "retry shortly",
                retry_after=self.probe_interval * 2,
            )
        return Decision(True, limits.requests_per_minute, limits.tokens_per_minute, source="open")

    async def acquire(self, key: str, limits: RateLimits, tokens: int) -> Decision:
        from redis.exceptions import RedisError

        if self.degraded_since is None:
            try:
                return await self.redis.acquire(key, limits, tokens)
            except RedisError as exc:
                self._degrade(exc)
        if self.on_failure == "local":
            decision = await self.local.acquire(key, self._shared(limits), tokens)
            return replace(decision, source="local")
        return self._fallback(limits)

    async def peek(self, key: str, limits: RateLimits) -> Decision:
        from redis.exceptions import RedisError

        if self.degraded_since is None:
            try:
                return await self.redis.peek(key, limits)
            except RedisError as exc:
                self._degrade(exc)
        if self.on_failure == "local":
            return replace(await self.local.peek(key, self._shared(limits)), source="local")
        return Decision(True, limits.requests_per_minute, limits.tokens_per_minute, source="open")

    async def settle(self, key: str, decision: Decision, reserved: int, used: int) -> None:
        if decision.source == "local":
            await self.local.settle(key, decision, reserved, used)
        elif decision.source == "":
            await self.redis.settle(key, decision, reserved, used)

    async def close(self) -> None:
        probe, self._probe = self._probe, None
        if probe is not None:
            probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await probe
        await self.redis.close()
        await self.local.close()
