"""Content-safety quality on the held-out corpus, before and after, and the cost per 100 words.

Run from the repository root::

    python -m bench.safety_eval [--part heldout|train] [--misses]

1. Recall on harmful texts and false-block rate on benign look-alikes, per category and per
   language, under the serverless default policy, for the lexicon classifier alone (before) and
   the default classifier (lexicon + shipped linear model, after), on the *held-out* part of
   ``corpus/safety`` (never trained or tuned on; see docs/content-safety.md).
2. Prompt attacks: recall on direct and document-embedded attacks.
3. Time per 100 words of each classifier on the held-out texts (best of several repeats), side by
   side in the same run.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from modelport.policy.safety import DefaultClassifier, LexiconClassifier
from modelport.policy.safety.learned.corpus import load_corpus, split
from modelport.policy.safety.learned.evaluate import Classify, Evaluation, evaluate, format_table


def per_100_words_us(classify: Classify, texts: Sequence[str], repeats: int) -> float:
    """Best-of-``repeats`` wall time per 100 words, in microseconds."""
    words = sum(len(t.split()) for t in texts)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for text in texts:
            classify(text)
        best = min(best, time.perf_counter() - start)
    return best * 1e6 * 100 / words


def attack_line(
    name: str, evaluation: Evaluation, samples: Sequence[object], classify: Classify
) -> str:
    forms = evaluation.by_attack_form(samples, classify)  # type: ignore[arg-type]
    parts = [
        f"{form} {cell.caught}/{cell.harmful} ({cell.recall or 0:.2f})"
        for form, cell in forms.items()
    ]
    ordinary = evaluation.total("attack")
    return (
        f"{name:<8} prompt attacks caught: {', '.join(parts)}; ordinary prompts blocked "
        f"{ordinary.blocked}/{ordinary.benign}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("heldout", "train"), default="heldout")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--misses", action="store_true", help="list misses and false blocks")
    args = parser.parse_args(argv)
    samples = split(load_corpus(), args.part)
    before, after = LexiconClassifier(), DefaultClassifier()
    print(f"{len(samples)} texts in the {args.part} part of corpus/safety\n")
    results = {}
    for name, classifier in (("before", before), ("after", after)):
        evaluation = evaluate(classifier.classify, samples)
        results[name] = evaluation
        title = f"{name}: {classifier.name} classifier ({args.part})"
        print(format_table(evaluation, title) + "\n")
    for name, classifier in (("before", before), ("after", after)):
        print(attack_line(name, results[name], samples, classifier.classify))
    texts = [s.text for s in samples]
    lex_us = per_100_words_us(before.classify, texts, args.repeats)
    default_us = per_100_words_us(after.classify, texts, args.repeats)
    print(f"\ntime per 100 words (best of {args.repeats}, {len(texts)} texts)")
    print(f"before (lexicon)            {lex_us:8.0f} µs")
    print(f"after  (lexicon + model)    {default_us:8.0f} µs   ratio {default_us / lex_us:.2f}x")
    print("budget                          1000 µs")
    if args.misses:
        for name, evaluation in results.items():
            for (section, lang), cell in sorted(evaluation.cells.items()):
                for text in cell.misses:
                    print(f"{name} missed   {section}/{lang}: {text}")
                for text in cell.false_blocks:
                    print(f"{name} blocked  {section}/{lang}: {text}")


if __name__ == "__main__":
    main()
