"""Content-safety quality on the held-out set, before and after, and the cost per 100 words.

Run from the repository root::

    python -m bench.safety_eval [--set heldout|heldout2|heldout3] [--misses] [--repeats N]

1. Recall on harmful texts (medium and high severity) and false-block rate on benign texts, per
   category and per language, under the serverless default policy, for the lexicon classifier
   alone (before: plug-in ``lexicon``) and the default classifier (after), on the held-out set
   in ``corpus/safety/heldout`` (written independently of the training corpus and never used
   to train or tune anything; provenance in its README), or with ``--set heldout2`` on the
   second, larger one in ``corpus/safety/heldout2`` (other authors, same rules), or with
   ``--set heldout3`` on the third (``corpus/safety/heldout3``, stop 32); and the
   opt-in ``encoder`` classifier (the default's n-gram model plus multilingual-e5-small, see
   :mod:`modelport.policy.safety.learned.encoder`), which costs far more than the budget.
2. Prompt attacks: recall on direct and document-embedded attacks; false blocks on their
   look-alikes are in the ``attack`` row of the table.
3. Time per 100 words of each classifier (and of the learned model alone) on the same texts,
   best of several repeats, side by side in the same run; the size of the shipped model.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

from modelport.policy.safety import (
    DefaultClassifier,
    LexiconClassifier,
)
from modelport.policy.safety.encoder import EncoderClassifier
from modelport.policy.safety.learned.corpus import (
    HELDOUT_SETS,
    heldout_set_dir,
    load_corpus,
    load_heldout,
    unseen,
)
from modelport.policy.safety.learned.evaluate import (
    Classify,
    Evaluation,
    evaluate,
    format_report,
    low_blocked,
)
from modelport.policy.safety.learned.model import MODEL_FILE, default_model_dir

BUDGET_US = 1000.0


def per_100_words_us(
    classify: Classify, texts: Sequence[str], repeats: int, clock: Callable[[], float]
) -> float:
    """Best-of-``repeats`` time per 100 words on ``clock``, in microseconds."""
    words = sum(len(t.split()) for t in texts)
    best = float("inf")
    for _ in range(repeats):
        start = clock()
        for text in texts:
            classify(text)
        best = min(best, clock() - start)
    return best * 1e6 * 100 / max(words, 1)


def attack_line(name: str, evaluation: Evaluation) -> str:
    parts = [
        f"{form} {cell.caught}/{cell.harmful} ({cell.recall or 0:.2f})"
        for form, cell in evaluation.forms.items()
    ]
    look = evaluation.total("attack")
    return (
        f"{name:<7} prompt attacks detected: {', '.join(parts)}; look-alikes blocked "
        f"{look.blocked}/{look.benign} ({look.false_block_rate or 0:.2f})"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--misses", action="store_true", help="list misses and false blocks")
    parser.add_argument("--set", choices=sorted(HELDOUT_SETS), default="heldout")
    args = parser.parse_args(argv)
    directory = heldout_set_dir(args.set)
    everything = load_heldout(directory)
    samples = unseen(everything, load_corpus())
    before, after, encoder = LexiconClassifier(), DefaultClassifier(), EncoderClassifier()
    left_out = len(everything) - len(samples)
    print(
        f"{len(samples)} texts in the held-out set ({directory}); {left_out} more left out"
        " because the training corpus happens to hold the same sentence\n"
    )
    results = {}
    for name, classifier in (("before", before), ("after", after), ("encoder", encoder)):
        evaluation = evaluate(classifier.classify, samples)
        results[name] = evaluation
        print(format_report(evaluation, f"{name}: {classifier.name} classifier") + "\n")
    for name, evaluation in results.items():
        print(attack_line(name, evaluation))
    for name, classifier in (("before", before), ("after", after), ("encoder", encoder)):
        blocked, low = low_blocked(classifier.classify, samples)
        print(f"{name:<7} low-severity harmful texts (meant to pass) blocked: {blocked}/{low}")
    texts = [s.text for s in samples]
    runs = [
        ("before (lexicon)", before.classify),
        ("after (default)", after.classify),
        ("  learned model alone", after.model.classify),
        ("encoder (opt-in)", encoder.classify),
    ]
    words = sum(len(t.split()) for t in texts)
    print(f"\ntime per 100 words (best of {args.repeats}, {len(texts)} texts, {words} words)")
    print(f"{'':<24} {'wall':>8}    {'CPU':>8}")
    reference = 0.0
    for label, classify in runs:
        wall = per_100_words_us(classify, texts, args.repeats, time.perf_counter)
        cpu = per_100_words_us(classify, texts, args.repeats, time.process_time)
        reference = reference or wall
        print(f"{label:<24} {wall:6.0f} µs   {cpu:6.0f} µs   {wall / reference:5.2f}x lexicon")
    print(f"{'budget':<24} {BUDGET_US:6.0f} µs")
    size = (default_model_dir() / MODEL_FILE).stat().st_size
    print(f"shipped model: {size / 1e6:.2f} MB ({default_model_dir() / MODEL_FILE})")
    if args.misses:
        for name, evaluation in results.items():
            print(f"\n{name}:\n{evaluation.format_errors()}")


if __name__ == "__main__":
    main()
