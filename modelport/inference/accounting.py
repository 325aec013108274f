"""Accounting around the engine call: admission against the deployment's rate limits before it,
metering and settlement after it.

Admission counts the prompt with the engine's own tokenizer (a chat after its template) and
reserves those tokens plus the most the request may generate (``max_tokens`` for each of its
``n``/``best_of`` candidates). When the request ends the reservation is settled to the tokens
billed (in the background) and the usage record is written: the pipeline waits for the record to
be durable before the response's final bytes go out.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from modelport.billing.metering import Metering
from modelport.billing.records import UsageRecord
from modelport.engines.base import Engine
from modelport.errors import RateLimited
from modelport.inference.types import InferenceRequest, Usage
from modelport.policy.limits.base import RateLimiter

if TYPE_CHECKING:
    from modelport.inference.pipeline import RequestContext

# What a request without max_tokens reserves for its completion (settled to the real count).
DEFAULT_COMPLETION_RESERVE = 1024


class Accountant:
    def __init__(
        self,
        limiter: RateLimiter | None = None,
        metering: Metering | None = None,
        *,
        completion_reserve: int = DEFAULT_COMPLETION_RESERVE,
    ) -> None:
        self.limiter = limiter
        self.metering = metering
        self.completion_reserve = completion_reserve
        self._background: set[asyncio.Task[None]] = set()

    def reservation(self, ctx: RequestContext, request: InferenceRequest) -> int:
        s = request.sampling
        candidates = max(1, s.n, s.best_of or 1)
        completion = s.max_tokens if s.max_tokens is not None else self.completion_reserve
        return ctx.prompt_estimate + candidates * completion

    async def admit(self, ctx: RequestContext, engine: Engine, request: InferenceRequest) -> None:
        """Count the prompt, then reserve; raise ``RateLimited`` (429) when over the limits."""
        ctx.prompt_estimate = await engine.count_prompt_tokens(request)
        if self.limiter is None:
            return
        live = ctx.live
        ctx.reserved = self.reservation(ctx, request)
        limits = live.deployment.limits
        decision = await self.limiter.acquire(live.deployment.id, limits, ctx.reserved)
        ctx.limit_headers = decision.headers()
        if not decision.allowed:
            needed, ctx.reserved = ctx.reserved, 0
            if self.metering is not None:
                self.metering.rejected(live.name)
            raise RateLimited(
                f"deployment {live.name!r} is over its rate limit "
                f"({limits.requests_per_minute} requests and {limits.tokens_per_minute} tokens "
                f"per minute; this request reserves {needed} tokens); "
                f"retry after {max(1, round(decision.retry_after))} s",
                retry_after=decision.retry_after,
            )
        ctx.decision = decision

    async def peek_headers(self, ctx: RequestContext) -> dict[str, str]:
        if self.limiter is None:
            return {}
        live = ctx.live
        decision = await self.limiter.peek(live.deployment.id, live.deployment.limits)
        return decision.headers()

    @staticmethod
    def billed(ctx: RequestContext) -> Usage:
        """What the request is billed: the engine's usage; when the engine's final usage never
        came (client gone, engine failed), the counted prompt and the token events streamed."""
        prompt = ctx.usage.prompt_tokens if ctx.usage_events else ctx.prompt_estimate
        completion = max(ctx.usage.completion_tokens, ctx.streamed_tokens)
        return Usage(prompt, completion)

    async def finish(self, ctx: RequestContext) -> None:
        usage = self.billed(ctx)
        ctx.usage = usage
        if self.limiter is not None and ctx.decision is not None:
            # Settling only frees capacity for later requests: the response need not wait.
            settle = self.limiter.settle(
                ctx.live.deployment.id, ctx.decision, ctx.reserved, usage.total_tokens
            )
            task = asyncio.ensure_future(settle)
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        if self.metering is None:
            return
        d = ctx.live.deployment
        record = UsageRecord(
            request_id=ctx.request_id,
            time=datetime.fromtimestamp(ctx.created_at, UTC),
            project_id=d.project_id,
            subscription_id=d.subscription_id,
            offer_id=d.offer_id,
            deployment_id=d.id,
            deployment=d.name,
            key_slot=ctx.key_slot.value if ctx.key_slot else "token",
            dialect=ctx.dialect,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            outcome=ctx.outcome,
            latency_ms=round((time.perf_counter() - ctx.started) * 1000, 3),
        )
        await self.metering.record(record)

    async def drain(self) -> None:
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
