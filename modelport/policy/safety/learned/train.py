"""Train the default classifier's linear model on the training corpus (``corpus/safety/train``).

    python -m modelport.policy.safety.learned.train [--validate] [--out DIR] [--corpus DIR]
        [--append ROUND ...] [--at-most DIR] [--save-fit DIR] [--extra DIR [--fit-extra]]

``--validate`` trains on the fit part (four fifths of the groups, see
:func:`~modelport.policy.safety.learned.corpus.validation_groups`), prints the validation table
and the thresholds chosen on it. Without it, the thresholds are chosen the same way, then the
model is retrained on the whole corpus with the same hyper-parameters and written with those
thresholds. Deterministic (fixed seeds). No evaluation set is ever read here.

``--corpus`` reads another corpus directory laid out like ``corpus/safety`` (``train/`` and
``train-prose/``): a candidate corpus is measured without touching the shipped one.
``--append`` reads a round kept beside the corpus as if it had been appended to it (its files
after the corpus files of the same names; the manifest names it): the n-gram model the encoder
classifier may ship as its own is trained so. ``--save-fit`` also writes the fit-part model
(with its thresholds), so that candidates can be compared on one validation split and through
the prose benches (``--model-dir``). ``--at-most DIR`` bounds every threshold chosen on the
validation split by the one of the model in ``DIR`` (the shipped model, usually), and the
validation table is printed at the bounded thresholds. ``--extra``
reads a round kept outside the corpus and reports its own seeded fifth apart (the corpus's split
unchanged); ``--fit-extra`` also fits on its other four fifths.

The model: logistic heads over hashed features (:mod:`.features`), one text being a bag of
chunks whose worst chunk decides; training follows that rule (multiple-instance learning: a
negative text trains every chunk as negative, a positive one only its highest-scoring chunk).
Mini-batch Adam with L2 weight decay, positives weighted up to balance each head.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from modelport.policy.safety.learned.adam import Adam
from modelport.policy.safety.learned.augment import augment
from modelport.policy.safety.learned.corpus import (
    CATEGORIES,
    SPLIT_SEED,
    Sample,
    corpus_digest,
    load_corpus,
    load_round,
    split_validation,
    validation_groups,
)
from modelport.policy.safety.learned.features import (
    DEFAULT_BITS,
    chunk_scale,
    chunks,
    hash_chunks,
)
from modelport.policy.safety.learned.model import (
    HEADS,
    LinearSafetyModel,
    Thresholds,
    default_model_dir,
)
from modelport.policy.safety.learned.thresholds import choose_thresholds
from modelport.policy.safety.types import Severity


@dataclass(frozen=True)
class Hyper:
    bits: int = DEFAULT_BITS
    epochs: int = 16
    batch: int = 256
    learning_rate: float = 0.02
    l2: float = 1e-6
    positive_weight_cap: float = 4.0
    low_weight: float = 1.0
    """The weight of a low-severity text, a negative for every head (other negatives: 1)."""
    seed: int = 7
    edges: int = 0
    """1: each chunk's first word, last word and last pair are features of their own."""


def targets(sample: Sample) -> list[float]:
    """The 0/1 target of each head for one sample."""
    labelled = sample.categories
    out = []
    for head in HEADS:
        name, _, level = head.partition(":")
        if name == "jailbreak":
            out.append(1.0 if sample.kind == "attack" else 0.0)
        elif name == "harmful":
            out.append(1.0 if sample.must_block else 0.0)
        elif name not in labelled or sample.severity < Severity.MEDIUM:
            out.append(0.0)
        elif level == "high":
            out.append(1.0 if sample.severity >= Severity.HIGH else 0.0)
        else:
            out.append(1.0)
    return out


class Dataset:
    """Samples as chunks of hashed features (CSR over chunks), chunks grouped by sample."""

    def __init__(
        self, samples: Sequence[Sample], bits: int, low_weight: float = 1.0, edges: bool = False
    ) -> None:
        cols: list[npt.NDArray[np.int64]] = []
        vals: list[npt.NDArray[np.float32]] = []
        per_chunk: list[int] = []
        chunk_counts: list[int] = []
        for sample in samples:
            parts = chunks(sample.text)
            if not parts:  # no words: one empty chunk (its logits are the biases)
                chunk_counts.append(1)
                per_chunk.append(0)
                continue
            hashed = hash_chunks(parts, bits, edges=edges)
            owner = hashed.chunk
            if owner is None:
                owner = np.zeros(len(hashed.buckets), np.int64)
            order = np.argsort(owner, kind="stable")
            cols.append(hashed.buckets[order].astype(np.int64))
            scale = chunk_scale(hashed.sizes)
            vals.append(scale[owner[order]].astype(np.float32))
            per_chunk.extend(hashed.sizes.tolist())
            chunk_counts.append(len(hashed.sizes))
        self.cols = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        self.vals = np.concatenate(vals) if vals else np.zeros(0, np.float32)
        self.indptr = np.concatenate(([0], np.cumsum(per_chunk))).astype(np.int64)
        self.chunk_ptr = np.concatenate(([0], np.cumsum(chunk_counts))).astype(np.int64)
        self.y = np.asarray([targets(s) for s in samples], dtype=np.float32)
        low = [s.kind == "harmful" and s.severity is Severity.LOW for s in samples]
        self.negative_weight = np.where(low, low_weight, 1.0).astype(np.float32)
        self.bits = bits

    def __len__(self) -> int:
        return len(self.chunk_ptr) - 1


def fit(data: Dataset, hyper: Hyper) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Returns ``(weights, bias)`` (see the module docstring)."""
    rng = np.random.default_rng(hyper.seed)
    buckets, heads = 1 << data.bits, len(HEADS)
    w = np.zeros((buckets, heads), dtype=np.float32)
    positives = data.y.sum(axis=0)
    prior = np.clip(positives / max(len(data), 1), 1e-3, 1 - 1e-3)
    b = np.log(prior / (1 - prior)).astype(np.float32)
    pos_weight = np.minimum(
        hyper.positive_weight_cap, (len(data) - positives) / np.maximum(positives, 1.0)
    ).astype(np.float32)
    optimiser = Adam((w, b), hyper.learning_rate)
    for _ in range(hyper.epochs):
        order = rng.permutation(len(data))
        for start in range(0, len(order), hyper.batch):
            batch = np.sort(order[start : start + hyper.batch])
            first, last = data.chunk_ptr[batch], data.chunk_ptr[batch + 1]
            chunk_ids = np.concatenate([np.arange(a, z) for a, z in zip(first, last, strict=True)])
            owner = np.repeat(np.arange(len(batch)), last - first)
            lo, hi = data.indptr[chunk_ids], data.indptr[chunk_ids + 1]
            idx = np.concatenate([np.arange(a, z) for a, z in zip(lo, hi, strict=True)])
            row = np.repeat(np.arange(len(chunk_ids)), hi - lo)
            cols, vals = data.cols[idx], data.vals[idx]
            logits = np.zeros((len(chunk_ids), heads), dtype=np.float32)
            np.add.at(logits, row, w[cols] * vals[:, None])
            logits += b
            y = data.y[batch][owner]
            # Multiple instances: a positive text learns from its best chunk only.
            best = np.full((len(batch), heads), -np.inf, dtype=np.float32)
            np.maximum.at(best, owner, logits)
            negative = data.negative_weight[batch][owner][:, None]
            weight = np.where(y > 0, (logits >= best[owner]) * pos_weight, negative)
            p = 1.0 / (1.0 + np.exp(-logits))
            err = ((p - y) * weight / len(batch)).astype(np.float32)
            grad = np.empty_like(w)
            contrib = err[row] * vals[:, None]
            for h in range(heads):
                grad[:, h] = np.bincount(cols, weights=contrib[:, h], minlength=buckets)
            grad += hyper.l2 * w
            optimiser.step((grad, err.sum(axis=0)))
    return w, b


def train(
    samples: Sequence[Sample], hyper: Hyper, manifest: dict[str, object]
) -> LinearSafetyModel:
    """A model fitted on ``samples`` and their augmented variants (default thresholds)."""
    data = Dataset(augment(samples, hyper.seed), hyper.bits, hyper.low_weight, bool(hyper.edges))
    weights, bias = fit(data, hyper)
    return LinearSafetyModel(weights, bias, Thresholds(), manifest, edges=bool(hyper.edges))


def parse_hyper(overrides: Sequence[str]) -> Hyper:
    """:class:`Hyper` with ``NAME=VALUE`` overrides (each value of the field's type)."""
    hyper = Hyper()
    defaults = vars(hyper)
    for item in overrides:
        name, sep, raw = item.partition("=")
        if not sep or name not in defaults:
            known = ", ".join(sorted(defaults))
            raise SystemExit(f"--hyper {item!r}: expected NAME=VALUE, NAME one of {known}")
        value: Any = int(float(raw)) if type(defaults[name]) is int else float(raw)
        hyper = replace(hyper, **{name: value})
    return hyper


def add_round_options(parser: argparse.ArgumentParser, bounded_by: str) -> None:
    """``--append ROUND`` (repeatable) and ``--at-most DIR``, shared with ``encoder_train``."""
    parser.add_argument(
        "--append",
        type=Path,
        action="append",
        default=[],
        metavar="ROUND",
        help="a round kept beside the corpus, read as if appended to it (repeatable)",
    )
    parser.add_argument(
        "--at-most",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"no threshold above the one of the {bounded_by} in DIR (e.g. the shipped one's)",
    )


def differences_from_shipped(hyper: Hyper, shipped: Path | None = None) -> list[str]:
    """A warning per hyper-parameter that differs from the shipped model's (as its manifest
    records them): a candidate meant to change only its corpus must say so in its command."""
    try:
        recorded = LinearSafetyModel.load(shipped).manifest.get("hyperparameters", {})
    except FileNotFoundError:
        return []
    return [
        f"warning: {name}={value} differs from the shipped model's {name}={recorded[name]}"
        for name, value in vars(hyper).items()
        if name in recorded and recorded[name] != value
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_model_dir())
    parser.add_argument("--validate", action="store_true", help="fit on 4/5, report the 1/5")
    parser.add_argument("--misses", action="store_true", help="list validation errors")
    parser.add_argument(
        "--hyper",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a hyper-parameter (e.g. l2=1e-5), to compare settings on the validation "
        "split; the shipped model uses the defaults of Hyper",
    )
    parser.add_argument(
        "--corpus", type=Path, default=None, help="a corpus directory (train/, train-prose/)"
    )
    add_round_options(parser, "model")
    parser.add_argument("--save-fit", type=Path, default=None, help="write the fit-part model")
    parser.add_argument(
        "--extra",
        type=Path,
        default=None,
        help="a round kept outside the corpus (<lang>/<section>.txt): its own seeded fifth is "
        "reported apart, the corpus's split unchanged",
    )
    parser.add_argument(
        "--fit-extra", action="store_true", help="also fit on the other four fifths of --extra"
    )
    args = parser.parse_args(argv)
    if args.fit_extra and args.extra is None:
        parser.error("--fit-extra needs --extra")
    hyper = parse_hyper(args.hyper)
    for warning in differences_from_shipped(hyper):
        print(warning)
    corpus = load_corpus(args.corpus, args.append)
    fitted, validation = split_validation(corpus)
    extra_fit, extra_validation = (
        split_validation(load_round(args.extra)) if args.extra else ([], [])
    )
    if args.fit_extra:
        if not args.validate:
            parser.error("--fit-extra measures a candidate: use it with --validate")
        fitted = fitted + extra_fit
    start = time.perf_counter()
    model = train(fitted, hyper, {"fit_part_only": True, "fit_digest": corpus_digest(fitted)})
    thresholds, report = choose_thresholds(model, validation)
    bound = LinearSafetyModel.load(args.at_most) if args.at_most is not None else None
    if bound is not None:
        thresholds = thresholds.at_most(bound.thresholds)
        report += f"\n  bounded by the thresholds of {args.at_most}: {thresholds.to_json()}"
    model = model.with_thresholds(thresholds)
    print(f"fitted on {len(fitted)} texts in {time.perf_counter() - start:.0f} s")
    from modelport.policy.safety.learned.evaluate import evaluate, format_report, low_blocked

    evaluation = evaluate(model.classify, validation)
    print(report)
    print(format_report(evaluation, "validation (groups never fitted on)"))
    blocked, low = low_blocked(model.classify, validation)
    print(f"low-severity validation texts (meant to pass) blocked: {blocked}/{low}")
    if extra_validation:
        fitted_on = "fitted on its other four fifths" if args.fit_extra else "never fitted on"
        extra = evaluate(model.classify, extra_validation)
        print(format_report(extra, f"{args.extra.name}: its validation fifth ({fitted_on})"))
        blocked, low = low_blocked(model.classify, extra_validation)
        print(f"low-severity texts of {args.extra.name} (meant to pass) blocked: {blocked}/{low}")
    if args.misses:
        print(evaluation.format_errors())
    if args.save_fit is not None:
        model.save(args.save_fit)
        print(f"fit-part model written to {args.save_fit}")
    if args.validate:
        return
    manifest: dict[str, object] = {
        "description": "Linear heads over hashed character and word n-grams; see "
        "docs/content-safety.md",
        "split_seed": SPLIT_SEED,
        "train_texts": len(corpus),
        "train_digest": corpus_digest(corpus),
        "appended": [path.name for path in args.append],
        "thresholds_at_most": bound.manifest.get("train_digest") if bound else None,
        "validation_groups": sorted(validation_groups(corpus)),
        "validation": evaluation.summary(),
        "hyperparameters": vars(hyper),
        "categories": list(CATEGORIES),
    }
    final = train(corpus, hyper, manifest).with_thresholds(thresholds)
    final.save(args.out)
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"trained on {len(corpus)} texts: {size / 1e6:.2f} MB in {args.out}")


if __name__ == "__main__":
    main()
