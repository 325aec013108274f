"""How the default classifier's validation recall grows with its training text (a learning curve).

Run from the repository root::

    python -m bench.safety_learning_curve [--chart docs/img/safety-learning-curve.svg]
        [--fractions 0.0625,0.125,0.25,0.5,1] [--curves random,history] [--encoder]

All the labelled training text written so far is pooled: the training corpus
(``corpus/safety/train``, ``train-prose``; rounds 8 and 10 are part of it) and the rounds kept
beside it (``round9/``, ``round11/``, ``round12/``). Its seeded validation split (a fifth of the
scenario groups of every language and section, the trainer's own rule) is fixed; models of the
shipped design and hyper-parameters are fitted on growing parts of the rest, each with thresholds
chosen on the validation split the trainer's way (at most 5% of each category's look-alikes and
3% of all benign texts blocked).
Two curves:

- **random**: a seeded share of the fit part's groups in every (language, section) file, so the
  composition stays the same and only the amount of text changes;
- **history**: the rounds in the order they were written (rounds 1-5, then 6, 7, 8, 9, 10, 11, 12),
  so each step adds new writers, as the project actually grew. Rounds 6, 7, 8 and 10 are marked
  in every file of ``train/`` by a ``# Round N`` comment (``# Runde N`` in German); round 5 is
  not marked in every English file, so rounds 1-5 are one step.

It prints, per point, the texts fitted on, 4-harm recall at medium and above and look-alikes
blocked on validation, the weakest language's recall and the worst language's look-alike rate,
and fits ``recall = a + b * log2(texts)`` to the random curve to say what one doubling of the
text buys and how much text the trend would need for 0.90. With ``--encoder`` every point also
measures the opt-in encoder classifier's design (the same n-gram model plus logistic heads over
multilingual-e5-small embeddings, alpha 1, fitted on the same texts). Nothing here reads a
held-out set.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bench.svg_chart import Series, line_chart
from modelport.policy.safety.learned.corpus import (
    LANGUAGES,
    Sample,
    default_corpus_dir,
    load_corpus,
    load_round,
    numbered_lines,
    split_validation,
)
from modelport.policy.safety.learned.encoder import E5Encoder, EncoderHeads, EncoderModel, fit_heads
from modelport.policy.safety.learned.encoder_train import KnownTexts, embed_corpus
from modelport.policy.safety.learned.evaluate import evaluate
from modelport.policy.safety.learned.model import Thresholds
from modelport.policy.safety.learned.thresholds import choose_thresholds
from modelport.policy.safety.learned.train import Hyper, targets, train
from modelport.policy.safety.types import SafetyResult

TARGET = 0.90
ROUNDS = ("round9", "round11", "round12")
ENCODER_ALPHA = 1.0  # what the encoder heads of model 8 chose on validation
HISTORY = ("1-5", "6", "7", "8", "9", "10", "11", "12")
_ROUND = re.compile(r"#\s*(?:round|runde)\s*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Point:
    label: str
    texts: int
    recall: float
    lookalikes: float
    weakest_recall: float
    worst_lookalikes: float
    direct: str
    document: str
    seconds: float


def round_of_groups(corpus_dir: Path) -> dict[str, str]:
    """The round (``"1-5"``, ``"6"``, ``"7"``, ``"8"``, ``"10"``, ``"12"``, ``"13"``) of each
    group of ``train/``, from the ``# Round N`` comments that open each round's part of a file
    (groups before any such comment, and round 5's, are ``"1-5"``). Groups are counted exactly as
    :func:`~modelport.policy.safety.learned.corpus.parse` counts them."""
    out: dict[str, str] = {}
    for path in sorted((corpus_dir / "train").glob("*/*.txt")):
        lang, section = path.parent.name, path.stem
        current = "1-5"
        for block, _, line in numbered_lines(path.read_text(encoding="utf-8")):
            if line.startswith("#"):
                marker = _ROUND.match(line)
                if marker and int(marker.group(1)) > 5:
                    current = marker.group(1)
                continue
            out.setdefault(f"{lang}/{section}/{block}", current)
    return out


def round_of(sample: Sample, rounds: dict[str, str]) -> str:
    """A sample's round: ``roundN:`` groups are round N; the model-written training prose came
    with round 5 (model 5)."""
    if ":" in sample.group:
        return sample.group.split(":", 1)[0].removeprefix("round")
    return rounds.get(sample.group, "1-5")


def share_of_groups(samples: Sequence[Sample], share: float, seed: int = 17) -> list[Sample]:
    """A seeded ``share`` of the groups of every (language, section), all their texts."""
    by_file: dict[tuple[str, str], list[str]] = {}
    for s in samples:
        groups = by_file.setdefault((s.lang, s.section), [])
        if s.group not in groups:
            groups.append(s.group)
    kept: set[str] = set()
    for key, groups in sorted(by_file.items()):
        count = max(1, round(len(groups) * share))
        kept.update(random.Random(f"{seed}:{key}").sample(sorted(groups), count))
    return [s for s in samples if s.group in kept]


class Scorer(Protocol):
    def logits(self, text: str) -> npt.NDArray[np.float32]: ...

    def with_thresholds(self, thresholds: Thresholds) -> Classifier: ...


class Classifier(Protocol):
    def classify(self, text: str) -> SafetyResult: ...


def _point(
    label: str, texts: int, model: Scorer, validation: Sequence[Sample], start: float
) -> Point:
    thresholds, _ = choose_thresholds(model, validation)
    result = evaluate(model.with_thresholds(thresholds).classify, validation)
    total = result.harm_total()
    per_lang = [result.harm_total(lang) for lang in LANGUAGES]
    present = [c for c in per_lang if c.harmful or c.benign]
    forms = {name: f"{c.caught}/{c.harmful}" for name, c in result.forms.items()}
    return Point(
        label=label,
        texts=texts,
        recall=total.recall or 0.0,
        lookalikes=total.false_block_rate or 0.0,
        weakest_recall=min((c.recall or 0.0) for c in present),
        worst_lookalikes=max((c.false_block_rate or 0.0) for c in present),
        direct=forms.get("direct", "-"),
        document=forms.get("document", "-"),
        seconds=time.perf_counter() - start,
    )


@dataclass(frozen=True)
class Embedded:
    """The pooled texts' encoder embeddings (for the ``--encoder`` curves)."""

    rows: dict[str, npt.NDArray[np.float32]]

    def heads_for(self, fit: Sequence[Sample]) -> EncoderHeads:
        x = np.stack([self.rows[s.text] for s in fit])
        y = np.asarray([targets(s) for s in fit], dtype=np.float32)
        return fit_heads(x, y, alpha=ENCODER_ALPHA)


def measure(
    label: str,
    fit: Sequence[Sample],
    validation: Sequence[Sample],
    embedded: Embedded | None = None,
) -> tuple[Point, Point | None]:
    """Fit the shipped design on ``fit``, choose thresholds on ``validation``, measure there;
    with ``embedded``, also the encoder classifier's design on the same texts."""
    start = time.perf_counter()
    ngram = train(fit, Hyper(), {})
    point = _point(label, len(fit), ngram, validation, start)
    if embedded is None:
        return point, None
    start = time.perf_counter()
    both = EncoderModel(ngram, embedded.heads_for(fit), KnownTexts(embedded.rows))
    return point, _point(label, len(fit), both, validation, start)


def log_fit(points: Iterable[Point]) -> tuple[float, float]:
    """Least squares ``recall = a + b * log2(texts)``: ``(a, b)``."""
    xs, ys = zip(*((math.log2(p.texts), p.recall) for p in points), strict=True)
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return my - b * mx, b


def texts_for(recall: float, a: float, b: float) -> float | None:
    """The text count at which the trend ``a + b * log2(n)`` reaches ``recall`` (None if flat)."""
    return 2 ** ((recall - a) / b) if b > 0 else None


def table(points: Sequence[Point]) -> str:
    head = (
        f"{'':<14}{'texts':>7}  {'4-harm recall':>13}  {'look-alikes':>11}  "
        f"{'weakest lang':>12}  {'worst lang l-a':>14}  {'attacks dir/doc':>16}  {'fit':>5}"
    )
    rows = [
        f"{p.label:<14}{p.texts:>7}  {p.recall:>13.3f}  {p.lookalikes:>11.3f}  "
        f"{p.weakest_recall:>12.2f}  {p.worst_lookalikes:>14.2f}  "
        f"{p.direct + ' ' + p.document:>16}  {p.seconds:>4.0f}s"
        for p in points
    ]
    return "\n".join([head, *rows])


def pooled_text(corpus_dir: Path) -> list[Sample]:
    """The training corpus and the rounds kept beside it."""
    samples = load_corpus(corpus_dir)
    for name in ROUNDS:
        if (corpus_dir / name).is_dir():
            samples += load_round(corpus_dir / name)
    return samples


def curve(
    name: str,
    parts: Sequence[tuple[str, Sequence[Sample]]],
    validation: Sequence[Sample],
    embedded: Embedded | None,
) -> tuple[list[Point], list[Point]]:
    """The n-gram (and encoder) points of one curve, printed as they come."""
    ngram: list[Point] = []
    encoder: list[Point] = []
    print(f"\n{name}")
    print(table([]))
    for label, part in parts:
        point, with_encoder = measure(label, part, validation, embedded)
        ngram.append(point)
        print(table([point]).splitlines()[1], flush=True)
        if with_encoder is not None:
            encoder.append(with_encoder)
            print(table([replace(with_encoder, label="  +encoder")]).splitlines()[1])
    return ngram, encoder


def trend_line(name: str, points: Sequence[Point]) -> str:
    """What one doubling of the text buys, and the text the trend would need for the target."""
    trend = [p for p in points if p.texts >= points[-1].texts / 8]
    if len(trend) < 2:
        return ""
    a, b = log_fit(trend)
    need = texts_for(TARGET, a, b)
    line = (
        f"{name}: recall = {a:.3f} + {b:.3f} x log2(texts) over the last {len(trend)} random "
        f"points, {b:+.3f} per doubling of the text"
    )
    if need is not None:
        line += (
            f"; {TARGET:.2f} would need about {need:,.0f} texts "
            f"({need / points[-1].texts:.0f}x the fit part) if the trend held"
        )
    return line


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus_dir())
    parser.add_argument("--fractions", default="0.0625,0.125,0.25,0.5,1")
    parser.add_argument(
        "--curves", default="random,history", help="which curves: random, history or both"
    )
    parser.add_argument(
        "--encoder",
        action="store_true",
        help="also the encoder classifier's design (needs the encoder extra; embeddings are "
        "cached in .artifacts/safety-encoder)",
    )
    parser.add_argument("--chart", type=Path, default=None, help="write an SVG chart here")
    args = parser.parse_args(argv)
    samples = pooled_text(args.corpus)
    fit, validation = split_validation(samples)
    print(
        f"{len(samples)} texts pooled; validation: {len(validation)} texts "
        f"({sum(s.kind == 'harmful' and s.must_block for s in validation)} harmful at medium+)"
    )
    embedded = None
    if args.encoder:
        rows = embed_corpus(E5Encoder(), samples)
        embedded = Embedded({s.text: row for s, row in zip(samples, rows, strict=True)})
    curves = set(args.curves.split(","))
    drawn: list[Series] = []
    if "random" in curves:
        shares = [float(x) for x in args.fractions.split(",")]
        parts = [(f"{x:g} of fit", fit if x >= 1 else share_of_groups(fit, x)) for x in shares]
        name = "random shares of the fit part (same composition, less text)"
        ngram, encoder = curve(name, parts, validation, embedded)
        print()
        print(trend_line("n-gram (default)", ngram))
        drawn.append(Series("default: random shares of the fit part", _xy(ngram), colour=0))
        if encoder:
            print(trend_line("encoder classifier", encoder))
            drawn.append(Series("encoder: random shares of the fit part", _xy(encoder), colour=1))
    if "history" in curves:
        rounds = round_of_groups(args.corpus)
        steps: list[tuple[str, Sequence[Sample]]] = []
        for i, upto in enumerate(HISTORY):
            part = [s for s in fit if round_of(s, rounds) in HISTORY[: i + 1]]
            if part and (not steps or len(part) > len(steps[-1][1])):
                steps.append((f"rounds {upto if i == 0 else '..' + upto}", part))
        name = "the rounds in the order they were written (each adds new writers)"
        ngram, encoder = curve(name, steps, validation, embedded)
        drawn.append(Series("default: rounds as written", _xy(ngram), colour=0, dashed=True))
        if encoder:
            drawn.append(Series("encoder: rounds as written", _xy(encoder), colour=1, dashed=True))
    if args.chart is not None and drawn:
        args.chart.parent.mkdir(parents=True, exist_ok=True)
        args.chart.write_text(
            line_chart(
                drawn,
                title="Validation recall (4 harms) against training text",
                x_label="texts fitted on (log scale)",
                y_label="recall at ≤5% look-alikes blocked",
                target=TARGET,
            ),
            encoding="utf-8",
        )
        print(f"chart written to {args.chart}")


def _xy(points: Sequence[Point]) -> list[tuple[float, float]]:
    return [(p.texts, p.recall) for p in points]


if __name__ == "__main__":
    main()
