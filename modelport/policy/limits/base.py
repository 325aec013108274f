"""The rate-limiter interface and the sliding-window rule both backends implement.

A deployment's quota is a number of requests and a number of tokens per minute. Each admission
reserves one request and an estimate of its tokens (prompt + the most it may generate); when the
request ends the reservation is settled to the tokens really used.

The window is the last 60 one-second buckets: an admission counts against the sum of the buckets
of the last minute, and a bucket leaves the window 60 s after its second began. The rule never
admits more than the limit within any 60-second span, and holds back at most one second longer
than an exact sliding log would (``Retry-After`` says when enough capacity frees up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from modelport.domain.deployments import RateLimits

WINDOW_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining_requests: int
    remaining_tokens: int
    retry_after: float = 0.0  # seconds until the request would fit (when not allowed)
    bucket: int = 0  # the second the reservation was booked in (for settling)
    source: str = ""  # which limiter booked it, when several take turns (see failover.py)

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-remaining-requests": str(max(0, self.remaining_requests)),
            "x-ratelimit-remaining-tokens": str(max(0, self.remaining_tokens)),
        }


class RateLimiter(Protocol):
    name: str

    async def acquire(self, key: str, limits: RateLimits, tokens: int) -> Decision:
        """Reserve one request and ``tokens`` tokens if both fit; otherwise say when they will."""
        ...

    async def settle(self, key: str, decision: Decision, reserved: int, used: int) -> None:
        """Replace the reservation of an admitted request by the tokens it really used."""
        ...

    async def peek(self, key: str, limits: RateLimits) -> Decision:
        """What remains, without reserving anything (for the headers of early errors)."""
        ...

    async def close(self) -> None: ...


def evaluate(
    buckets: dict[int, tuple[int, int]], now: float, limits: RateLimits, tokens: int
) -> Decision:
    """The admission rule over ``{second: (requests, tokens)}`` (buckets already pruned to the
    window). The Redis script is a line-by-line port of this function."""
    sec = int(now)
    used_requests = sum(r for r, _ in buckets.values())
    used_tokens = sum(t for _, t in buckets.values())
    rpm, tpm = limits.requests_per_minute, limits.tokens_per_minute
    if used_requests + 1 <= rpm and used_tokens + tokens <= tpm:
        return Decision(True, rpm - used_requests - 1, tpm - used_tokens - tokens, 0.0, sec)
    # Walk the buckets oldest first until enough has left the window for this request.
    need_requests = used_requests + 1 - rpm
    need_tokens = used_tokens + tokens - tpm
    retry = float(WINDOW_SECONDS)
    for second in sorted(buckets):
        r, t = buckets[second]
        need_requests -= r
        need_tokens -= t
        if need_requests <= 0 and need_tokens <= 0:
            retry = second + WINDOW_SECONDS - now
            break
    return Decision(False, rpm - used_requests, tpm - used_tokens, max(retry, 0.001), sec)
