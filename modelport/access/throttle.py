"""Sign-in throttling: a bound on how fast anyone can guess passwords or tokens at the portal.

Every sign-in attempt counts against two one-minute sliding windows on the platform's rate
limiter (in memory, or on Redis, where every gateway shares them): one per account name and one
per client address; an attempt counts in both, even when refused. While either is full,
further attempts are refused with the time until the
oldest attempt leaves its window, before any credential is checked, so a refusal says nothing
about the credentials. Account names are hashed into the keys (Redis never holds them). An
attacker who spreads guesses over many addresses still meets the account's window; one who
tries many accounts from one address meets the address's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from modelport.domain.deployments import RateLimits
from modelport.policy.limits.base import RateLimiter

_NO_TOKENS = 1 << 30  # the limiter's token budget is unused here


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether an attempt may go on; if not, ``retry_after`` seconds until one may."""

    allowed: bool
    retry_after: float = 0.0


class SignInThrottle:
    """Counts sign-in attempts per account name and per client address (see the module)."""

    def __init__(self, limiter: RateLimiter, per_account: int, per_address: int) -> None:
        if per_account < 1 or per_address < 1:
            raise ValueError("sign-in limits must be at least one attempt per minute")
        self._limiter = limiter
        self._account = RateLimits(per_account, _NO_TOKENS)
        self._address = RateLimits(per_address, _NO_TOKENS)

    async def attempt(self, account: str | None, address: str | None) -> Verdict:
        """Count one attempt for ``account`` (a user name; ``None`` for a token) from
        ``address``; refused if either window is full."""
        checks: list[tuple[str, RateLimits]] = []
        if account:
            digest = hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32]
            checks.append((f"signin:account:{digest}", self._account))
        checks.append((f"signin:address:{address or 'unknown'}", self._address))
        waits = []
        for key, limits in checks:  # every window counts the attempt, even a refused one
            decision = await self._limiter.acquire(key, limits, 0)
            if not decision.allowed:
                waits.append(decision.retry_after)
        return Verdict(False, max(waits)) if waits else Verdict(True)
