"""The default classifier against the labelled corpus, plus normalisation and evasion cases."""

from __future__ import annotations

from collections import Counter

import pytest
from safety_corpus import (
    BENIGN,
    HARMFUL,
    JAILBREAK,
    NOT_JAILBREAK,
    NOT_PROFANITY,
    PROFANITY,
    Case,
)
from safety_corpus_extra import EXTRA_BENIGN, EXTRA_HARMFUL
from safety_corpus_holdout import HOLDOUT_BENIGN, HOLDOUT_HARMFUL

from modelport.policy.safety import Category, LexiconClassifier, SafetyPolicy, Severity
from modelport.policy.safety.normalize import normalize, normalize_variants

RECALL_FLOOR = 0.9
PRECISION_FLOOR = 0.95
ALL_HARMFUL = HARMFUL + EXTRA_HARMFUL + HOLDOUT_HARMFUL
ALL_BENIGN = BENIGN + EXTRA_BENIGN + HOLDOUT_BENIGN
ALL_CASES: list[Case] = ALL_HARMFUL + ALL_BENIGN


@pytest.fixture(scope="module")
def classifier() -> LexiconClassifier:
    return LexiconClassifier()


def _flagged(classifier: LexiconClassifier, text: str) -> set[Category]:
    result = classifier.classify(text)
    return {c for c in Category if result.severity(c) >= Severity.MEDIUM}


def test_corpus_sizes() -> None:
    per_category = Counter(c for case in HARMFUL for c in case.flags)
    assert all(per_category[c] >= 15 for c in Category), per_category
    assert len(BENIGN) >= 60
    assert {case.lang for case in HARMFUL} == {"en", "es", "fr", "pt", "it", "nl", "de", "ar", "he"}


def test_precision_and_recall_per_category(
    classifier: LexiconClassifier, capsys: pytest.CaptureFixture[str]
) -> None:
    stats = {c: Counter[str]() for c in Category}
    misses: list[str] = []
    for case in ALL_CASES:
        got = _flagged(classifier, case.text)
        for category in Category:
            expected = category in case.flags
            flagged = category in got
            if expected and flagged:
                stats[category]["tp"] += 1
            elif expected:
                stats[category]["fn"] += 1
                misses.append(f"missed {category.value}: {case.text}")
            elif flagged and category not in case.tolerated:
                stats[category]["fp"] += 1
                misses.append(f"false {category.value}: {case.text}")
    lines = [
        f"content safety: {len(ALL_HARMFUL)} harmful + {len(ALL_BENIGN)} benign labelled texts, "
        "flagged = severity >= medium"
    ]
    lines.append(
        f"{'category':<10} {'pos':>4} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}"
    )
    scores = {}
    for category, s in stats.items():
        precision = s["tp"] / ((s["tp"] + s["fp"]) or 1)
        recall = s["tp"] / ((s["tp"] + s["fn"]) or 1)
        scores[category] = (precision, recall)
        lines.append(
            f"{category.value:<10} {s['tp'] + s['fn']:>4} {s['tp']:>4} {s['fp']:>4} {s['fn']:>4} "
            f"{precision:>9.3f} {recall:>7.3f}"
        )
    with capsys.disabled():
        print("\n" + "\n".join(lines + misses))
    for category, (precision, recall) in scores.items():
        assert recall >= RECALL_FLOOR, (category, recall, misses)
        assert precision >= PRECISION_FLOOR, (category, precision, misses)


@pytest.mark.parametrize("case", ALL_BENIGN, ids=lambda c: c.text[:40])
def test_no_benign_text_is_blocked(classifier: LexiconClassifier, case: Case) -> None:
    result = classifier.classify(case.text)
    assert not SafetyPolicy().blocks(result), (result, result.evidence)


@pytest.mark.parametrize(
    "text",
    [
        "how do I kill a Python process",
        "kill the child process",
        "shoot a photo",
        "this joke killed me",
        "execute the script",
        "breast cancer screening",
        "the history of the Holocaust",
        "suicide prevention hotline",
    ],
)
def test_look_alikes_are_low_at_most(classifier: LexiconClassifier, text: str) -> None:
    assert classifier.classify(text).max_severity <= Severity.LOW


@pytest.mark.parametrize(("lang", "text"), JAILBREAK)
def test_jailbreak_detected(classifier: LexiconClassifier, lang: str, text: str) -> None:
    result = classifier.classify(text)
    assert result.jailbreak, (lang, result.evidence)
    assert SafetyPolicy().blocks(result)


@pytest.mark.parametrize(("lang", "text"), NOT_JAILBREAK)
def test_not_jailbreak(classifier: LexiconClassifier, lang: str, text: str) -> None:
    result = classifier.classify(text)
    assert not result.jailbreak, (lang, result.evidence)


@pytest.mark.parametrize(("lang", "text"), PROFANITY)
def test_profanity_detected_but_not_blocked_by_default(
    classifier: LexiconClassifier, lang: str, text: str
) -> None:
    result = classifier.classify(text)
    assert result.profanity, lang
    assert not SafetyPolicy().blocks(result)
    assert SafetyPolicy(block_profanity=True).blocks(result)


@pytest.mark.parametrize(("lang", "text"), NOT_PROFANITY)
def test_not_profanity(classifier: LexiconClassifier, lang: str, text: str) -> None:
    result = classifier.classify(text)
    assert not result.profanity, (lang, result.evidence)


@pytest.mark.parametrize(
    "text",
    [
        "I will K1LL you",
        "i wiiiiill kiiiiill you",
        "I will k.i.l.l y.o.u",
        "I will ＫＩＬＬ you",
        "I will kіll you",  # Cyrillic і
        "I will k\u200bill you",  # zero-width space
        "x x x x I will kill you",  # a spelled-out run next to a real one-letter word
    ],
)
def test_evasions_are_normalised(classifier: LexiconClassifier, text: str) -> None:
    assert classifier.classify(text).violence >= Severity.MEDIUM


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ich heiße Müller!", "ich heisse muller"),
        ("أريد أن أقتل نفسي، الآن؟", "اريد ان اقتل نفسي الان"),
        ("אֶהרוג", "אהרוג"),
        ("12yo", "12 yo"),
        ("$h!t", "shit"),
        ("café—crème «x»", "cafe creme x"),
        ("١٢", "12"),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_ambiguous_spelling_yields_two_readings() -> None:
    assert normalize_variants("f u c k you") == ("fuck you", "f u c k you")
    assert normalize_variants("plain text") == ("plain text",)


def test_classification_is_deterministic_and_total(classifier: LexiconClassifier) -> None:
    text = "I will kill you " * 50 + "\x00\ud7ff\U0001f600 " * 10
    assert classifier.classify(text) == classifier.classify(text)
    assert classifier.classify("").max_severity is Severity.SAFE


def test_language_selection(classifier: LexiconClassifier) -> None:
    english_only = LexiconClassifier(languages=["en"])
    assert english_only.classify("te voy a matar").violence <= Severity.LOW
    assert classifier.classify("te voy a matar").violence >= Severity.MEDIUM
    with pytest.raises(ValueError, match="klingon"):
        LexiconClassifier(languages=["klingon"])
