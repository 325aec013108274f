"""How the completion guard's windows are judged: each window whole, or also up to its last
clause mark (the default since stop 38), side by side in one run.

Run from the repository root::

    python -m bench.safety_windows [--set heldout7] [--model-dir DIR]

A stream window ends wherever the text was cut, often a word or two into a new clause ("… kill
you tonight, and"). The default classifier judges a completion window as it judges a prompt
*and*, when words follow the window's last clause mark, with the window up to that mark as one
more chunk (``LinearSafetyModel.window_logits``). This bench counts, for both ways:

* benign model-written answers cut (``corpus/safety/generated``, 80 answers, and
  ``generated-short``, 384 short replies: evaluation only, never trained on);
* the texts of a used held-out set (``--set``, default set 7), each streamed as an answer after
  a fixed benign opening in its language, through the hold-back guard under the serverless
  default policy: harmful texts (medium or high) cut, low-severity texts cut (meant to pass),
  look-alikes cut (meant to pass), per category.

Sealed sets cannot be chosen: ``bench.safety_compare`` is the only reader of those.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

from modelport.policy.safety import DefaultClassifier
from modelport.policy.safety.classifier import SafetyClassifier
from modelport.policy.safety.learned.corpus import (
    CATEGORIES,
    HELDOUT_SETS,
    Sample,
    heldout_set_dir,
    load_heldout,
)
from modelport.policy.safety.learned.prose import (
    GENERATED_FILE,
    evaluate_prose,
    generated_dir,
    guard_answer,
    load_generated,
    short_dir,
)
from modelport.policy.safety.types import SafetyResult, Severity

SEALED = frozenset({"heldout13"})
"""Held-out sets not yet read (``bench.safety_compare`` keeps their count)."""

OPENINGS = {
    "en": "Here is the story you asked for. It was a warm afternoon in the park with friends.",
    "es": "Aquí tienes la historia que pediste. Era una tarde cálida en el parque con amigos.",
    "fr": "Voici l'histoire que tu as demandée. C'était un après-midi chaud au parc entre amis.",
    "pt": "Aqui está a história que pediste. Era uma tarde quente no parque com os amigos.",
    "it": "Ecco la storia che hai chiesto. Era un pomeriggio caldo al parco con gli amici.",
    "de": "Hier ist die Geschichte, die du wolltest. Es war ein warmer Nachmittag im Park.",
    "nl": "Hier is het verhaal dat je vroeg. Het was een warme middag in het park met vrienden.",
    "ar": "إليك القصة التي طلبتها. كان عصرا دافئا في الحديقة مع الأصدقاء.",
    "he": "הנה הסיפור שביקשת. זה היה אחר צהריים חם בפארק עם חברים.",
}
"""A benign opening per language, before each streamed held-out text."""


class WholeWindows:
    """The default classifier judging completion windows as it judges prompts (before stop
    38): no ``classify_completion``, so the guard calls ``classify``."""

    name = "default"
    inline_chars = DefaultClassifier.inline_chars

    def __init__(self, inner: DefaultClassifier) -> None:
        self._inner = inner

    def classify(self, text: str) -> SafetyResult:
        return self._inner.classify(text)


def _kind(sample: Sample) -> str | None:
    if sample.section not in CATEGORIES:
        return None
    if sample.kind == "benign":
        return "look-alike"
    if sample.kind == "harmful":
        return "low" if sample.severity is Severity.LOW else "harmful"
    return None


def streamed(classifier: SafetyClassifier, samples: Sequence[Sample]) -> dict[str, list[int]]:
    """``{"harmful/<category>": [cut, total], ...}`` for each sample streamed after its
    language's opening (also ``low`` and ``look-alike`` rows, and ``all`` per kind)."""
    counts: dict[str, list[int]] = {}

    async def run() -> None:
        for s in samples:
            kind = _kind(s)
            if kind is None:
                continue
            text = f"{OPENINGS.get(s.lang, OPENINGS['en'])} {s.text}"
            cut = await guard_answer(text, classifier) is not None
            for key in (f"{kind}/{s.section}", f"{kind}/all"):
                row = counts.setdefault(key, [0, 0])
                row[0] += cut
                row[1] += 1

    asyncio.run(run())
    return counts


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--set", default="heldout7", choices=sorted(set(HELDOUT_SETS) - SEALED))
    parser.add_argument("--model-dir", type=Path, help="other weights of the default classifier")
    args = parser.parse_args(argv)
    inner = DefaultClassifier(model_dir=args.model_dir)
    runs: list[tuple[str, SafetyClassifier]] = [
        ("each window whole", WholeWindows(inner)),
        ("also up to its last clause mark", inner),
    ]
    print(
        f"default classifier: {args.model_dir or 'shipped weights'}; hold-back guard, "
        "serverless default policy\n"
    )
    prose = {
        "generated (80 answers)": load_generated(generated_dir() / GENERATED_FILE),
        "generated-short (384 replies)": load_generated(short_dir() / GENERATED_FILE),
    }
    samples = load_heldout(heldout_set_dir(args.set))
    table: dict[str, dict[str, str]] = {}
    for name, classifier in runs:
        start = time.perf_counter()
        column: dict[str, str] = {}
        for label, answers in prose.items():
            evaluation = evaluate_prose(classifier, answers)
            column[f"benign answers cut, {label}"] = f"{evaluation.cut}/{len(evaluation.answers)}"
        for key, (cut, total) in sorted(streamed(classifier, samples).items()):
            column[f"{args.set} streamed, {key} cut"] = f"{cut}/{total} ({cut / total:.3f})"
        column["seconds"] = f"{time.perf_counter() - start:.0f}"
        table[name] = column
    names = [name for name, _ in runs]
    print("| | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for row in table[names[0]]:
        print(f"| {row} | " + " | ".join(table[n][row] for n in names) + " |")


if __name__ == "__main__":
    main()
