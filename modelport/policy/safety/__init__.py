"""Content safety: classify prompts and completions, block by policy, fail closed.

Public API (see each module for details):

* :mod:`.types`: :class:`Category`, :class:`Severity`, :class:`Annotation`, :class:`Stage`,
  :class:`SafetyResult` (with ``content_filter_result(policy, stage)``);
* :mod:`.classifier`: the :class:`SafetyClassifier` plug-in protocol, :class:`Ensemble`,
  :class:`DirectoryClassifier`, :class:`ModelClassifierFactory`, :class:`ClassifierError`,
  :class:`ClassifierConfigError`;
* :mod:`.discovery`: :func:`load_ensemble` / :func:`load_classifier` over the
  ``modelport.safety_classifiers`` entry-point group;
* :mod:`.default`: :class:`DefaultClassifier` (lexicon stage + shipped linear model) and
  :class:`LexiconClassifier` (the lexicon stage alone);
* :mod:`.policy`: :class:`SafetyPolicy` and :class:`SafetyService` (``check_prompt``);
* :mod:`.stream_guard`: :func:`guard_stream` and :func:`filter_completion`.
"""

from __future__ import annotations

from modelport.errors import ClassifierError
from modelport.policy.safety.classifier import (
    ClassifierConfigError,
    DirectoryClassifier,
    Ensemble,
    ModelClassifierFactory,
    SafetyClassifier,
)
from modelport.policy.safety.default import DefaultClassifier, LexiconClassifier
from modelport.policy.safety.discovery import (
    ENTRY_POINT_GROUP,
    available_classifiers,
    load_classifier,
    load_ensemble,
)
from modelport.policy.safety.policy import SafetyPolicy, SafetyService
from modelport.policy.safety.stream_guard import FilteredCompletion, filter_completion, guard_stream
from modelport.policy.safety.types import Annotation, Category, SafetyResult, Severity, Stage

__all__ = [
    "ENTRY_POINT_GROUP",
    "Annotation",
    "Category",
    "ClassifierConfigError",
    "ClassifierError",
    "DefaultClassifier",
    "DirectoryClassifier",
    "Ensemble",
    "FilteredCompletion",
    "LexiconClassifier",
    "ModelClassifierFactory",
    "SafetyClassifier",
    "SafetyPolicy",
    "SafetyResult",
    "SafetyService",
    "Severity",
    "Stage",
    "available_classifiers",
    "filter_completion",
    "guard_stream",
    "load_classifier",
    "load_ensemble",
]
