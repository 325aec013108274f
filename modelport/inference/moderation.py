"""Content safety in the pipeline: the prompt before generation, the completion as it streams.

The deployment's policy (``LiveDeployment.safety``, kept in the live registry) is read once per
request and kept on the :class:`~modelport.inference.pipeline.RequestContext`, with the results
the dialect renderers turn into ``prompt_filter_results`` / ``content_filter_results``.

- Custom blocklists (:mod:`modelport.policy.safety.blocklist`) of the deployment and the
  platform are checked on the same texts as the classifier; a hit blocks.
- :meth:`Moderation.check_prompt` classifies everything the caller sent (message contents, tool
  call arguments, the prompt, documents, tool definitions and JSON schemas) as one text and raises
  :class:`~modelport.errors.ContentFiltered` (400) or, when moderation itself fails,
  :class:`~modelport.errors.ContentFilterFailed` (500): fail closed, before the 200.
- :meth:`Moderation.guard` wraps the engine's (already metered) events in
  :func:`~modelport.policy.safety.guard_stream`: text is released only once checked; a blocked
  choice ends with ``content_filter``, a failed check with ``content_filter_error``. The stream
  and the non-streamed body are folded from the same guarded events, so they agree. Once every
  choice has been stopped while the engine is still generating, the engine call is closed (the
  caller is not billed for text nobody will see) and the metered usage is passed on.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING, cast

from modelport.errors import ContentFiltered, ContentFilterFailed
from modelport.inference.outcome import Outcome
from modelport.inference.types import ChoiceEnd, Event, FinishReason, InferenceRequest, Usage
from modelport.policy.safety import SafetyPolicy, SafetyService, Stage, guard_stream
from modelport.policy.safety.blocklist import AppliedBlocklists, BlocklistSet
from modelport.policy.safety.metrics import SafetyMetrics

if TYPE_CHECKING:
    from modelport.inference.pipeline import RequestContext

_STOPPED = (FinishReason.CONTENT_FILTER, FinishReason.CONTENT_FILTER_ERROR)


def schema_text(value: object) -> list[str]:
    """The words a JSON schema carries (descriptions, titles, enum values, property names):
    the model reads all of them."""
    found: list[str] = []
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and not key.startswith("$"):
                found.append(key.replace("_", " "))
            found.extend(schema_text(item))
    elif isinstance(value, list | tuple):
        for item in value:
            found.extend(schema_text(item))
    return found


def prompt_text(request: InferenceRequest) -> str:
    """Everything the caller sent that reaches the model, as one text: messages, tool calls,
    documents, and the tool definitions and response schema (descriptions, parameter schemas)."""
    parts: list[str] = []
    if request.prompt:
        parts.append(request.prompt)
    for message in request.messages:
        if message.content:
            parts.append(message.content)
        for call in message.tool_calls:
            parts.extend(p for p in (call.name, call.arguments) if p)
    parts.extend(document.content for document in request.documents if document.content)
    for tool in request.tools:
        parts.append(tool.name.replace("_", " "))
        if tool.description:
            parts.append(tool.description)
        if tool.parameters:
            parts.append(" ".join(schema_text(tool.parameters)))
    if request.response_format.json_schema:
        parts.append(" ".join(schema_text(request.response_format.json_schema)))
    if request.response_format.name:
        parts.append(request.response_format.name.replace("_", " "))
    return "\n\n".join(parts)


class Moderation:
    def __init__(
        self,
        service: SafetyService,
        metrics: SafetyMetrics | None = None,
        blocklists: BlocklistSet | None = None,
    ) -> None:
        self.service = service
        self.metrics = metrics
        self.blocklists = blocklists or BlocklistSet()

    def applied_blocklists(self, ctx: RequestContext) -> AppliedBlocklists:
        """The custom blocklists of this request's deployment (platform-wide ones included)."""
        return self.blocklists.for_deployment(ctx.live.deployment.id)

    def policy(self, ctx: RequestContext) -> SafetyPolicy:
        """The deployment's policy as this request found it (read once per request)."""
        if ctx.safety_policy is None:
            ctx.safety_policy = ctx.live.safety
        return ctx.safety_policy

    async def check_prompt(self, ctx: RequestContext, request: InferenceRequest) -> None:
        policy = self.policy(ctx)
        if not policy.enabled:
            return
        try:
            ctx.prompt_safety = await self.service.check_prompt(
                prompt_text(request), policy, self.applied_blocklists(ctx)
            )
        except ContentFiltered:
            ctx.outcome = Outcome.FILTERED
            if self.metrics is not None:
                self.metrics.prompt_filtered(ctx.live.name)
            raise
        except ContentFilterFailed:
            ctx.outcome = Outcome.FILTER_ERROR
            if self.metrics is not None:
                self.metrics.failed(ctx.live.name, Stage.PROMPT)
            raise

    def guard(
        self, ctx: RequestContext, events: AsyncGenerator[Event, None], choices: int
    ) -> AsyncGenerator[Event, None]:
        """``events`` with completion safety applied (unchanged when the policy is off)."""
        policy = self.policy(ctx)
        if not policy.enabled:
            return events
        return self._guarded(ctx, events, policy, max(1, choices))

    async def _guarded(
        self,
        ctx: RequestContext,
        events: AsyncGenerator[Event, None],
        policy: SafetyPolicy,
        choices: int,
    ) -> AsyncGenerator[Event, None]:
        engine_ended: set[int] = set()

        async def tap() -> AsyncIterator[Event]:
            try:
                async for event in events:
                    if isinstance(event, ChoiceEnd):
                        engine_ended.add(event.index)
                    yield event
            finally:
                await events.aclose()

        upstream = tap()
        guarded = cast(
            AsyncGenerator[Event, None],
            guard_stream(
                upstream,
                self.service,
                policy,
                results=ctx.completion_safety,
                blocklists=self.applied_blocklists(ctx),
            ),
        )
        ended: set[int] = set()
        stopped = closed_early = False
        passed = Usage(0, 0)  # usage already handed downstream
        try:
            async for event in guarded:
                if isinstance(event, Usage):
                    passed = Usage(
                        passed.prompt_tokens + event.prompt_tokens,
                        passed.completion_tokens + event.completion_tokens,
                    )
                elif isinstance(event, ChoiceEnd):
                    ended.add(event.index)
                    if event.finish_reason in _STOPPED:
                        stopped = True
                        self._count(ctx, event.finish_reason)
                yield event
                if stopped and len(ended) >= choices and not engine_ended >= ended:
                    closed_early = True  # every choice is over; the engine is still generating
                    break
        finally:
            await guarded.aclose()  # closes the engine call; settles and meters
        if closed_early:
            # What the accountant billed (counted prompt + tokens generated so far), so the
            # response's usage matches the ledger.
            rest = Usage(
                max(0, ctx.usage.prompt_tokens - passed.prompt_tokens),
                max(0, ctx.usage.completion_tokens - passed.completion_tokens),
            )
            if rest.total_tokens:
                yield rest

    def _count(self, ctx: RequestContext, reason: FinishReason) -> None:
        if reason is FinishReason.CONTENT_FILTER:
            if ctx.outcome in (Outcome.OK, Outcome.FILTER_ERROR):
                ctx.outcome = Outcome.FILTERED
            if self.metrics is not None:
                self.metrics.completion_filtered(ctx.live.name)
        else:
            if ctx.outcome == Outcome.OK:
                ctx.outcome = Outcome.FILTER_ERROR
            if self.metrics is not None:
                self.metrics.failed(ctx.live.name, Stage.COMPLETION)
