"""The completion guard: content safety applied to a canonical event stream.

:func:`guard_stream` wraps an engine's :data:`~modelport.inference.types.Event` stream, in one
of the policy's streaming modes (:class:`~modelport.policy.safety.policy.StreamingMode`).

**Hold-back** (the default, fail-closed): for each choice it holds text back in a window (a
small first one, then the policy's ``window_chars``), classifies it (with released context
before and a lookahead after, see :mod:`~modelport.policy.safety.segmenter`) and releases it, on
word boundaries, only once checked.

**Asynchronous**: text is released as the engine generates it; the same windows are checked
behind it, each as soon as its lookahead has arrived and before the next text goes out, so a
violation ends the choice after at most :meth:`WindowSettings.lag_bound` characters past the
start of the offending window (the window, its lookahead, a partial word and delta at each end).

In both modes, when a check is blocked by the policy nothing more of that choice is released,
the choice ends with ``finish_reason=content_filter`` instead of the
engine's, and its remaining deltas are dropped; when moderation itself fails (classifier error
or timeout) the choice ends with ``content_filter_error``. The upstream is always consumed to the
end, so :class:`~modelport.inference.types.Usage` events still pass through and usage is
counted. Tool-call deltas are held until their choice ends, then their names and arguments are
classified as one text: released if allowed, dropped (the choice ending ``content_filter``) if
not — a generated tool call is output like any other.

The non-streamed path gets identical results by folding the hold-back guarded stream
(:func:`modelport.inference.collect.collect`) or, for a bare text, with
:func:`filter_completion` (a whole answer is always checked in hold-back mode: nothing unchecked
goes into a body).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from dataclasses import dataclass

from modelport.errors import ContentFilterFailed
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    TextDelta,
    TokenLogprob,
    ToolCallDelta,
    Usage,
)
from modelport.policy.safety.blocklist import AppliedBlocklists
from modelport.policy.safety.policy import SafetyPolicy, SafetyService, StreamingMode
from modelport.policy.safety.segmenter import (
    DEFAULT_CONTEXT_CHARS,
    DEFAULT_LOOKAHEAD_CHARS,
    DEFAULT_MAX_SEGMENT_CHARS,
    Segmenter,
    WindowSettings,
)
from modelport.policy.safety.types import SafetyResult, Stage


class _ChoiceGuard:
    """The guard state of one choice."""

    def __init__(
        self,
        index: int,
        service: SafetyService,
        policy: SafetyPolicy,
        settings: WindowSettings,
        results: dict[int, SafetyResult] | None,
        blocklists: AppliedBlocklists | None = None,
    ) -> None:
        self.index = index
        self._blocklists = blocklists
        self.closed = False
        self._service = service
        self._policy = policy
        self._segmenter = Segmenter(settings)
        self._logprobs: list[tuple[int, tuple[TokenLogprob, ...]]] = []
        self._result = SafetyResult()
        self._calls: list[ToolCallDelta] = []
        self._results = results
        if results is not None:
            results[index] = self._result

    def feed(self, delta: TextDelta) -> None:
        self._segmenter.feed(delta.text)
        if delta.logprobs:
            self._logprobs.append((self._segmenter.total, delta.logprobs))

    def hold(self, delta: ToolCallDelta) -> None:
        self._calls.append(delta)

    async def release_calls(self) -> list[Event]:
        """The held tool-call deltas once their text is checked, or the stop if blocked."""
        calls, self._calls = self._calls, []
        text = "\n".join(
            part for c in calls for part in (c.name, c.arguments) if part and part.strip()
        )
        if text.strip():
            try:
                result = await self._classify(text)
            except ContentFilterFailed:
                return self._stop(FinishReason.CONTENT_FILTER_ERROR)
            self._record(result)
            if self._policy.blocks(result, Stage.COMPLETION):
                return self._stop(FinishReason.CONTENT_FILTER)
        return list(calls)

    async def _classify(self, text: str) -> SafetyResult:
        """The classifier's verdict on ``text``, with the custom blocklists' hits."""
        result = await self._service.classify(text, Stage.COMPLETION)
        if self._blocklists:
            result = result.with_blocklists(self._blocklists.check(text))
        return result

    def _take_logprobs(self, end: int) -> tuple[TokenLogprob, ...]:
        taken: list[TokenLogprob] = []
        while self._logprobs and self._logprobs[0][0] <= end:
            taken.extend(self._logprobs.pop(0)[1])
        return tuple(taken)

    def _record(self, result: SafetyResult) -> None:
        self._result = self._result.merge(result)
        if self._results is not None:
            self._results[self.index] = self._result

    def _stop(self, reason: FinishReason) -> list[Event]:
        self.closed = True
        self._logprobs.clear()
        return [ChoiceEnd(self.index, reason)]

    async def advance(self, final: bool) -> list[Event]:
        """Check and release whatever can be decided now; ``final``: the choice has ended."""
        out: list[Event] = []
        while (check := self._segmenter.next_check(final)) is not None:
            if check.text.strip():
                try:
                    result = await self._classify(check.text)
                except ContentFilterFailed:
                    return out + self._stop(FinishReason.CONTENT_FILTER_ERROR)
                self._record(result)
                if self._policy.blocks(result, Stage.COMPLETION):
                    return out + self._stop(FinishReason.CONTENT_FILTER)
            text = self._segmenter.release(check.release_end)
            logprobs = self._take_logprobs(check.release_end)
            if text or logprobs:
                out.append(TextDelta(self.index, text, logprobs))
        if final and self._logprobs:
            out.append(TextDelta(self.index, "", self._take_logprobs(self._segmenter.total)))
        return out

    async def behind(self, delta: TextDelta | None, final: bool) -> list[Event]:
        """Asynchronous mode: run the checks that can be decided now (over text already
        released), then release ``delta`` as it came, unless a check blocked."""
        if delta is not None:
            self._segmenter.feed(delta.text)
        while (check := self._segmenter.next_check(final)) is not None:
            if check.text.strip():
                try:
                    result = await self._classify(check.text)
                except ContentFilterFailed:
                    return self._stop(FinishReason.CONTENT_FILTER_ERROR)
                self._record(result)
                if self._policy.blocks(result, Stage.COMPLETION):
                    return self._stop(FinishReason.CONTENT_FILTER)
            self._segmenter.release(check.release_end)  # bookkeeping: the text is out already
        return [delta] if delta is not None else []


def window_settings(
    policy: SafetyPolicy,
    *,
    window_chars: int | None = None,
    first_window_chars: int | None = None,
    lookahead_chars: int = DEFAULT_LOOKAHEAD_CHARS,
    context_chars: int = DEFAULT_CONTEXT_CHARS,
) -> WindowSettings:
    """The guard's windows: the policy's, unless given."""
    window = window_chars if window_chars is not None else policy.window_chars
    first = first_window_chars if first_window_chars is not None else policy.first_window_chars
    if window_chars is not None and first_window_chars is None:
        first = window  # an explicit window applies from the start
    return WindowSettings(
        window_chars=window,
        first_window_chars=min(first, window),
        lookahead_chars=lookahead_chars,
        context_chars=context_chars,
        max_segment_chars=max(DEFAULT_MAX_SEGMENT_CHARS, window),
    )


async def guard_stream(
    events: AsyncIterable[Event],
    service: SafetyService,
    policy: SafetyPolicy | None = None,
    *,
    mode: StreamingMode = StreamingMode.HOLD_BACK,
    window_chars: int | None = None,
    first_window_chars: int | None = None,
    lookahead_chars: int = DEFAULT_LOOKAHEAD_CHARS,
    context_chars: int = DEFAULT_CONTEXT_CHARS,
    results: dict[int, SafetyResult] | None = None,
    blocklists: AppliedBlocklists | None = None,
) -> AsyncGenerator[Event, None]:
    """Apply completion content safety to ``events`` (see the module docstring).

    ``policy`` defaults to the service's. If ``results`` is given, it receives, per choice
    index, the merged :class:`SafetyResult` of everything checked so far (for
    ``content_filter_results`` annotations). ``blocklists`` are checked on the same windows.
    A disabled policy passes the stream through.
    """
    policy = policy or service.policy
    if not policy.enabled:
        async for event in events:
            yield event
        return
    settings = window_settings(
        policy,
        window_chars=window_chars,
        first_window_chars=first_window_chars,
        lookahead_chars=lookahead_chars,
        context_chars=context_chars,
    )
    asynchronous = mode is StreamingMode.ASYNCHRONOUS
    guards: dict[int, _ChoiceGuard] = {}
    try:
        async for event in events:
            if isinstance(event, Usage):
                yield event
                continue
            guard = guards.get(event.index)
            if guard is None:
                guard = guards[event.index] = _ChoiceGuard(
                    event.index, service, policy, settings, results, blocklists
                )
            if guard.closed:
                continue  # a stopped (or finished) choice: drop, but keep consuming
            if isinstance(event, TextDelta):
                if asynchronous:
                    released = await guard.behind(event, final=False)
                else:
                    guard.feed(event)
                    released = await guard.advance(final=False)
                for out in released:
                    yield out
            elif isinstance(event, ChoiceEnd):
                ended = (
                    await guard.behind(None, final=True)
                    if asynchronous
                    else await guard.advance(final=True)
                )
                for out in ended:
                    yield out
                if not guard.closed:
                    for out in await guard.release_calls():
                        yield out
                if not guard.closed:
                    guard.closed = True
                    yield event
            else:
                guard.hold(event)
        for guard in guards.values():  # the engine stopped without ending these choices
            if not guard.closed:
                rest = (
                    await guard.behind(None, final=True)
                    if asynchronous
                    else await guard.advance(final=True)
                )
                for out in rest:
                    yield out
            if not guard.closed:
                for out in await guard.release_calls():
                    yield out
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            closing = close()
            if inspect.isawaitable(closing):
                await closing


@dataclass(frozen=True, slots=True)
class FilteredCompletion:
    """A whole completion after the guard: visible text, finish reason and safety result."""

    text: str
    finish_reason: FinishReason | None
    result: SafetyResult


async def filter_completion(
    text: str,
    service: SafetyService,
    policy: SafetyPolicy | None = None,
    *,
    finish_reason: FinishReason = FinishReason.STOP,
    window_chars: int | None = None,
    lookahead_chars: int = DEFAULT_LOOKAHEAD_CHARS,
    context_chars: int = DEFAULT_CONTEXT_CHARS,
) -> FilteredCompletion:
    """Guard a non-streamed completion: the same checks, text and finish reason as streaming."""

    async def single() -> AsyncIterator[Event]:
        yield TextDelta(0, text)
        yield ChoiceEnd(0, finish_reason)

    results: dict[int, SafetyResult] = {}
    parts: list[str] = []
    reason: FinishReason | None = None
    guarded = guard_stream(
        single(),
        service,
        policy,
        window_chars=window_chars,
        lookahead_chars=lookahead_chars,
        context_chars=context_chars,
        results=results,
    )
    async for event in guarded:
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, ChoiceEnd):
            reason = event.finish_reason
    return FilteredCompletion("".join(parts), reason, results.get(0, SafetyResult()))
