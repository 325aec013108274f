"""Model-written prose: how often the completion guard cuts a benign answer.

The training corpus and the held-out set hold prompts (requests and statements); what the
completion guard judges is model-written text, seen through its stream windows (a small first
window, then ``window_chars`` with released context before and a lookahead after). Stories with
dragons, battles and recipes are benign but use the words of the harm categories, so the
figure that matters for completions is measured on such answers:
``corpus/safety/generated/prose.jsonl``, benign prompts answered by the embedded SmolLM2
model on the real llama.cpp engine (provenance in that folder's README). That set is
**evaluation only**: never trained or tuned on.

:func:`guard_answer` runs one answer through the real guard
(:func:`~modelport.policy.safety.stream_guard.filter_completion`, hold-back, the serverless
default policy, the same windows as a streamed answer) and says which window, if any, cut it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from modelport.inference.types import FinishReason
from modelport.policy.safety.classifier import SafetyClassifier, completion_method
from modelport.policy.safety.learned.corpus import LANGUAGES, default_corpus_dir
from modelport.policy.safety.policy import SafetyPolicy, SafetyService
from modelport.policy.safety.stream_guard import filter_completion
from modelport.policy.safety.types import Category, SafetyResult

GENERATED_FILE = "prose.jsonl"


@dataclass(frozen=True, slots=True)
class Answer:
    """One generated answer (a record of ``prose.jsonl``)."""

    id: str
    language: str
    topic: str
    prompt: str
    seed: int
    text: str


@dataclass(frozen=True, slots=True)
class Cut:
    """Where the guard stopped an answer: the window it judged, its verdict, the text released."""

    window: str
    evidence: tuple[str, ...]
    released: int
    categories: tuple[str, ...]  # the categories the policy blocked the window for


def generated_dir() -> Path:
    """``corpus/safety/generated``."""
    return default_corpus_dir() / "generated"


def short_dir() -> Path:
    """``corpus/safety/generated-short``: short replies (greetings, thanks, introductions) in
    the nine languages, evaluation only."""
    return default_corpus_dir() / "generated-short"


def training_prose_dir() -> Path:
    """``corpus/safety/train-prose``: answers to *other* prompts, part of the training corpus."""
    return default_corpus_dir() / "train-prose"


def calibration_answers(held_out_groups: frozenset[str]) -> list[Answer]:
    """Model-written answers a validation model was not fitted on: the answers of
    ``train-prose`` whose prompts fall in ``held_out_groups`` (the validation groups), on which
    ``bench.safety_completion`` measures per-window cut-offs for completions."""
    return [
        a
        for a in load_generated(training_prose_dir() / GENERATED_FILE)
        if f"{a.language}/prose/{a.id}" in held_out_groups
    ]


class _Windows:
    """Records the windows the guard asks about and lets everything through."""

    name = "windows"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def classify(self, text: str) -> SafetyResult:
        self.seen.append(text)
        return SafetyResult()


def guard_windows(texts: Sequence[str], policy: SafetyPolicy | None = None) -> list[list[str]]:
    """For each text, the windows the completion guard judges when it streams it (hold-back,
    ``policy``'s windows, default the serverless policy)."""
    policy = policy or SafetyPolicy.serverless()

    async def run() -> list[list[str]]:
        out = []
        for text in texts:
            recorder = _Windows()
            await filter_completion(text, SafetyService(recorder, policy=policy), policy)
            out.append(recorder.seen)
        return out

    return asyncio.run(run())


def load_generated(path: Path | None = None) -> list[Answer]:
    """The generated answers (default: ``corpus/safety/generated/prose.jsonl``)."""
    source = path or generated_dir() / GENERATED_FILE
    answers = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            answers.append(
                Answer(r["id"], r["language"], r["topic"], r["prompt"], r["seed"], r["text"])
            )
    return answers


class _Recording:
    """A classifier that remembers the last text it judged and its verdict."""

    def __init__(self, inner: SafetyClassifier) -> None:
        self._inner = inner
        self._judge_window = completion_method(inner)
        self.name = inner.name
        self.last: tuple[str, SafetyResult] = ("", SafetyResult())

    def classify(self, text: str) -> SafetyResult:
        result = self._inner.classify(text)
        self.last = (text, result)
        return result

    def classify_completion(self, text: str) -> SafetyResult:
        """A completion window, judged as the inner classifier judges one."""
        result = self._judge_window(text)
        self.last = (text, result)
        return result


async def guard_answer(
    text: str, classifier: SafetyClassifier, policy: SafetyPolicy | None = None
) -> Cut | None:
    """``None`` if the completion guard lets all of ``text`` through, else where it cut."""
    policy = policy or SafetyPolicy.serverless()
    recording = _Recording(classifier)
    service = SafetyService(recording, policy=policy)
    filtered = await filter_completion(text, service, policy)
    if filtered.finish_reason is not FinishReason.CONTENT_FILTER:
        return None
    window, result = recording.last
    blocked = tuple(c.value for c in Category if policy.filters(c, result.severity(c)))
    return Cut(window, result.evidence, len(filtered.text), blocked)


@dataclass
class ProseEvaluation:
    """Cuts per answer (``None``: let through)."""

    answers: list[Answer]
    cuts: list[Cut | None]
    by_language: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def cut(self) -> int:
        return sum(c is not None for c in self.cuts)

    @property
    def rate(self) -> float:
        return self.cut / max(len(self.answers), 1)

    def categories(self) -> dict[str, int]:
        """How many cuts each category caused (an answer cut for two counts in both)."""
        out: dict[str, int] = {}
        for c in self.cuts:
            for name in c.categories if c else ():
                out[name] = out.get(name, 0) + 1
        return dict(sorted(out.items()))

    def format(self, title: str) -> str:
        langs = [lang for lang in LANGUAGES if lang in self.by_language]
        per = ", ".join(
            f"{lang} {self.by_language[lang][0]}/{self.by_language[lang][1]}" for lang in langs
        )
        cats = ", ".join(f"{k} {v}" for k, v in self.categories().items()) or "none"
        return (
            f"{title}: {self.cut}/{len(self.answers)} answers cut ({self.rate:.2f}); "
            f"per language {per}; by category {cats}"
        )

    def format_cuts(self) -> str:
        lines = []
        for answer, c in zip(self.answers, self.cuts, strict=True):
            if c is not None:
                lines.append(
                    f"{answer.id} seed {answer.seed} cut after {c.released} chars "
                    f"({', '.join(c.evidence)}): {c.window!r}"
                )
        return "\n".join(lines)


def evaluate_prose(
    classifier: SafetyClassifier, answers: Sequence[Answer] | Iterable[Answer]
) -> ProseEvaluation:
    """Run every answer through the completion guard with ``classifier``."""
    chosen = list(answers)

    async def run() -> list[Cut | None]:
        return [await guard_answer(a.text, classifier) for a in chosen]

    cuts = asyncio.run(run())
    by_language: dict[str, tuple[int, int]] = {}
    for answer, c in zip(chosen, cuts, strict=True):
        cut, total = by_language.get(answer.language, (0, 0))
        by_language[answer.language] = (cut + (c is not None), total + 1)
    return ProseEvaluation(chosen, cuts, by_language)
