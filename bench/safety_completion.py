"""Could completions be judged with their own cut-offs? The trade-off, measured.

Run from the repository root::

    python -m bench.safety_completion

The completion guard judges a long answer window by window, so a cut-off that blocks a few
percent of benign prompts cuts a much larger share of benign answers. This bench asks whether a
higher cut-off for completions alone would fix that at an acceptable price: it fits the linear
model on the fit part of the training corpus (as ``train --validate`` does), then for each
category and each candidate cut-off from the prompt cut-off up prints

* the share of benign model-written answers that have a window scoring at or above it (the
  answers of ``train-prose`` whose prompts fall in the validation groups, none of them fitted
  on; windows as the hold-back guard streams them; ``calibration-prose/``, measured here as
  never trained on until model 10, is now part of ``train-prose``);
* the recall on the validation part's harmful texts at that cut-off.

It reads neither the held-out set nor ``generated/``.
"""

from __future__ import annotations

import time

import numpy as np

from modelport.policy.safety.learned.corpus import (
    CATEGORIES,
    load_corpus,
    split_validation,
    validation_groups,
)
from modelport.policy.safety.learned.model import category_scores
from modelport.policy.safety.learned.prose import calibration_answers, guard_windows
from modelport.policy.safety.learned.thresholds import choose_thresholds
from modelport.policy.safety.learned.train import Hyper, train

STEPS = (0.0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30)
"""Candidate cut-offs: the prompt cut-off plus these (capped at 0.99)."""


def main() -> None:
    corpus = load_corpus()
    fitted, validation = split_validation(corpus)
    start = time.perf_counter()
    model = train(fitted, Hyper(), {})
    thresholds, _ = choose_thresholds(model, validation)
    print(f"fitted on {len(fitted)} texts in {time.perf_counter() - start:.0f} s")
    answers = calibration_answers(validation_groups(corpus))
    windows = guard_windows([a.text for a in answers])
    worst = np.stack(
        [
            category_scores(np.stack([model.logits(w) for w in ws]).astype(np.float64)).max(axis=0)
            for ws in windows
            if ws
        ]
    )
    scores = category_scores(np.stack([model.logits(s.text) for s in validation]))
    count = sum(len(ws) for ws in windows)
    print(
        f"{len(worst)} benign model-written answers ({count} windows), "
        f"{sum(s.must_block for s in validation)} harmful validation texts\n"
    )
    print("category   cut-off  answers cut  validation recall")
    anything = np.zeros(len(worst), dtype=bool)
    for i, category in enumerate(CATEGORIES):
        positive = np.array([s.must_block and category in s.categories for s in validation])
        prompt = thresholds.medium[category]
        anything |= worst[:, i] >= prompt
        for cut_off in sorted({min(round(prompt + step, 2), 0.99) for step in STEPS}):
            cut = (worst[:, i] >= cut_off).mean()
            recall = (scores[positive, i] >= cut_off).mean()
            label = "(prompt)" if abs(cut_off - prompt) < 1e-6 else ""
            print(f"{category:<10} {cut_off:7.2f}  {cut:11.3f}  {recall:17.2f}  {label}")
    print(f"\nanswers cut by any category at the prompt cut-offs: {anything.mean():.3f}")


if __name__ == "__main__":
    main()
