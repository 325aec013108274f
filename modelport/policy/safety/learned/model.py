"""The shipped linear model: one logistic head per decision, over hashed-free sparse features.

Heads: for each category ``c``, ``c`` (severity medium or more) and ``c:high``; and
``jailbreak`` (a prompt attack, direct or embedded in a document). A text's score per head is
the worst (highest) over its chunks (see :mod:`.features`). The decision rule maps head
probabilities onto severities with the thresholds stored next to the weights:

* ``HIGH`` when ``p(c) ≥ medium`` and ``p(c:high) ≥ high``; ``MEDIUM`` when ``p(c) ≥ medium``;
* ``LOW`` when ``p(c) ≥ low`` (an uncertain band, never blocked by the default policy);
* ``SAFE`` otherwise.

Files (``model.npz`` and ``manifest.json`` in :func:`default_model_dir`, a package directory):
the feature vocabulary, ``float16`` weights, biases, thresholds, and the manifest saying what the
model was trained on (corpus digest, split seed, held-out groups).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from modelport.policy.safety.learned.features import chunks, features
from modelport.policy.safety.types import Category, SafetyResult, Severity

HEADS: tuple[str, ...] = (
    *(c.value for c in Category),
    *(f"{c.value}:high" for c in Category),
    "jailbreak",
)
MODEL_FILE = "model.npz"
MANIFEST_FILE = "manifest.json"


def default_model_dir() -> Path:
    """Where the shipped model lives (inside the package: no download, ever)."""
    return Path(__file__).resolve().parent / "weights"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Probability cut-offs of the decision rule (see the module docstring)."""

    medium: float = 0.5
    high: float = 0.5
    low: float = 0.25
    jailbreak: float = 0.5


class LinearSafetyModel:
    """Scores texts with the shipped weights; thread-safe (read-only after loading)."""

    def __init__(
        self,
        vocabulary: dict[str, int],
        weights: npt.NDArray[np.float32],
        bias: npt.NDArray[np.float32],
        thresholds: Thresholds,
        manifest: dict[str, Any] | None = None,
    ) -> None:
        if weights.shape != (len(vocabulary), len(HEADS)) or bias.shape != (len(HEADS),):
            raise ValueError("weights do not match the vocabulary and the heads")
        self._vocabulary = vocabulary
        self._weights = weights
        self._bias = bias
        self.thresholds = thresholds
        self.manifest = manifest or {}
        self._head = {name: i for i, name in enumerate(HEADS)}

    @classmethod
    def load(cls, model_dir: Path | None = None) -> LinearSafetyModel:
        """Read ``model.npz`` and ``manifest.json`` from ``model_dir`` (default: the shipped)."""
        directory = model_dir or default_model_dir()
        with np.load(directory / MODEL_FILE) as data:
            names = bytes(data["vocabulary"]).decode("utf-8").split("\n")
            weights = data["weights"].astype(np.float32)
            bias = data["bias"].astype(np.float32)
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        thresholds = Thresholds(**manifest["thresholds"])
        return cls({n: i for i, n in enumerate(names)}, weights, bias, thresholds, manifest)

    def save(self, model_dir: Path) -> None:
        """Write the model files (used by the training script)."""
        model_dir.mkdir(parents=True, exist_ok=True)
        names = sorted(self._vocabulary, key=self._vocabulary.__getitem__)
        np.savez_compressed(
            model_dir / MODEL_FILE,
            vocabulary=np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8),
            weights=self._weights.astype(np.float16),
            bias=self._bias,
        )
        manifest = {**self.manifest, "heads": list(HEADS), "thresholds": vars_of(self.thresholds)}
        (model_dir / MANIFEST_FILE).write_text(
            json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocabulary)

    def chunk_logits(self, chunk: str) -> npt.NDArray[np.float32]:
        """Raw head scores of one normalised chunk."""
        feats = features(chunk)
        get = self._vocabulary.get
        rows = [i for i in map(get, feats) if i is not None]
        logits = self._bias.copy()
        if rows:
            logits += self._weights[rows].sum(axis=0) * (1.0 / math.sqrt(len(feats)))
        return logits

    def probabilities(self, text: str) -> dict[str, float]:
        """Each head's probability for ``text`` (the worst chunk's)."""
        parts = chunks(text)
        if not parts:
            return dict.fromkeys(HEADS, 0.0)
        worst = np.max(np.stack([self.chunk_logits(c) for c in parts]), axis=0)
        probs = 1.0 / (1.0 + np.exp(-worst.astype(np.float64)))
        return {name: float(probs[i]) for i, name in enumerate(HEADS)}

    def classify(self, text: str) -> SafetyResult:
        """The severities and the prompt-attack flag for ``text``."""
        p = self.probabilities(text)
        t = self.thresholds
        levels: dict[Category, Severity] = {}
        evidence: list[str] = []
        for category in Category:
            medium, high = p[category.value], p[f"{category.value}:high"]
            if medium >= t.medium:
                level = Severity.HIGH if high >= t.high else Severity.MEDIUM
            elif medium >= t.low:
                level = Severity.LOW
            else:
                continue
            levels[category] = level
            evidence.append(f"model.{category.value}.{level.label}:{medium:.2f}")
        jailbreak = p["jailbreak"] >= t.jailbreak
        if jailbreak:
            evidence.append(f"model.jailbreak:{p['jailbreak']:.2f}")
        return SafetyResult.of(levels, jailbreak=jailbreak, evidence=evidence)


def vars_of(thresholds: Thresholds) -> dict[str, float]:
    return {
        "medium": thresholds.medium,
        "high": thresholds.high,
        "low": thresholds.low,
        "jailbreak": thresholds.jailbreak,
    }
