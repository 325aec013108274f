"""Finding and loading classifier plug-ins through the ``modelport.safety_classifiers`` group.

An entry point names a *factory*: a class or function returning a
:class:`~modelport.policy.safety.classifier.SafetyClassifier`. It is called with no arguments,
or with ``model_dir=<path>`` when the operator configured a model directory for that plug-in
(model-based plug-ins derive from
:class:`~modelport.policy.safety.classifier.DirectoryClassifier`). The project's own
deterministic classifier is always available as ``default``, registered or not::

    [project.entry-points."modelport.safety_classifiers"]
    default = "modelport.policy.safety.default:DefaultClassifier"
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from typing import Any

from modelport.policy.safety.classifier import (
    ClassifierConfigError,
    Ensemble,
    SafetyClassifier,
    validate_model_dir,
)
from modelport.policy.safety.default import DefaultClassifier, LexiconClassifier
from modelport.policy.safety.encoder import EncoderClassifier
from modelport.policy.safety.external import ExternalModerationClassifier
from modelport.policy.safety.guard import GuardModelClassifier

ENTRY_POINT_GROUP = "modelport.safety_classifiers"

ClassifierFactory = Callable[..., SafetyClassifier]

BUILTIN_CLASSIFIERS: Mapping[str, ClassifierFactory] = {
    "default": DefaultClassifier,
    "lexicon": LexiconClassifier,
    "encoder": EncoderClassifier,
    "guard": GuardModelClassifier,
    "external": ExternalModerationClassifier,
}


def classifier_entry_points() -> dict[str, metadata.EntryPoint]:
    """The installed plug-ins by name (the first of duplicate names wins)."""
    found: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    return found


def available_classifiers() -> list[str]:
    """Names that :func:`load_classifier` accepts: installed plug-ins plus the built-ins."""
    return sorted(set(classifier_entry_points()) | set(BUILTIN_CLASSIFIERS))


def _factory(name: str) -> ClassifierFactory:
    ep = classifier_entry_points().get(name)
    if ep is None:
        builtin = BUILTIN_CLASSIFIERS.get(name)
        if builtin is None:
            known = ", ".join(available_classifiers())
            raise ClassifierConfigError(
                f"unknown content safety classifier {name!r} (available: {known})"
            )
        return builtin
    try:
        loaded = ep.load()
    except Exception as exc:
        raise ClassifierConfigError(
            f"content safety classifier {name!r} ({ep.value}) cannot be imported: {exc}"
        ) from exc
    if not callable(loaded):
        raise ClassifierConfigError(
            f"entry point {name!r} ({ep.value}) is not a classifier factory"
        )
    factory: ClassifierFactory = loaded
    return factory


def load_classifier(
    name: str,
    *,
    model_dir: str | os.PathLike[str] | None = None,
    options: Mapping[str, Any] | None = None,
) -> SafetyClassifier:
    """Instantiate the plug-in ``name``, passing ``model_dir`` when one is configured and its
    ``options`` (keyword arguments, e.g. a guard deployment's URL) when given.

    A configured directory is validated before the plug-in sees it. Any failure is a
    :class:`~modelport.policy.safety.classifier.ClassifierConfigError`.
    """
    factory = _factory(name)
    try:
        kwargs = dict(options or {})
        if model_dir is None:
            classifier = factory(**kwargs)
        else:
            path = validate_model_dir(model_dir, (), classifier=name)
            classifier = factory(model_dir=path, **kwargs)
    except ClassifierConfigError:
        raise
    except Exception as exc:
        raise ClassifierConfigError(
            f"content safety classifier {name!r} failed to initialise: {exc}"
        ) from exc
    if not isinstance(classifier, SafetyClassifier):
        raise ClassifierConfigError(
            f"content safety classifier {name!r} did not produce an object with "
            "`name` and `classify(text)`"
        )
    return classifier


def load_ensemble(
    names: Sequence[str] = ("default",),
    *,
    model_dirs: Mapping[str, str | os.PathLike[str]] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> Ensemble:
    """Load the named plug-ins (``model_dirs`` maps plug-in name → directory, ``options``
    plug-in name → keyword arguments) into an ensemble."""
    dirs = dict(model_dirs or {})
    opts = dict(options or {})
    unknown_options = sorted(set(opts) - set(names))
    if unknown_options:
        raise ClassifierConfigError(
            f"options configured for classifiers not in use: {', '.join(unknown_options)}"
        )
    unknown_dirs = sorted(set(dirs) - set(names))
    if unknown_dirs:
        raise ClassifierConfigError(
            f"model directories configured for classifiers not in use: {', '.join(unknown_dirs)}"
        )
    if len(set(names)) != len(names):
        raise ClassifierConfigError(f"duplicate content safety classifiers in {list(names)}")
    return Ensemble([load_classifier(n, model_dir=dirs.get(n), options=opts.get(n)) for n in names])
