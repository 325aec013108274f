"""The in-process rate limiter (the default): exact for one gateway process."""

from __future__ import annotations

import time
from collections.abc import Callable

from modelport.domain.deployments import RateLimits
from modelport.policy.limits.base import WINDOW_SECONDS, Decision, evaluate


class MemoryRateLimiter:
    """Buckets per key in a dict. Every method runs without awaiting, so on one event loop
    each check-and-reserve is atomic."""

    name = "memory"

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._buckets: dict[str, dict[int, list[int]]] = {}

    def _window(self, key: str, now: float) -> dict[int, list[int]]:
        buckets = self._buckets.setdefault(key, {})
        oldest = int(now) - WINDOW_SECONDS + 1
        for second in [s for s in buckets if s < oldest]:
            del buckets[second]
        return buckets

    async def acquire(self, key: str, limits: RateLimits, tokens: int) -> Decision:
        now = self._clock()
        buckets = self._window(key, now)
        decision = evaluate({s: (b[0], b[1]) for s, b in buckets.items()}, now, limits, tokens)
        if decision.allowed:
            bucket = buckets.setdefault(decision.bucket, [0, 0])
            bucket[0] += 1
            bucket[1] += tokens
        return decision

    async def settle(self, key: str, decision: Decision, reserved: int, used: int) -> None:
        buckets = self._window(key, self._clock())
        bucket = buckets.get(decision.bucket)
        if bucket is not None:
            bucket[1] = max(0, bucket[1] + used - reserved)

    async def peek(self, key: str, limits: RateLimits) -> Decision:
        now = self._clock()
        buckets = self._window(key, now)
        requests = sum(b[0] for b in buckets.values())
        tokens = sum(b[1] for b in buckets.values())
        return Decision(
            True,
            limits.requests_per_minute - requests,
            limits.tokens_per_minute - tokens,
            0.0,
            int(now),
        )

    async def close(self) -> None:
        self._buckets.clear()
