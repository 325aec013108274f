"""Accounting around the engine call: admission against the deployment's rate limits before it,
the usage tally during it, metering and settlement after it.

:meth:`Accountant.admit` reserves the counted prompt plus the most the request may generate
(``max_tokens`` for each of its ``n``/``best_of`` candidates) and returns the request's
:class:`Account`. The account owns the request's usage: :meth:`Account.tally` counts what the
engine reports and streams, :meth:`Account.settle` (outermost around the events) learns how the
request ended and, when it ends, settles the reservation to the tokens billed (in the background)
and writes the usage record; the stream's end is released only once the record is durable.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from modelport.billing.metering import Metering
from modelport.billing.records import UsageRecord
from modelport.errors import Conflict, ModelportError, RateLimited, RequestTooLarge
from modelport.inference.context import RequestContext
from modelport.inference.outcome import Outcome, outcome_of_error, outcome_of_finish
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    InferenceRequest,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from modelport.policy.limits.base import Decision, RateLimiter

log = logging.getLogger("modelport.requests")

# What a request without max_tokens reserves for its completion (settled to the real count).
DEFAULT_COMPLETION_RESERVE = 1024


@dataclass
class UsageTally:
    """What the engine reported (``Usage`` events, additive) and streamed for one request."""

    prompt_estimate: int  # the prompt as the engine's tokenizer counted it at admission
    reported: Usage = field(default_factory=lambda: Usage(0, 0))
    reports: int = 0
    streamed_tokens: int = 0  # token events (billed when the final usage never came)

    def add(self, event: Event) -> None:
        if isinstance(event, Usage):
            self.reports += 1
            self.reported = Usage(
                self.reported.prompt_tokens + event.prompt_tokens,
                self.reported.completion_tokens + event.completion_tokens,
            )
        elif isinstance(event, TextDelta | ToolCallDelta):
            self.streamed_tokens += 1

    def billed(self) -> Usage:
        """The engine's usage; when its final usage never came (client gone, engine failed,
        generation stopped by content safety), the counted prompt and the tokens streamed."""
        prompt = self.reported.prompt_tokens if self.reports else self.prompt_estimate
        return Usage(prompt, max(self.reported.completion_tokens, self.streamed_tokens))


class Account:
    """One admitted request, as the accountant sees it: its reservation and its usage."""

    def __init__(
        self,
        accountant: Accountant,
        ctx: RequestContext,
        prompt_tokens: int,
        reserved: int = 0,
        decision: Decision | None = None,
    ) -> None:
        self.accountant = accountant
        self.ctx = ctx
        self.reserved = reserved
        self.decision = decision
        self.tallied = UsageTally(prompt_tokens)
        self.outcome = Outcome.OK
        self.replaces_failed = False  # a retry of a failed attempt under the caller's id
        self.settled = False
        self.recorded = False  # the usage record is durable

    @property
    def limit_headers(self) -> dict[str, str]:
        return self.decision.headers() if self.decision is not None else {}

    @property
    def usage(self) -> Usage:
        """What the request is billed (final once the stream has ended)."""
        return self.tallied.billed()

    async def tally(self, events: AsyncGenerator[Event, None]) -> AsyncGenerator[Event, None]:
        """The engine's events, counted (innermost: it sees every token the engine sent).
        Closing it closes the engine call, which stops the generation."""
        add = self.tallied.add
        try:
            async for event in events:
                add(event)
                yield event
        finally:
            await events.aclose()

    async def settle(self, events: AsyncGenerator[Event, None]) -> AsyncGenerator[Event, None]:
        """The request's final events (outermost): how it ended decides its outcome; when it
        ends (or the client leaves, which closes this generator) the engine call is closed and
        the request is metered; the end is passed on only once the record is durable."""
        finished = False
        live = self.ctx.live
        live.in_flight += 1  # the operator view's requests in flight; scale-to-zero idleness
        live.last_request = time.time()
        try:
            async for event in events:
                if isinstance(event, ChoiceEnd):
                    self.outcome = outcome_of_finish(self.outcome, event.finish_reason)
                yield event
            finished = True
        except ModelportError as error:
            self.outcome = outcome_of_error(error)
            raise
        finally:
            live.in_flight -= 1
            if not finished and self.outcome == Outcome.OK:
                self.outcome = Outcome.DISCONNECTED
            await self.accountant.finish(self, events)

    async def refused(self, error: BaseException) -> None:
        """A later stage refused the admitted request (its prompt was blocked): meter it (the
        prompt was counted and checked) and free its reservation."""
        self.outcome = outcome_of_error(error)
        await self.accountant.finish(self, None)


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

    def reservation(self, prompt_tokens: int, request: InferenceRequest) -> int:
        s = request.sampling
        candidates = max(1, s.n, s.best_of or 1)
        completion = s.max_tokens if s.max_tokens is not None else self.completion_reserve
        return prompt_tokens + candidates * completion

    async def admit(
        self, ctx: RequestContext, request: InferenceRequest, prompt_tokens: int
    ) -> Account:
        """Reserve the counted prompt and what the request may generate; raise
        ``RateLimited`` (429, with the limit headers) when that does not fit now, ``Conflict``
        (409) when the caller's request id was already served."""
        replaces_failed = await self._retry(ctx)
        if self.limiter is None:
            account = Account(self, ctx, prompt_tokens)
            account.replaces_failed = replaces_failed
            return account
        live = ctx.live
        reserved = self.reservation(prompt_tokens, request)
        limits = live.deployment.limits
        if reserved > limits.tokens_per_minute:
            raise RequestTooLarge(
                f"this request reserves {reserved} tokens (its prompt and max_tokens for each "
                f"of its choices), more than deployment {live.name!r} allows in a minute "
                f"({limits.tokens_per_minute} tokens); lower max_tokens or n",
                param="max_tokens",
            )
        decision = await self.limiter.acquire(live.deployment.id, limits, reserved)
        if not decision.allowed:
            if self.metering is not None:
                self.metering.rejected(live.name)
            raise RateLimited(
                f"deployment {live.name!r} is over its rate limit "
                f"({limits.requests_per_minute} requests and {limits.tokens_per_minute} tokens "
                f"per minute; this request reserves {reserved} tokens); "
                f"retry after {max(1, round(decision.retry_after))} s",
                retry_after=decision.retry_after,
                headers=decision.headers(),
            )
        account = Account(self, ctx, prompt_tokens, reserved, decision)
        account.replaces_failed = replaces_failed
        return account

    async def _retry(self, ctx: RequestContext) -> bool:
        """For a request its caller identified: whether it retries a failed attempt (whose
        record it will replace); ``Conflict`` when that id was already served."""
        if ctx.caller_id is None or self.metering is None:
            return False
        previous = await self.metering.ledger.previous_outcome(ctx.request_id)
        if previous is None:
            return False
        if previous == Outcome.ERROR:
            return True
        raise Conflict(
            f"request id {ctx.caller_id!r} was already served (outcome {previous}); send a new "
            "id for a new request",
            param="x-ms-client-request-id",
        )

    async def peek_headers(self, ctx: RequestContext) -> dict[str, str]:
        if self.limiter is None:
            return {}
        live = ctx.live
        decision = await self.limiter.peek(live.deployment.id, live.deployment.limits)
        return decision.headers()

    async def finish(self, account: Account, events: AsyncGenerator[Event, None] | None) -> None:
        """Close the engine call, then settle and meter; once per account. Runs as its own task
        so that a client going away (which cancels the caller) cannot lose the usage record."""
        if account.settled:
            return
        account.settled = True
        task = asyncio.ensure_future(self._finish(account, events))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        await asyncio.shield(task)

    async def _finish(self, account: Account, events: AsyncGenerator[Event, None] | None) -> None:
        if events is not None:
            await events.aclose()
        ctx = account.ctx
        usage = account.usage
        try:
            if self.limiter is not None and account.decision is not None:
                # Settling only frees capacity for later requests: the response need not wait.
                self._spawn(
                    self.limiter.settle(
                        ctx.live.deployment.id,
                        account.decision,
                        account.reserved,
                        usage.total_tokens,
                    )
                )
            if self.metering is not None:
                await self.metering.record(self.record(account, usage))
            account.recorded = True
        finally:
            log.info(
                "request %s deployment=%s dialect=%s prompt_tokens=%d completion_tokens=%d "
                "outcome=%s latency_ms=%.1f",
                ctx.request_id,
                ctx.live.name,
                ctx.dialect,
                usage.prompt_tokens,
                usage.completion_tokens,
                account.outcome,
                (time.perf_counter() - ctx.started) * 1000,
            )

    @staticmethod
    def record(account: Account, usage: Usage) -> UsageRecord:
        ctx = account.ctx
        d = ctx.live.deployment
        return UsageRecord(
            request_id=ctx.request_id,
            time=datetime.fromtimestamp(ctx.created_at, UTC),
            project_id=d.project_id,
            subscription_id=d.subscription_id,
            offer_id=d.offer_id,
            deployment_id=d.id,
            deployment=d.name,
            key_slot=ctx.key_slot.value if ctx.key_slot is not None else "token",
            dialect=ctx.dialect,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            outcome=account.outcome,
            latency_ms=round((time.perf_counter() - ctx.started) * 1000, 3),
            replaces_failed=account.replaces_failed,
            instance_type=d.instance_type or "",  # managed: tokens counted, not priced
        )

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for requests being metered and settlements (at shutdown, before the ledger
        closes)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
