"""The request pipeline: one canonical request through its stages, as one event stream.

The stages, in order (:meth:`Pipeline.open` reads as this list):

1. **prepare**: the model adapter's quirks (a default system prompt);
2. **count**: the prompt's tokens, as the engine will count them (``Engine.count_prompt_tokens``),
   and **fit** ``max_tokens`` to the context (``inference/lengths.py``), pass-through knobs bounded;
3. **admit**: reserve against the deployment's rate limits → the request's
   :class:`~modelport.inference.accounting.Account`;
4. **check the prompt**: content safety → the request's
   :class:`~modelport.inference.moderation.Screening` (a refused prompt is metered);
5. around the engine's events, innermost first: **tally** (the account counts what the engine
   sends), **guard** (completion safety), **settle** (outcome, metering; the end is released
   once the usage record is durable).

A request that may generate nothing (``max_tokens`` 0, where its dialect allows it) is answered
without the engine: each choice ends with ``length`` and the usage is the counted prompt and 0
completion tokens, admitted, checked and metered like any other request.

Everything that can fail before the first byte (validation, auth, limits, prompt safety, engine
availability) fails inside :meth:`Pipeline.open`, which also fetches the first event, so the
gateway answers with a proper error status instead of a broken 200 stream.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

from modelport.engines.base import Engine
from modelport.errors import DeploymentNotReady, ModelportError
from modelport.inference.accounting import Account, Accountant
from modelport.inference.context import RequestContext
from modelport.inference.lengths import fit_to_context
from modelport.inference.live import LiveDeployment
from modelport.inference.moderation import Moderation, Screening
from modelport.inference.types import ChoiceEnd, Event, FinishReason, InferenceRequest, Usage
from modelport.models.adapter import ModelAdapter
from modelport.policy.safety.report import SafetyReport


class PrimedStream:
    """An event stream whose first event is already in hand, with what the stages returned."""

    def __init__(
        self,
        ctx: RequestContext,
        first: Event | None,
        rest: AsyncGenerator[Event, None],
        account: Account,
        screening: Screening | None,
    ) -> None:
        self.ctx = ctx
        self.account = account
        self.screening = screening
        self._first = first
        self._rest = rest

    @property
    def limit_headers(self) -> dict[str, str]:
        return self.account.limit_headers

    @property
    def usage(self) -> Usage:
        """What the request is billed: final once the stream has ended."""
        return self.account.usage

    @property
    def billed(self) -> Usage | None:
        """The usage recorded in the ledger for this request; None while (or if) it is not."""
        return self.account.usage if self.account.recorded else None

    @property
    def safety(self) -> SafetyReport | None:
        return self.screening.report if self.screening is not None else None

    async def __aiter__(self) -> AsyncIterator[Event]:
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        async for event in self._rest:
            yield event

    async def aclose(self) -> None:
        await self._rest.aclose()


async def nothing_generated(
    request: InferenceRequest, prompt_tokens: int
) -> AsyncGenerator[Event, None]:
    """The events of a request with ``max_tokens`` 0: every choice ends at its length at once."""
    for index in range(max(1, request.sampling.n)):
        yield ChoiceEnd(index, FinishReason.LENGTH)
    yield Usage(prompt_tokens, 0)


class Pipeline:
    def __init__(
        self, accountant: Accountant | None = None, moderation: Moderation | None = None
    ) -> None:
        self._adapters: dict[str, ModelAdapter] = {}
        self.accountant = accountant if accountant is not None else Accountant()
        self.moderation = moderation

    def _adapter(self, live: LiveDeployment) -> ModelAdapter:
        adapter = self._adapters.get(live.offer.id)
        if adapter is None:
            adapter = self._adapters[live.offer.id] = ModelAdapter(live.offer)
        return adapter

    @staticmethod
    def _engine(live: LiveDeployment) -> Engine:
        if live.engine is None:
            raise DeploymentNotReady(
                f"deployment {live.name!r} is {live.deployment.state.value}", retry_after=5
            )
        return live.engine

    async def open(self, ctx: RequestContext, request: InferenceRequest) -> PrimedStream:
        engine = self._engine(ctx.live)
        adapter = self._adapter(ctx.live)
        request = adapter.prepare(request)
        prompt_tokens = await engine.count_prompt_tokens(request)
        # Bounded before admission: the reservation is exactly what the engine may generate.
        request = engine.bound_extra(fit_to_context(request, prompt_tokens, engine.context))
        account = await self.accountant.admit(ctx, request, prompt_tokens)
        screening: Screening | None = None
        if self.moderation is not None:
            try:
                screening = await self.moderation.check_prompt(ctx, request)
            except ModelportError as error:
                error.headers.update(account.limit_headers)
                await account.refused(error)  # a refused prompt is metered, its tokens freed
                raise
        generated = (
            nothing_generated(request, prompt_tokens)
            if request.sampling.max_tokens == 0
            else adapter.generate(engine, request)
        )
        events: AsyncGenerator[Event, None] = account.tally(generated)
        if screening is not None:
            events = screening.guard(events, request.sampling.n)
        events = account.settle(events)
        try:
            first = await anext(events, None)
        except ModelportError as error:
            error.headers.update(account.limit_headers)
            await events.aclose()
            raise
        except BaseException:
            await events.aclose()
            raise
        return PrimedStream(ctx, first, events, account, screening)

    async def drain(self) -> None:
        """Wait for requests that are being metered (at shutdown, before the ledger closes)."""
        await self.accountant.drain()
