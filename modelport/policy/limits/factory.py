"""Choosing the rate-limit backend from the settings."""

from __future__ import annotations

from collections.abc import Callable

from modelport.policy.limits.base import RateLimiter
from modelport.policy.limits.memory import MemoryRateLimiter


def make_rate_limiter(
    backend: str,
    redis_url: str | None,
    *,
    on_failure: str = "local",
    live_gateways: Callable[[], int] = lambda: 1,
) -> RateLimiter:
    if backend == "memory":
        return MemoryRateLimiter()
    if backend == "redis":
        if not redis_url:
            raise ValueError("MODELPORT_RATE_LIMIT_BACKEND=redis needs MODELPORT_REDIS_URL")
        from modelport.policy.limits.failover import FailoverRateLimiter
        from modelport.policy.limits.redis import RedisRateLimiter

        if on_failure not in ("local", "open", "closed"):
            raise ValueError(f"unknown Redis failure policy {on_failure!r} (local | open | closed)")
        return FailoverRateLimiter(
            RedisRateLimiter(redis_url),
            on_failure=on_failure,  # type: ignore[arg-type]
            live_gateways=live_gateways,
        )
    raise ValueError(f"unknown rate-limit backend {backend!r} (memory | redis)")
