"""The request pipeline: model adapter → limits → prompt safety → engine → metering →
completion safety, as one event stream.

Everything that can fail before the first byte (validation, auth, limits, prompt safety, engine
availability) fails inside :meth:`Pipeline.open`, which also fetches the first event, so the
gateway answers with a proper error status instead of a broken 200 stream.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field

from modelport.control.live import LiveDeployment
from modelport.domain.deployments import KeySlot
from modelport.errors import DeploymentNotReady, ModelportError
from modelport.inference.accounting import Accountant
from modelport.inference.moderation import Moderation
from modelport.inference.outcome import Outcome
from modelport.inference.types import Event, InferenceRequest, TextDelta, ToolCallDelta, Usage
from modelport.models.adapter import ModelAdapter
from modelport.policy.limits.base import Decision
from modelport.policy.safety import SafetyPolicy, SafetyResult

log = logging.getLogger("modelport.requests")


@dataclass
class RequestContext:
    live: LiveDeployment
    key_slot: KeySlot | None  # None: a principal's bearer token, not a deployment key
    dialect: str
    request_id: str = field(default_factory=lambda: f"req-{uuid.uuid4().hex}")
    started: float = field(default_factory=time.perf_counter)
    created_at: float = field(default_factory=time.time)
    usage: Usage = field(default_factory=lambda: Usage(0, 0))
    outcome: str = Outcome.OK
    # Accounting (see inference/accounting.py).
    prompt_estimate: int = 0  # the prompt as the engine's tokenizer counted it at admission
    reserved: int = 0  # tokens reserved against the rate limit
    decision: Decision | None = None
    limit_headers: dict[str, str] = field(default_factory=dict)
    usage_events: int = 0  # Usage events the engine sent
    streamed_tokens: int = 0  # token events streamed (billed when the final usage never came)
    # Content safety (see inference/moderation.py): the policy the request was checked under,
    # and the results the dialects render as prompt/content filter annotations.
    safety_policy: SafetyPolicy | None = None
    prompt_safety: SafetyResult | None = None
    completion_safety: dict[int, SafetyResult] = field(default_factory=dict)

    @property
    def created(self) -> int:
        return int(self.created_at)


class PrimedStream:
    """An event stream whose first event is already in hand."""

    def __init__(
        self, ctx: RequestContext, first: Event | None, rest: AsyncGenerator[Event, None]
    ) -> None:
        self.ctx = ctx
        self._first = first
        self._rest = rest

    async def __aiter__(self) -> AsyncIterator[Event]:
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        async for event in self._rest:
            yield event

    async def aclose(self) -> None:
        await self._rest.aclose()


class Pipeline:
    def __init__(
        self, accountant: Accountant | None = None, moderation: Moderation | None = None
    ) -> None:
        self._adapters: dict[str, ModelAdapter] = {}
        self.accountant = accountant
        self.moderation = moderation
        self._finishing: set[asyncio.Task[None]] = set()

    def _adapter(self, live: LiveDeployment) -> ModelAdapter:
        adapter = self._adapters.get(live.offer.id)
        if adapter is None:
            adapter = self._adapters[live.offer.id] = ModelAdapter(live.offer)
        return adapter

    async def open(self, ctx: RequestContext, request: InferenceRequest) -> PrimedStream:
        engine = ctx.live.engine
        if engine is None:
            raise DeploymentNotReady(
                f"deployment {ctx.live.name!r} is {ctx.live.deployment.state.value}",
                retry_after=5,
            )
        adapter = self._adapter(ctx.live)
        if self.accountant is not None:
            await self.accountant.admit(ctx, engine, adapter.prepare(request))
        if self.moderation is not None:
            try:
                await self.moderation.check_prompt(ctx, request)
            except ModelportError:
                await self._settle(ctx, None)  # a refused prompt is metered, its tokens freed
                raise
        generated = adapter.generate(engine, request)
        events: AsyncGenerator[Event, None] = self._account(ctx, generated)
        if self.moderation is not None:
            events = self.moderation.guard(ctx, events, request.sampling.n)
        try:
            first = await anext(events, None)
        except BaseException:
            await events.aclose()
            raise
        return PrimedStream(ctx, first, events)

    async def _account(
        self, ctx: RequestContext, events: AsyncIterator[Event]
    ) -> AsyncGenerator[Event, None]:
        finished = False
        try:
            async for event in events:
                if isinstance(event, Usage):
                    ctx.usage_events += 1
                    ctx.usage = Usage(
                        ctx.usage.prompt_tokens + event.prompt_tokens,
                        ctx.usage.completion_tokens + event.completion_tokens,
                    )
                elif isinstance(event, TextDelta | ToolCallDelta):
                    ctx.streamed_tokens += 1
                yield event
            finished = True
        except ModelportError:
            ctx.outcome = Outcome.ERROR
            raise
        finally:
            if not finished and ctx.outcome == Outcome.OK:
                ctx.outcome = Outcome.DISCONNECTED
            await self._settle(ctx, events)

    async def _settle(self, ctx: RequestContext, events: AsyncIterator[Event] | None) -> None:
        # Stop the engine, then settle and meter. Runs as its own task so that a client
        # going away (which cancels this one) cannot lose the usage record; the stream's
        # last event is released only once the record is durable.
        task = asyncio.ensure_future(self._finish(ctx, events))
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)
        await asyncio.shield(task)

    async def _finish(self, ctx: RequestContext, events: AsyncIterator[Event] | None) -> None:
        if isinstance(events, AsyncGenerator):
            await events.aclose()
        try:
            if self.accountant is not None:
                await self.accountant.finish(ctx)
        finally:
            log.info(
                "request %s deployment=%s dialect=%s prompt_tokens=%d completion_tokens=%d "
                "outcome=%s latency_ms=%.1f",
                ctx.request_id,
                ctx.live.name,
                ctx.dialect,
                ctx.usage.prompt_tokens,
                ctx.usage.completion_tokens,
                ctx.outcome,
                (time.perf_counter() - ctx.started) * 1000,
            )

    async def drain(self) -> None:
        """Wait for requests that are being metered (at shutdown, before the ledger closes)."""
        while self._finishing:
            await asyncio.gather(*list(self._finishing), return_exceptions=True)
        if self.accountant is not None:
            await self.accountant.drain()
