"""The Redis rate limiter: limits shared by every gateway process, on Redis's clock.

Each check is one atomic Lua script (``EVALSHA``) that prunes the window, sums requests and
tokens, and books the reservation only if both fit, all with ``TIME`` from the server so that
gateways with skewed clocks agree. A deployment's window is one hash: ``r:<second>`` and
``t:<second>`` fields, expiring a minute after its last write.

``redis`` is imported lazily: only deployments configured for it need the package.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from modelport.domain.deployments import RateLimits
from modelport.policy.limits.base import WINDOW_SECONDS, Decision

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("modelport.limits")

# KEYS[1]: the deployment's hash. ARGV: rpm, tpm, tokens, book (1 = reserve, 0 = peek).
# Returns {allowed, remaining_requests, remaining_tokens, retry_after_ms, second}.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local sec = tonumber(t[1])
local window = tonumber(ARGV[5])
local oldest = sec - window + 1
local rpm, tpm, tokens = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local flat = redis.call('HGETALL', KEYS[1])
local req, tok, seconds, stale = {}, {}, {}, {}
local used_r, used_t = 0, 0
for i = 1, #flat, 2 do
  local kind, s = string.sub(flat[i], 1, 1), tonumber(string.sub(flat[i], 3))
  local v = tonumber(flat[i + 1])
  if s < oldest then
    stale[#stale + 1] = flat[i]
  else
    if req[s] == nil and tok[s] == nil then seconds[#seconds + 1] = s end
    if kind == 'r' then req[s] = v; used_r = used_r + v else tok[s] = v; used_t = used_t + v end
  end
end
if #stale > 0 then redis.call('HDEL', KEYS[1], unpack(stale)) end
if used_r + 1 <= rpm and used_t + tokens <= tpm then
  if ARGV[4] == '1' then
    redis.call('HINCRBY', KEYS[1], 'r:' .. sec, 1)
    redis.call('HINCRBY', KEYS[1], 't:' .. sec, tokens)
    redis.call('PEXPIRE', KEYS[1], window * 1000 + 1000)
    return {1, rpm - used_r - 1, tpm - used_t - tokens, 0, sec}
  end
  return {1, rpm - used_r, tpm - used_t, 0, sec}
end
table.sort(seconds)
local need_r, need_t = used_r + 1 - rpm, used_t + tokens - tpm
local retry = window
for _, s in ipairs(seconds) do
  need_r = need_r - (req[s] or 0)
  need_t = need_t - (tok[s] or 0)
  if need_r <= 0 and need_t <= 0 then
    retry = s + window - now
    break
  end
end
return {0, rpm - used_r, tpm - used_t, math.max(1, math.floor(retry * 1000)), sec}
"""

# KEYS[1]: the hash. ARGV: second of the reservation, tokens used minus tokens reserved.
SETTLE = """
local sec = tonumber(redis.call('TIME')[1])
local field = 't:' .. ARGV[1]
local expired = tonumber(ARGV[1]) < sec - tonumber(ARGV[3]) + 1
if expired or redis.call('HEXISTS', KEYS[1], field) == 0 then
  return 0
end
local left = redis.call('HINCRBY', KEYS[1], field, tonumber(ARGV[2]))
if left < 0 then redis.call('HSET', KEYS[1], field, 0) end
return 1
"""


class RedisRateLimiter:
    name = "redis"

    def __init__(
        self, url: str, *, prefix: str = "modelport:limits:", fail_open: bool = True
    ) -> None:
        try:
            from redis.asyncio import Redis
        except ImportError as exc:  # pragma: no cover - redis is a dependency today
            raise RuntimeError(
                "the Redis rate limiter needs the 'redis' package: pip install redis"
            ) from exc
        self._redis: Redis = Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._prefix = prefix
        self._acquire = self._redis.register_script(ACQUIRE)
        self._settle = self._redis.register_script(SETTLE)
        self._last_warning = 0.0
        self.fail_open = fail_open  # False: a Redis error propagates (failover.py decides)

    def _key(self, key: str) -> str:
        return f"{self._prefix}{{{key}}}"

    async def _run(self, key: str, limits: RateLimits, tokens: int, book: bool) -> Decision:
        from redis.exceptions import RedisError

        args: list[Any] = [
            limits.requests_per_minute,
            limits.tokens_per_minute,
            tokens,
            1 if book else 0,
            WINDOW_SECONDS,
        ]
        try:
            allowed, requests, toks, retry_ms, sec = await self._acquire(
                keys=[self._key(key)], args=args
            )
        except RedisError as exc:
            if not self.fail_open:
                raise
            # Fail open: an unreachable Redis must not take every deployment down; usage is
            # still metered and billed. Warn at most every 10 s.
            if time.monotonic() - self._last_warning > 10:
                self._last_warning = time.monotonic()
                log.warning("rate limits not enforced, Redis is failing: %s", type(exc).__name__)
            return Decision(True, limits.requests_per_minute, limits.tokens_per_minute, 0.0, 0)
        return Decision(bool(allowed), int(requests), int(toks), int(retry_ms) / 1000, int(sec))

    async def acquire(self, key: str, limits: RateLimits, tokens: int) -> Decision:
        return await self._run(key, limits, tokens, True)

    async def peek(self, key: str, limits: RateLimits) -> Decision:
        return await self._run(key, limits, 0, False)

    async def settle(self, key: str, decision: Decision, reserved: int, used: int) -> None:
        from redis.exceptions import RedisError

        if used == reserved or decision.bucket == 0:
            return
        try:
            await self._settle(
                keys=[self._key(key)], args=[decision.bucket, used - reserved, WINDOW_SECONDS]
            )
        except RedisError as exc:
            log.warning("could not settle a rate-limit reservation: %s", type(exc).__name__)

    async def ping(self) -> bool:
        """Whether Redis answers now."""
        from redis.exceptions import RedisError

        try:
            return bool(await self._redis.ping())
        except RedisError:
            return False

    async def close(self) -> None:
        await self._redis.aclose()
