"""The shipped linear model: one logistic head per decision, over hashed n-gram features.

Heads: for each category ``c``, ``c`` (severity medium or more) and ``c:high``; ``harmful``
(any category, medium or more: it shares what all harmful texts have in common, such as "without
anyone noticing"); and ``jailbreak`` (a prompt attack, direct or embedded in a document). A
chunk's logit per head is ``bias + Σ w[bucket] / √(number of features)`` (see :mod:`.features`);
a text's is its worst (highest) chunk's. A category's score ``s(c)`` is the sigmoid of the mean
of the ``c`` and ``harmful`` logits. The decision rule maps scores onto severities with
per-category thresholds stored next to the weights (chosen on the validation part of the
training corpus):

* ``HIGH`` when ``s(c) ≥ medium[c]`` and ``p(c:high) ≥ high[c]``; ``MEDIUM`` when
  ``s(c) ≥ medium[c]``;
* ``LOW`` when ``s(c) ≥ low[c]`` (an uncertain band, never blocked by the default policy);
* ``SAFE`` otherwise.

Files (``model.npz`` and ``manifest.json`` in :func:`default_model_dir`, a package directory):
``int8`` weights with one scale per head, the biases, and the manifest (feature bits,
thresholds, and what the model was trained on: corpus digest, seeds, validation groups).
Nothing is ever downloaded.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from modelport.policy.safety.learned.features import (
    DEFAULT_BITS,
    chunk_scale,
    chunks,
    finished_clauses,
    hash_chunks,
)
from modelport.policy.safety.types import Category, SafetyResult, Severity

CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
HEADS: tuple[str, ...] = (
    *CATEGORIES,
    *(f"{c}:high" for c in CATEGORIES),
    "harmful",
    "jailbreak",
)
MODEL_FILE = "model.npz"
MANIFEST_FILE = "manifest.json"
_HIGH = {c: len(CATEGORIES) + i for i, c in enumerate(CATEGORIES)}
_HARMFUL = HEADS.index("harmful")
_JAILBREAK = HEADS.index("jailbreak")


_CATEGORY = {c.value: c for c in Category}


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -60 else 0.0


def category_scores(logits: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float64]:
    """Each category's score: the mean of its own head's logit and the shared ``harmful``
    head's, as a probability (the last axis of ``logits`` holds the heads)."""
    both = (logits[..., : len(CATEGORIES)] + logits[..., _HARMFUL, None]) / 2
    out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-both.astype(np.float64)))
    return out


def default_model_dir() -> Path:
    """Where the shipped model lives (inside the package: no download, ever)."""
    return Path(__file__).resolve().parent / "weights"


def _per_category(value: float) -> dict[str, float]:
    return dict.fromkeys(CATEGORIES, value)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Probability cut-offs of the decision rule, per category (see the module docstring)."""

    medium: dict[str, float] = field(default_factory=lambda: _per_category(0.5))
    high: dict[str, float] = field(default_factory=lambda: _per_category(0.5))
    low: dict[str, float] = field(default_factory=lambda: _per_category(0.25))
    jailbreak: float = 0.5

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def at_most(self, bound: Thresholds) -> Thresholds:
        """Each cut-off no higher than ``bound``'s (the shipped model's, so that a round adding
        harder look-alikes to the validation split cannot raise what the shipped model blocks
        at)."""
        return Thresholds(
            medium={c: min(v, bound.medium[c]) for c, v in self.medium.items()},
            high={c: min(v, bound.high[c]) for c, v in self.high.items()},
            low={c: min(v, bound.low[c]) for c, v in self.low.items()},
            jailbreak=min(self.jailbreak, bound.jailbreak),
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Thresholds:
        return cls(
            medium={c: float(data["medium"][c]) for c in CATEGORIES},
            high={c: float(data["high"][c]) for c in CATEGORIES},
            low={c: float(data["low"][c]) for c in CATEGORIES},
            jailbreak=float(data["jailbreak"]),
        )


class LinearSafetyModel:
    """Scores texts with the shipped weights; thread-safe (read-only after loading)."""

    def __init__(
        self,
        weights: npt.NDArray[np.float32],
        bias: npt.NDArray[np.float32],
        thresholds: Thresholds,
        manifest: dict[str, Any] | None = None,
        *,
        edges: bool | None = None,
    ) -> None:
        buckets, heads = weights.shape
        if heads != len(HEADS) or bias.shape != (heads,) or buckets & (buckets - 1):
            raise ValueError("weights must be (2**bits, heads) and the bias one value per head")
        self._weights = np.ascontiguousarray(weights, dtype=np.float32)
        self._bias = bias.astype(np.float32)
        self.bits = buckets.bit_length() - 1
        self.thresholds = thresholds
        self.manifest = manifest or {}
        self.edges = bool(self.manifest.get("edge_features", False)) if edges is None else edges
        """Whether the chunks' first and last words are features (see ``features``)."""

    @classmethod
    def load(cls, model_dir: Path | None = None) -> LinearSafetyModel:
        """Read ``model.npz`` and ``manifest.json`` from ``model_dir`` (default: the shipped)."""
        directory = model_dir or default_model_dir()
        with np.load(directory / MODEL_FILE) as data:
            scale = data["scale"].astype(np.float32)
            weights = data["weights"].astype(np.float32) * scale
            bias = data["bias"].astype(np.float32)
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        return cls(weights, bias, Thresholds.from_json(manifest["thresholds"]), manifest)

    def save(self, model_dir: Path) -> None:
        """Write the model files (used by the training script); weights as ``int8``."""
        model_dir.mkdir(parents=True, exist_ok=True)
        peak = np.abs(self._weights).max(axis=0)
        scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
        quantized = np.clip(np.rint(self._weights / scale), -127, 127).astype(np.int8)
        np.savez_compressed(model_dir / MODEL_FILE, weights=quantized, scale=scale, bias=self._bias)
        manifest = {
            **self.manifest,
            "bits": self.bits,
            "edge_features": self.edges,
            "heads": list(HEADS),
            "thresholds": self.thresholds.to_json(),
        }
        (model_dir / MANIFEST_FILE).write_text(
            json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    def with_thresholds(self, thresholds: Thresholds) -> LinearSafetyModel:
        """The same weights under other thresholds (for tuning)."""
        return LinearSafetyModel(
            self._weights, self._bias, thresholds, self.manifest, edges=self.edges
        )

    def chunk_logits(self, parts: list[str]) -> npt.NDArray[np.float32]:
        """Raw head scores of normalised chunks, one row per chunk."""
        hashed = hash_chunks(parts, self.bits, edges=self.edges)
        # ``take`` with native indices is about twice as fast as fancy indexing with uint64.
        rows = np.take(self._weights, hashed.buckets.astype(np.intp), axis=0)
        if hashed.chunk is None:  # one chunk: the common case, kept cheap
            one: npt.NDArray[np.float32] = rows.sum(axis=0, keepdims=True)
            one *= chunk_scale(hashed.sizes)[0]
            one += self._bias
            return one
        # Rows grouped by chunk, then one segmented sum (``np.add.at`` is several times
        # slower); every chunk has at least one feature (a word), so no segment is empty.
        order = np.argsort(hashed.chunk, kind="stable")
        starts = np.zeros(len(parts), dtype=np.intp)
        np.cumsum(hashed.sizes[:-1], out=starts[1:])
        out: npt.NDArray[np.float32] = np.add.reduceat(rows[order], starts, axis=0)
        out *= chunk_scale(hashed.sizes)[:, None]
        out += self._bias
        return out

    def logits(self, text: str) -> npt.NDArray[np.float32]:
        """Each head's raw score for ``text``: the worst chunk's (the biases if no words)."""
        return self._worst(chunks(text))

    def _worst(self, parts: list[str]) -> npt.NDArray[np.float32]:
        """Each head's score of the worst of ``parts`` (the biases if there are none)."""
        if not parts:
            return self._bias.copy()
        per_chunk = self.chunk_logits(parts)
        out: npt.NDArray[np.float32] = per_chunk[0] if len(parts) == 1 else per_chunk.max(axis=0)
        return out

    def window_logits(self, text: str) -> npt.NDArray[np.float32]:
        """Like :meth:`logits`, for a completion window cut anywhere: when words follow the
        window's last clause mark, the window up to that mark is one more chunk (its last),
        so a clause's unfinished first words cannot pull the clause before them under."""
        head = finished_clauses(text)
        parts = chunks(text)
        extra = chunks(head)[-1:] if head is not None else []
        if extra and parts and extra[0] != parts[-1]:
            parts.append(extra[0])
        return self._worst(parts)

    def classify_window(self, text: str) -> SafetyResult:
        """The severities and prompt-attack flag of a completion window (see
        :meth:`window_logits`)."""
        return self.decide(self.window_logits(text))

    def probabilities(self, text: str) -> dict[str, float]:
        """Each head's probability for ``text``."""
        probs = 1.0 / (1.0 + np.exp(-self.logits(text).astype(np.float64)))
        return {name: float(probs[i]) for i, name in enumerate(HEADS)}

    def decide(self, logits: npt.NDArray[np.float32]) -> SafetyResult:
        """Severities and the prompt-attack flag from raw head scores."""
        raw = logits.tolist()
        t = self.thresholds
        levels: dict[Category, Severity] = {}
        evidence: list[str] = []
        for i, category in enumerate(CATEGORIES):
            medium = _sigmoid((raw[i] + raw[_HARMFUL]) / 2)  # category_scores, one at a time
            if medium >= t.medium[category]:
                high = _sigmoid(raw[_HIGH[category]]) >= t.high[category]
                level = Severity.HIGH if high else Severity.MEDIUM
            elif medium >= t.low[category]:
                level = Severity.LOW
            else:
                continue
            levels[_CATEGORY[category]] = level
            evidence.append(f"model.{category}.{level.label}:{medium:.2f}")
        attack = _sigmoid(raw[_JAILBREAK])
        jailbreak = attack >= t.jailbreak
        if jailbreak:
            evidence.append(f"model.jailbreak:{attack:.2f}")
        return SafetyResult.of(levels, jailbreak=jailbreak, evidence=evidence)

    def classify(self, text: str) -> SafetyResult:
        """The severities and the prompt-attack flag for ``text``."""
        return self.decide(self.logits(text))


def empty_model(bits: int = DEFAULT_BITS) -> LinearSafetyModel:
    """An all-zero model (the trainer's starting point)."""
    return LinearSafetyModel(
        np.zeros((1 << bits, len(HEADS)), dtype=np.float32),
        np.zeros(len(HEADS), dtype=np.float32),
        Thresholds(),
    )
