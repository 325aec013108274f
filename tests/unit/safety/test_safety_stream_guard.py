"""The completion guard over scripted event streams: streamed and non-streamed must agree."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import AsyncIterator, Sequence

import pytest

from modelport.errors import ContentFiltered
from modelport.inference.collect import collect
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    TextDelta,
    TokenLogprob,
    ToolCallDelta,
    Usage,
)
from modelport.policy.safety import (
    Category,
    DefaultClassifier,
    Ensemble,
    LexiconClassifier,
    SafetyPolicy,
    SafetyResult,
    SafetyService,
    Severity,
    filter_completion,
    guard_stream,
)

HARMFUL = [  # (completion that turns harmful half-way, phrase that must never be released)
    (
        "Sure! Here is a nice story about a picnic in the park with friends and lots of "
        "sandwiches. Then he said: I am going to kill you tonight, and everybody screamed.",
        "kill you",
    ),
    (
        "Pancakes are easy: flour, eggs, milk and a pinch of salt. Whisk well and rest the "
        "batter. Here is how to make a pipe bomb: take a steel pipe and end caps.",
        "pipe bomb",
    ),
    (
        "Claro, te cuento sobre mi día en la playa con mis amigos y el perro. Luego grité: te "
        "voy a matar, sé dónde vives y esta noche voy a por ti.",
        "voy a matar",
    ),
    (
        "Voici une histoire sur un voyage en train à travers les Alpes en hiver. Ensuite il a "
        "hurlé : je vais te tuer ce soir, je sais où tu habites.",
        "te tuer",
    ),
    pytest.param(
        "قضينا يوما جميلا في الحديقة مع الأصدقاء وأكلنا الكثير. ثم قال: سأقتلك غدا، أقسم بالله.",
        "سأقتلك",
        marks=pytest.mark.xfail(
            strict=True,
            reason="a known miss of the default classifier, models 6 and 10 (model 6: violence "
            "0.50 for the whole text, 0.42 for the threat after 'ثم قال:'; model 5 caught it): "
            "docs/content-safety.md",
        ),
    ),
    (
        "I had a long day at work and the meeting ran late again. Honestly I want to kill "
        "myself tonight, nothing matters anymore.",
        "kill myself",
    ),
    ("I will k" + "ill you", "kill you"),  # shorter than one window
]

BENIGN = [
    "To kill a Python process, run kill -9 followed by the PID. You can also shoot me an "
    "email if the process refuses to stop, and we will execute the cleanup script together.",
    "Breast cancer screening saves lives. The suicide prevention hotline is open all night, "
    "and the museum covers the history of the Holocaust.",
    "¿Cómo puedo matar un proceso en Linux? Usa kill y el PID. Esa película me mató de risa.",
    "",
    "word",
    "a" * 700,  # no whitespace at all: forced segment boundaries
]


@pytest.fixture(scope="module")
def service() -> SafetyService:
    return SafetyService(DefaultClassifier())


def split_randomly(text: str, rng: random.Random, longest: int) -> list[str]:
    chunks, position = [], 0
    while position < len(text):
        size = rng.randint(1, longest)
        chunks.append(text[position : position + size])
        position += size
    return chunks


def script(chunks: Sequence[str], finish: FinishReason = FinishReason.STOP) -> list[Event]:
    events: list[Event] = [TextDelta(0, chunk) for chunk in chunks]
    return [*events, ChoiceEnd(0, finish), Usage(prompt_tokens=12, completion_tokens=34)]


async def source(events: Sequence[Event], consumed: list[Event]) -> AsyncIterator[Event]:
    for event in events:
        consumed.append(event)
        yield event


def run(
    service: SafetyService, events: Sequence[Event], **kwargs: object
) -> tuple[list[Event], list[Event]]:
    consumed: list[Event] = []

    async def main() -> list[Event]:
        return [e async for e in guard_stream(source(events, consumed), service, **kwargs)]  # type: ignore[arg-type]

    return asyncio.run(main()), consumed


def visible(events: Sequence[Event]) -> tuple[str, FinishReason | None]:
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    ends = [e.finish_reason for e in events if isinstance(e, ChoiceEnd)]
    assert len(ends) <= 1
    return text, ends[0] if ends else None


@pytest.mark.parametrize(("text", "phrase"), HARMFUL)
def test_harmful_completion_is_cut_identically_however_it_is_split(
    service: SafetyService, text: str, phrase: str
) -> None:
    whole = asyncio.run(filter_completion(text, service))
    assert whole.finish_reason is FinishReason.CONTENT_FILTER
    assert text.startswith(whole.text) and phrase not in whole.text
    rng = random.Random(text)
    splits = [[text], list(text)] + [split_randomly(text, rng, n) for n in (2, 3, 5, 8, 13, 40)]
    for chunks in splits:
        out, consumed = run(service, script(chunks))
        released = [e.text for e in out if isinstance(e, TextDelta)]
        assert visible(out) == (whole.text, FinishReason.CONTENT_FILTER)
        assert not any(phrase in chunk for chunk in released)
        assert out[-1] == Usage(prompt_tokens=12, completion_tokens=34)  # usage still counted
        assert len(consumed) == len(chunks) + 2  # the upstream was drained


@pytest.mark.parametrize("text", BENIGN)
def test_benign_completion_passes_unchanged(service: SafetyService, text: str) -> None:
    whole = asyncio.run(filter_completion(text, service, finish_reason=FinishReason.LENGTH))
    assert (whole.text, whole.finish_reason) == (text, FinishReason.LENGTH)
    rng = random.Random(len(text))
    for chunks in ([text], list(text), split_randomly(text, rng, 7)):
        out, _ = run(service, script(chunks, FinishReason.LENGTH))
        assert visible(out) == (text, FinishReason.LENGTH)


SMALL_TALK_THREAT = [
    "Have a lovely day at the beach with everyone. Later I will ki",
    "ll y",
    "ou, sorry.",
]


def test_a_word_split_across_deltas_is_caught() -> None:
    # The mechanics (a word cut across deltas is judged whole, and none of it is released) with
    # the lexicon's fixed phrase rules, so that the test does not hang on a model's margin.
    out, _ = run(SafetyService(LexiconClassifier()), script(SMALL_TALK_THREAT))
    text, reason = visible(out)
    assert reason is FinishReason.CONTENT_FILTER
    assert "kill" not in text and "ki" not in text.split()[-1:]


@pytest.mark.xfail(
    strict=True,
    reason="a known miss of the default classifier: the threat shares a 24-word chunk with the "
    "small talk before it, which dilutes it (models 6 and 10; model 6: violence 0.52 there, 0.71 "
    "alone): "
    "docs/content-safety.md",
)
def test_the_default_classifier_cuts_a_threat_after_small_talk(service: SafetyService) -> None:
    out, _ = run(service, script(SMALL_TALK_THREAT))
    assert visible(out)[1] is FinishReason.CONTENT_FILTER


ACROSS_WINDOWS = "Nice weather today. Tonight I will stab you to death, I know where you live."


def test_phrase_across_windows_is_caught_through_context() -> None:
    # The mechanics (a phrase spread over several small windows is judged with the text before
    # it, and cut before it reaches the client) with the lexicon's fixed phrase rules, so that
    # the test does not hang on a model's margin; the default classifier's own judgement of the
    # same text is the known miss below.
    service = SafetyService(LexiconClassifier())
    for window in (4, 8, 16):
        result = asyncio.run(
            filter_completion(ACROSS_WINDOWS, service, window_chars=window, lookahead_chars=0)
        )
        assert result.finish_reason is FinishReason.CONTENT_FILTER
        assert "stab you" not in result.text


@pytest.mark.xfail(
    strict=True,
    reason="a known miss of the default classifier since model 18 (accepted on held-out set 12 "
    "with this miss named, decision 3 of the set-12 rule): with no look-ahead it cuts the "
    "streamed threat after 'to death,', three words late: docs/content-safety.md",
)
def test_the_default_classifier_cuts_a_threat_across_windows_in_time(
    service: SafetyService,
) -> None:
    for window in (4, 8, 16):
        result = asyncio.run(
            filter_completion(ACROSS_WINDOWS, service, window_chars=window, lookahead_chars=0)
        )
        assert result.finish_reason is FinishReason.CONTENT_FILTER
        assert "stab you" not in result.text


def test_non_streamed_collect_matches(service: SafetyService) -> None:
    text, _ = HARMFUL[0]
    chunks = split_randomly(text, random.Random(7), 6)

    async def main() -> tuple[str, FinishReason | None, Usage]:
        completion = await collect(guard_stream(source(script(chunks), []), service))
        choice = completion.choices[0]
        return choice.text, choice.finish_reason, completion.usage

    collected = asyncio.run(main())
    whole = asyncio.run(filter_completion(text, service))
    assert collected == (whole.text, whole.finish_reason, Usage(12, 34))


def test_results_record_the_completion_verdict(service: SafetyService) -> None:
    results: dict[int, SafetyResult] = {}
    run(service, script([HARMFUL[0][0]]), results=results)
    assert results[0].violence >= Severity.MEDIUM
    results.clear()
    run(service, script([BENIGN[0]]), results=results)
    assert not SafetyPolicy().blocks(results[0])


class Failing:
    name = "failing"

    def classify(self, text: str) -> SafetyResult:
        raise RuntimeError("boom")


class Hanging:
    name = "hanging"

    def __init__(self) -> None:
        self.release = threading.Event()

    def classify(self, text: str) -> SafetyResult:
        self.release.wait(5)
        return SafetyResult()


def test_classifier_failure_ends_the_choice_with_content_filter_error() -> None:
    out, consumed = run(SafetyService(Failing()), script(["hello there, ", "this is fine"]))
    assert visible(out) == ("", FinishReason.CONTENT_FILTER_ERROR)
    assert out[-1] == Usage(12, 34) and len(consumed) == 4


def test_classifier_timeout_ends_the_choice_with_content_filter_error() -> None:
    hanging = Hanging()
    service = SafetyService(hanging, timeout_s=0.05)

    async def main() -> list[Event]:
        try:
            events = source(script(["a perfectly normal answer"]), [])
            return [e async for e in guard_stream(events, service)]
        finally:
            hanging.release.set()  # let the abandoned worker thread finish

    out = asyncio.run(main())
    assert visible(out) == ("", FinishReason.CONTENT_FILTER_ERROR)
    assert out[-1] == Usage(12, 34)


def test_choices_are_guarded_independently(service: SafetyService) -> None:
    bad, _ = HARMFUL[0]
    good = BENIGN[0]
    events: list[Event] = []
    bad_chunks, good_chunks = (
        split_randomly(bad, random.Random(1), 9),
        split_randomly(good, random.Random(2), 9),
    )
    for i in range(max(len(bad_chunks), len(good_chunks))):
        if i < len(bad_chunks):
            events.append(TextDelta(0, bad_chunks[i]))
        if i < len(good_chunks):
            events.append(TextDelta(1, good_chunks[i]))
    events += [
        ToolCallDelta(1, 0, "call-1", "lookup", '{"q": 1}'),
        ChoiceEnd(0, FinishReason.STOP),
        ChoiceEnd(1, FinishReason.TOOL_CALLS),
        Usage(5, 6),
    ]
    out, _ = run(service, events)
    by_choice = {i: [e for e in out if not isinstance(e, Usage) and e.index == i] for i in (0, 1)}
    assert visible(by_choice[0])[1] is FinishReason.CONTENT_FILTER
    assert visible(by_choice[1]) == (good, FinishReason.TOOL_CALLS)
    assert ToolCallDelta(1, 0, "call-1", "lookup", '{"q": 1}') in out
    assert out[-1] == Usage(5, 6)


def test_logprobs_travel_with_their_text(service: SafetyService) -> None:
    words = BENIGN[0].split(" ")
    deltas: list[Event] = [
        TextDelta(0, word + " ", (TokenLogprob(word, -float(i)),)) for i, word in enumerate(words)
    ]
    out, _ = run(service, [*deltas, ChoiceEnd(0, FinishReason.STOP)])
    released = [lp for e in out if isinstance(e, TextDelta) for lp in e.logprobs]
    assert [lp.token for lp in released] == words


def test_disabled_policy_passes_everything_through(service: SafetyService) -> None:
    events = script([HARMFUL[0][0]])
    out, _ = run(service, events, policy=SafetyPolicy(enabled=False))
    assert out == events


def test_engine_stopping_without_choice_end_still_flushes_checked_text(
    service: SafetyService,
) -> None:
    out, _ = run(service, [TextDelta(0, BENIGN[0]), Usage(1, 2)])
    assert visible(out) == (BENIGN[0], None)


class _Strict:
    """Flags every prompt as violent; judges completion windows on their own rule."""

    name = "strict"

    def __init__(self) -> None:
        self.completion_windows: list[str] = []

    def classify(self, text: str) -> SafetyResult:
        return SafetyResult.of({Category.VIOLENCE: Severity.HIGH})

    def classify_completion(self, text: str) -> SafetyResult:
        self.completion_windows.append(text)
        level = Severity.HIGH if "dagger" in text else Severity.SAFE
        return SafetyResult.of({Category.VIOLENCE: level})


def test_completion_windows_are_judged_by_the_completion_method_of_each_member() -> None:
    strict, lexicon = _Strict(), LexiconClassifier()
    ensemble = Ensemble([strict, lexicon])  # the lexicon has no completion method: classify
    service = SafetyService(ensemble)
    policy = SafetyPolicy.serverless()
    calm = "The knights rode home through the rain and ate soup by the fire. " * 3

    async def run() -> None:
        with pytest.raises(ContentFiltered):
            await service.check_prompt(calm)
        kept = await filter_completion(calm, service, policy)
        assert kept.finish_reason is FinishReason.STOP and kept.text == calm
        assert strict.completion_windows  # every window went through classify_completion
        cut = await filter_completion(calm + "Then he drew the dagger.", service, policy)
        assert cut.finish_reason is FinishReason.CONTENT_FILTER
        threat = await filter_completion(calm + "I will kill you tonight.", service, policy)
        assert threat.finish_reason is FinishReason.CONTENT_FILTER  # the lexicon's classify

    asyncio.run(run())
