"""Train the default classifier's linear model on the *training* part of the corpus.

    python -m modelport.policy.safety.learned.train [--validate] [--out DIR]

Deterministic (fixed seeds): the same corpus gives the same weights. The held-out part is never
read for anything but its group names, which go into the manifest so a test can check that no
held-out group was trained on. ``--validate`` instead trains on four fifths of the training
templates and reports the fifth left out: hyper-parameters and thresholds were chosen that way,
never on the held-out part.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from modelport.policy.safety.learned.corpus import (
    SPLIT_SEED,
    Sample,
    _rng,
    corpus_digest,
    load_corpus,
    split,
)
from modelport.policy.safety.learned.features import chunks, features
from modelport.policy.safety.learned.model import (
    HEADS,
    LinearSafetyModel,
    Thresholds,
    default_model_dir,
)
from modelport.policy.safety.types import Category, Severity

EPOCHS = 40
BATCH = 32
LEARNING_RATE = 0.05
L2 = 1e-6
MIN_COUNT = 2  # a feature must occur in at least this many training texts
POSITIVE_WEIGHT_CAP = 8.0
THRESHOLDS = Thresholds(medium=0.35, high=0.5, low=0.2, jailbreak=0.4)
TRAIN_SEED = 7
FRAGMENTS_PER_TEXT = 4


def targets(sample: Sample) -> list[float]:
    """The 0/1 target of each head for one sample."""
    out = []
    for head in HEADS:
        name, _, level = head.partition(":")
        if name == "jailbreak":
            out.append(1.0 if sample.attack else 0.0)
            continue
        if sample.category is not Category(name) or not sample.harmful:
            out.append(0.0)
        elif level == "high":
            out.append(1.0 if sample.severity is Severity.HIGH else 0.0)
        else:
            out.append(1.0)
    return out


def text_features(text: str) -> list[str]:
    """Features of a whole (short) training text: its chunks joined."""
    return features(" ".join(chunks(text)))


class Dataset:
    """Training texts as a sparse matrix over a vocabulary (CSR arrays)."""

    def __init__(self, samples: Sequence[Sample], vocabulary: dict[str, int] | None = None) -> None:
        feats = [text_features(s.text) for s in samples]
        if vocabulary is None:
            counts = Counter(f for fs in feats for f in set(fs))
            kept = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
            vocabulary = {f: i for i, f in enumerate(kept)}
        self.vocabulary = vocabulary
        indptr, indices, values = [0], [], []
        for fs in feats:
            scale = 1.0 / math.sqrt(len(fs)) if fs else 0.0
            rows = [vocabulary[f] for f in fs if f in vocabulary]
            indices.extend(rows)
            values.extend([scale] * len(rows))
            indptr.append(len(indices))
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.indices = np.asarray(indices, dtype=np.int64)
        self.values = np.asarray(values, dtype=np.float32)
        self.y = np.asarray([targets(s) for s in samples], dtype=np.float32)

    def __len__(self) -> int:
        return len(self.indptr) - 1


def fit(data: Dataset) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Weighted logistic regression per head, Adam on mini-batches; returns (weights, bias)."""
    rng = np.random.default_rng(TRAIN_SEED)
    vocab, heads = len(data.vocabulary), len(HEADS)
    w = np.zeros((vocab, heads), dtype=np.float32)
    b = np.zeros(heads, dtype=np.float32)
    positives = data.y.sum(axis=0)
    negatives = len(data) - positives
    pos_weight = np.minimum(POSITIVE_WEIGHT_CAP, negatives / np.maximum(positives, 1.0))
    m_w, v_w = np.zeros_like(w), np.zeros_like(w)
    m_b, v_b = np.zeros_like(b), np.zeros_like(b)
    beta1, beta2, eps, step = 0.9, 0.999, 1e-8, 0
    for _ in range(EPOCHS):
        order = rng.permutation(len(data))
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            starts, ends = data.indptr[batch], data.indptr[batch + 1]
            lengths = ends - starts
            idx = np.concatenate([data.indices[s:e] for s, e in zip(starts, ends, strict=True)])
            val = np.concatenate([data.values[s:e] for s, e in zip(starts, ends, strict=True)])
            row = np.repeat(np.arange(len(batch)), lengths)
            logits = np.zeros((len(batch), heads), dtype=np.float32) + b
            np.add.at(logits, row, w[idx] * val[:, None])
            p = 1.0 / (1.0 + np.exp(-logits))
            y = data.y[batch]
            weight = np.where(y > 0, pos_weight, 1.0)
            err = (p - y) * weight / len(batch)
            grad_rows = err[row] * val[:, None]
            touched, inverse = np.unique(idx, return_inverse=True)
            grad = np.zeros((len(touched), heads), dtype=np.float32)
            np.add.at(grad, inverse, grad_rows)
            grad += L2 * w[touched]
            step += 1
            correction1, correction2 = 1 - beta1**step, 1 - beta2**step
            m_w[touched] = beta1 * m_w[touched] + (1 - beta1) * grad
            v_w[touched] = beta2 * v_w[touched] + (1 - beta2) * grad * grad
            w[touched] -= (
                LEARNING_RATE
                * (m_w[touched] / correction1)
                / (np.sqrt(v_w[touched] / correction2) + eps)
            )
            grad_b = err.sum(axis=0)
            m_b = beta1 * m_b + (1 - beta1) * grad_b
            v_b = beta2 * v_b + (1 - beta2) * grad_b * grad_b
            b -= LEARNING_RATE * (m_b / correction1) / (np.sqrt(v_b / correction2) + eps)
    return w, b


def fragments(samples: Sequence[Sample]) -> list[Sample]:
    """Short pieces (1-5 words) of the benign training texts, as extra benign examples.

    The stream guard classifies short windows, and a linear model that only ever saw whole
    sentences falls back on its biases for a text of one or two words; these teach it that a
    short, unremarkable text is safe.
    """
    rng = _rng("fragments")
    out = []
    for sample in samples:
        if sample.kind != "benign":
            continue
        words = sample.text.split()
        for _ in range(FRAGMENTS_PER_TEXT):
            size = rng.randint(1, min(5, len(words)))
            start = rng.randint(0, len(words) - size)
            text = " ".join(words[start : start + size])
            out.append(Sample(text, sample.lang, sample.section, "benign", sample.group, "train"))
    return out


def train(samples: Sequence[Sample], manifest: dict[str, object]) -> LinearSafetyModel:
    data = Dataset([*samples, *fragments(samples)])
    weights, bias = fit(data)
    # Features whose weights are all ~0 after rounding to float16 add nothing: drop them.
    keep = np.abs(weights).max(axis=1) >= 1e-3
    names = sorted(data.vocabulary, key=data.vocabulary.__getitem__)
    kept_names = [n for n, k in zip(names, keep, strict=True) if k]
    vocabulary = {n: i for i, n in enumerate(kept_names)}
    return LinearSafetyModel(vocabulary, weights[keep], bias, THRESHOLDS, manifest)


def validation_split(samples: Sequence[Sample]) -> tuple[list[Sample], list[Sample]]:
    """Four fifths / one fifth of the *training* templates (by group), for tuning."""
    groups = sorted({s.group for s in samples})
    chosen = set(_rng("validation").sample(groups, len(groups) // 5))
    return [s for s in samples if s.group not in chosen], [s for s in samples if s.group in chosen]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_model_dir())
    parser.add_argument(
        "--validate", action="store_true", help="train on 4/5 of train, report the other 1/5"
    )
    args = parser.parse_args(argv)
    corpus = load_corpus()
    training = split(corpus, "train")
    start = time.perf_counter()
    if args.validate:
        from modelport.policy.safety.learned.evaluate import evaluate, format_table

        fitted, validation = validation_split(training)
        model = train(fitted, {})
        print(f"trained on {len(fitted)} texts in {time.perf_counter() - start:.1f} s")
        print(format_table(evaluate(model.classify, validation), "validation (part of train)"))
        return
    heldout_groups = sorted({s.group for s in corpus if s.split == "heldout"})
    manifest: dict[str, object] = {
        "description": "Linear model over character and word n-grams; see docs/content-safety.md",
        "split_seed": SPLIT_SEED,
        "train_seed": TRAIN_SEED,
        "train_texts": len(training),
        "train_digest": corpus_digest(training),
        "train_groups": sorted({s.group for s in training}),
        "heldout_groups": heldout_groups,
        "hyperparameters": {
            "epochs": EPOCHS,
            "batch": BATCH,
            "learning_rate": LEARNING_RATE,
            "l2": L2,
            "min_count": MIN_COUNT,
            "fragments_per_benign_text": FRAGMENTS_PER_TEXT,
        },
    }
    model = train(training, manifest)
    model.save(args.out)
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(
        f"trained on {len(training)} texts in {time.perf_counter() - start:.1f} s: "
        f"{model.vocabulary_size} features, {size / 1e6:.2f} MB in {args.out}"
    )


if __name__ == "__main__":
    main()
