"""Content safety in the pipeline: the prompt before generation, the completion as it streams.

The deployment's policy (``LiveDeployment.safety``, kept in the live registry) is read once per
request. :meth:`Moderation.check_prompt` classifies everything the caller sent (message contents,
tool call arguments, the prompt, documents) as one text and raises
:class:`~modelport.errors.ContentFiltered` (400) or, when moderation itself fails,
:class:`~modelport.errors.ContentFilterFailed` (500): fail closed, before the 200 (tool
definitions and JSON schemas included). Custom blocklists
(:mod:`modelport.policy.safety.blocklist`) of the deployment and the platform are checked on the
same texts as the classifier, prompt and completion; a hit blocks. It returns the
request's :class:`Screening`: its :class:`~modelport.policy.safety.report.SafetyReport` (which the
dialects render as annotations) and the guard of its completion.

:meth:`Screening.guard` wraps the engine's (already counted) events in
:func:`~modelport.policy.safety.guard_stream`, in the policy's streaming mode: a blocked choice
ends with ``content_filter``, a failed check with ``content_filter_error``. The stream and the
non-streamed body are folded from the same guarded events, so they agree. Once every choice has
been stopped while the engine is still generating, the engine call is closed (the caller is not
billed for text nobody will see).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

from modelport.errors import ContentFiltered, ContentFilterFailed
from modelport.inference.context import RequestContext
from modelport.inference.types import ChoiceEnd, Event, FinishReason, InferenceRequest
from modelport.policy.safety import SafetyService, Stage, guard_stream
from modelport.policy.safety.blocklist import AppliedBlocklists, BlocklistSet
from modelport.policy.safety.metrics import SafetyMetrics
from modelport.policy.safety.policy import StreamingMode
from modelport.policy.safety.report import SafetyReport

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
        if tool.parameters:  # one line per schema word or text: each is judged on its own
            parts.append("\n".join(schema_text(tool.parameters)))
    if request.response_format.json_schema:
        parts.append("\n".join(schema_text(request.response_format.json_schema)))
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

    async def check_prompt(self, ctx: RequestContext, request: InferenceRequest) -> Screening:
        """Check the prompt under the deployment's policy (as this request found it)."""
        policy = ctx.live.safety
        mode = policy.streaming_mode if request.stream else StreamingMode.HOLD_BACK
        report = SafetyReport(policy, mode)
        if not report.enabled:
            return Screening(self, ctx, report)
        try:
            report.prompt = await self.service.check_prompt(
                prompt_text(request), report.policy, self.applied_blocklists(ctx)
            )
        except ContentFiltered:
            if self.metrics is not None:
                self.metrics.prompt_filtered(ctx.live.name)
            raise
        except ContentFilterFailed:
            if self.metrics is not None:
                self.metrics.failed(ctx.live.name, Stage.PROMPT)
            raise
        return Screening(self, ctx, report)


class Screening:
    """The content safety of one request whose prompt passed."""

    def __init__(self, moderation: Moderation, ctx: RequestContext, report: SafetyReport) -> None:
        self.moderation = moderation
        self.ctx = ctx
        self.report = report

    def guard(
        self, events: AsyncGenerator[Event, None], choices: int
    ) -> AsyncGenerator[Event, None]:
        """``events`` with completion safety applied (unchanged when the policy is off)."""
        if not self.report.enabled:
            return events
        return self._guarded(events, max(1, choices))

    async def _guarded(
        self, events: AsyncGenerator[Event, None], choices: int
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

        guarded = guard_stream(
            tap(),
            self.moderation.service,
            self.report.policy,
            mode=self.report.mode,
            results=self.report.completions,
            blocklists=self.moderation.applied_blocklists(self.ctx),
        )
        ended: set[int] = set()
        stopped = False
        try:
            async for event in guarded:
                if isinstance(event, ChoiceEnd):
                    ended.add(event.index)
                    if event.finish_reason in _STOPPED:
                        stopped = True
                        self._count(event.finish_reason)
                yield event
                if stopped and len(ended) >= choices and not engine_ended >= ended:
                    break  # every choice is over; the engine is still generating: stop it
        finally:
            await guarded.aclose()  # closes the engine call

    def _count(self, reason: FinishReason) -> None:
        metrics = self.moderation.metrics
        if metrics is None:
            return
        if reason is FinishReason.CONTENT_FILTER:
            metrics.completion_filtered(self.ctx.live.name)
        else:
            metrics.failed(self.ctx.live.name, Stage.COMPLETION)
