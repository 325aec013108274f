"""Choosing the decision thresholds on the validation part of the training corpus.

For each category the *medium* threshold (on the category's score, see
:func:`~modelport.policy.safety.learned.model.category_scores`) is the lowest, i.e. the one with
the highest recall, that blocks at most :data:`MAX_LOOKALIKE_BLOCKS` of the category's
look-alikes and :data:`MAX_BENIGN_BLOCKS` of all benign validation texts (the issue's target is
at most 5% of look-alikes blocked); *high* then best separates high from medium severity among
the texts that pass it; *low* is an uncertainty band below
medium (annotated, never blocked). The prompt-attack threshold is chosen like a category's,
attacks against benign texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from modelport.policy.safety.learned.corpus import CATEGORIES, Sample
from modelport.policy.safety.learned.model import (
    HEADS,
    Thresholds,
    category_scores,
)
from modelport.policy.safety.types import Severity

MAX_LOOKALIKE_BLOCKS = 0.05
"""A category's threshold may block at most this share of its own look-alikes on validation..."""
MAX_BENIGN_BLOCKS = 0.03
"""... and of all benign texts (four categories and prompt attacks add up). Model 6 was chosen
with 0.02 at first: that cap, not the look-alike limit, bound violence (threshold 0.73, 2.6% of
its look-alikes blocked, recall 0.44 on validation) and let "I will kill you" through; at 0.03
violence blocks 3.5% of its look-alikes and 2.8% of all benign texts for recall 0.52, and the
other categories stay where the look-alike limit puts them."""
_CANDIDATES = np.linspace(0.05, 0.95, 91)


def _best(
    scores: npt.NDArray[np.float64],
    positive: npt.NDArray[np.bool_],
    lookalike: npt.NDArray[np.bool_],
    benign: npt.NDArray[np.bool_],
) -> tuple[float, float, float, float]:
    """``(threshold, recall, look-alike false-block rate, benign false-block rate)``: the lowest
    threshold (the highest recall) within both false-block limits."""
    for t in _CANDIDATES:
        hit = scores >= t
        fp_look = hit[lookalike].mean() if lookalike.any() else 0.0
        fp_all = hit[benign].mean() if benign.any() else 0.0
        if fp_look <= MAX_LOOKALIKE_BLOCKS and fp_all <= MAX_BENIGN_BLOCKS:
            recall = hit[positive].mean() if positive.any() else 0.0
            return float(t), float(recall), float(fp_look), float(fp_all)
    t = float(_CANDIDATES[-1])
    hit = scores >= t
    return t, float(hit[positive].mean()), float(hit[lookalike].mean()), float(hit[benign].mean())


class Scored(Protocol):
    """A model with raw head scores per text (the n-gram model, or it plus the encoder)."""

    def logits(self, text: str) -> npt.NDArray[np.float32]: ...


def choose_thresholds(model: Scored, validation: Sequence[Sample]) -> tuple[Thresholds, str]:
    """Thresholds for ``model`` chosen on ``validation``, and a line per decision."""
    logits = np.stack([model.logits(s.text) for s in validation]).astype(np.float64)
    probs = 1.0 / (1.0 + np.exp(-logits))
    scores = category_scores(logits)
    benign = np.array([s.kind == "benign" for s in validation])
    medium, high, low = {}, {}, {}
    lines = ["thresholds chosen on the validation part:"]
    for i, category in enumerate(CATEGORIES):
        positive = np.array([s.must_block and category in s.categories for s in validation])
        lookalike = benign & np.array([s.section == category for s in validation])
        t, recall, fp_look, fp_all = _best(scores[:, i], positive, lookalike, benign)
        medium[category] = t
        low[category] = round(t / 2, 3)
        passed = positive & (scores[:, i] >= t)
        is_high = np.array([s.severity >= Severity.HIGH for s in validation])
        h_scores = probs[:, HEADS.index(f"{category}:high")]
        accuracy = [
            ((h_scores[passed] >= th) == is_high[passed]).mean() if passed.any() else 0.0
            for th in _CANDIDATES
        ]
        high[category] = float(_CANDIDATES[int(np.argmax(accuracy))])
        lines.append(
            f"  {category:<10} medium {t:.2f} (recall {recall:.2f}, look-alikes blocked "
            f"{fp_look:.3f}, all benign {fp_all:.3f}); high {high[category]:.2f} "
            f"(accuracy {max(accuracy):.2f})"
        )
    attack = np.array([s.kind == "attack" for s in validation])
    lookalike = benign & np.array([s.section == "attack" for s in validation])
    t, recall, fp_look, fp_all = _best(
        probs[:, HEADS.index("jailbreak")], attack, lookalike, benign
    )
    lines.append(
        f"  {'jailbreak':<10} {t:.2f} (recall {recall:.2f}, look-alikes {fp_look:.3f}, "
        f"all benign {fp_all:.3f})"
    )
    return Thresholds(medium=medium, high=high, low=low, jailbreak=t), "\n".join(lines)
