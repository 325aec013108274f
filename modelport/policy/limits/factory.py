"""Choosing the rate-limit backend from the settings."""

from __future__ import annotations

from modelport.policy.limits.base import RateLimiter
from modelport.policy.limits.memory import MemoryRateLimiter


def make_rate_limiter(backend: str, redis_url: str | None) -> RateLimiter:
    if backend == "memory":
        return MemoryRateLimiter()
    if backend == "redis":
        if not redis_url:
            raise ValueError("MODELPORT_RATE_LIMIT_BACKEND=redis needs MODELPORT_REDIS_URL")
        from modelport.policy.limits.redis import RedisRateLimiter

        return RedisRateLimiter(redis_url)
    raise ValueError(f"unknown rate-limit backend {backend!r} (memory | redis)")
