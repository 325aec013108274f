"""The two streaming modes of the completion guard.

Asynchronous: text goes out as the engine generates it and is checked in windows behind it; a
harmful completion is cut with ``content_filter`` within the stated lag
(``WindowSettings.lag_bound``); benign text streams token by token (each engine delta is passed
on before the next one is even read). Hold-back: the first text waits only for the small first
window.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence

import pytest

from modelport.inference.types import ChoiceEnd, Event, FinishReason, TextDelta, Usage
from modelport.policy.safety import (
    DefaultClassifier,
    SafetyPolicy,
    SafetyResult,
    SafetyService,
    filter_completion,
    guard_stream,
)
from modelport.policy.safety.policy import StreamingMode
from modelport.policy.safety.stream_guard import window_settings
from tests.unit.safety.test_safety_stream_guard import BENIGN, HARMFUL

ASYNC = SafetyPolicy(streaming_mode=StreamingMode.ASYNCHRONOUS)


@pytest.fixture(scope="module")
def service() -> SafetyService:
    return SafetyService(DefaultClassifier())


def tokens(text: str) -> list[str]:
    """The text in token-sized deltas (a word or its leading space and the word)."""
    return re.findall(r"\s*\S+|\s+", text)


def events(text: str) -> list[Event]:
    deltas: list[Event] = [TextDelta(0, t) for t in tokens(text)]
    return [*deltas, ChoiceEnd(0, FinishReason.STOP), Usage(10, len(deltas))]


async def traced(script: Sequence[Event], log: list[str]) -> AsyncIterator[Event]:
    for event in script:
        log.append(f"in:{event.text}" if isinstance(event, TextDelta) else "in:other")
        yield event


def run(
    service: SafetyService, script: Sequence[Event], policy: SafetyPolicy, mode: StreamingMode
) -> tuple[list[Event], list[str]]:
    log: list[str] = []

    async def main() -> list[Event]:
        out: list[Event] = []
        async for event in guard_stream(traced(script, log), service, policy, mode=mode):
            if isinstance(event, TextDelta):
                log.append(f"out:{event.text}")
            out.append(event)
        return out

    return asyncio.run(main()), log


@pytest.mark.parametrize(("text", "phrase"), HARMFUL[:-1])
def test_asynchronous_cuts_a_harmful_completion_within_the_stated_lag(
    service: SafetyService, text: str, phrase: str
) -> None:
    out, _ = run(service, events(text), ASYNC, StreamingMode.ASYNCHRONOUS)
    released = "".join(e.text for e in out if isinstance(e, TextDelta))
    ends = [e.finish_reason for e in out if isinstance(e, ChoiceEnd)]
    assert ends == [FinishReason.CONTENT_FILTER]
    assert text.startswith(released)  # what went out went out as generated
    # The cut comes within the bound: no more than lag_bound characters past the start of the
    # window that holds the offending phrase (which starts at most one window before it).
    settings = window_settings(ASYNC)
    longest = max(len(t) for t in tokens(text))
    offending = text.index(phrase)
    window_start = max(0, offending - settings.max_segment_chars)
    bound = settings.lag_bound(longest)
    assert len(released) - offending <= bound, (len(released) - offending, bound)
    # ...and well before the end of a long completion.
    assert len(released) < len(text) or len(text) - offending <= bound
    assert len(released) >= window_start
    # The usage still comes through.
    assert isinstance(out[-1], Usage)


def test_the_lag_bound_is_measured_on_a_long_completion(service: SafetyService) -> None:
    text = HARMFUL[0][0] + " " + " ".join(["and the day went on quietly in the park"] * 10)
    out, _ = run(service, events(text), ASYNC, StreamingMode.ASYNCHRONOUS)
    released = "".join(e.text for e in out if isinstance(e, TextDelta))
    lag = len(released) - text.index("kill you")
    settings = window_settings(ASYNC)
    assert 0 < lag <= settings.lag_bound(max(len(t) for t in tokens(text)))
    assert len(released) < len(text) - 200  # the long benign tail never went out


@pytest.mark.parametrize("text", [t for t in BENIGN if t.strip() and " " in t])
def test_asynchronous_streams_benign_text_token_by_token(service: SafetyService, text: str) -> None:
    out, log = run(service, events(text), ASYNC, StreamingMode.ASYNCHRONOUS)
    deltas = [e.text for e in out if isinstance(e, TextDelta)]
    assert deltas == tokens(text)  # the engine's deltas, unchanged, one by one
    # Each delta went out before the next one was read (nothing is held back).
    alternating = [entry for t in tokens(text) for entry in (f"in:{t}", f"out:{t}")]
    assert log[: len(alternating)] == alternating
    assert [e.finish_reason for e in out if isinstance(e, ChoiceEnd)] == [FinishReason.STOP]


def test_hold_back_releases_the_first_text_after_the_first_window(
    service: SafetyService,
) -> None:
    text = BENIGN[0]
    out, log = run(service, events(text), SafetyPolicy(), StreamingMode.HOLD_BACK)
    first_out = next(i for i, entry in enumerate(log) if entry.startswith("out:"))
    read = "".join(e[3:] for e in log[:first_out] if e.startswith("in:") and e != "in:other")
    policy = SafetyPolicy()
    # The first window (12 characters) and its lookahead, to the next word boundaries.
    assert len(read) <= policy.first_window_chars * 2 + max(len(t) for t in tokens(text)) * 2
    assert "".join(e.text for e in out if isinstance(e, TextDelta)) == text
    # A larger first window is a policy setting.
    wide = SafetyPolicy(first_window_chars=48)
    _, log = run(service, events(text), wide, StreamingMode.HOLD_BACK)
    first_out = next(i for i, entry in enumerate(log) if entry.startswith("out:"))
    read_wide = "".join(e[3:] for e in log[:first_out] if e.startswith("in:") and e != "in:other")
    assert len(read_wide) > len(read) and len(read_wide) >= 48


def test_asynchronous_fails_closed_when_the_classifier_fails() -> None:
    class Broken:
        name = "broken"
        inline_chars = 10_000

        def classify(self, text: str) -> SafetyResult:
            raise RuntimeError("down")

    out, _ = run(SafetyService(Broken()), events(BENIGN[0]), ASYNC, StreamingMode.ASYNCHRONOUS)
    ends = [e.finish_reason for e in out if isinstance(e, ChoiceEnd)]
    assert ends == [FinishReason.CONTENT_FILTER_ERROR]
    released = "".join(e.text for e in out if isinstance(e, TextDelta))
    assert len(released) <= window_settings(ASYNC).lag_bound(16)


def test_a_whole_answer_is_always_checked_before_it_is_sent(service: SafetyService) -> None:
    text, phrase = HARMFUL[0]
    whole = asyncio.run(filter_completion(text, service, ASYNC))
    assert whole.finish_reason is FinishReason.CONTENT_FILTER and phrase not in whole.text


def test_policy_windows_are_validated() -> None:
    with pytest.raises(ValueError):
        SafetyPolicy(window_chars=4)
    with pytest.raises(ValueError):
        SafetyPolicy(streaming_mode="eventually")  # type: ignore[arg-type]
    assert SafetyPolicy().updated({"streaming_mode": "asynchronous"}).streaming_mode is (
        StreamingMode.ASYNCHRONOUS
    )
