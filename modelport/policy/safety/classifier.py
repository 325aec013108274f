"""The classifier plug-in interface, the fail-closed :class:`Ensemble`, model-directory plug-ins.

A classifier is anything with a ``name`` and a synchronous, fast ``classify(text)`` returning a
:class:`~modelport.policy.safety.types.SafetyResult`. Several classifiers are combined by an
:class:`Ensemble`, which keeps the highest severity per category and turns *any* failure of a
member into a :class:`ClassifierError` so callers fail closed.

A plug-in that asks a model served by the platform itself (the ``guard`` plug-in) implements
``attach(host)``: at start-up the ensemble hands it a :class:`ClassifierHost`.

Model-based plug-ins derive from :class:`DirectoryClassifier`: their weights and vocabularies
live in a directory the operator configures. Nothing here downloads anything; a missing or
incomplete directory is a :class:`ClassifierConfigError` at start-up.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from modelport.errors import ClassifierError, OperatorError
from modelport.policy.safety.types import SafetyResult, Stage


@runtime_checkable
class SafetyClassifier(Protocol):
    """The plug-in interface: a stable ``name`` and a synchronous ``classify``.

    ``classify`` must be thread-safe (the service runs it in worker threads), side-effect free,
    and fast (it runs on every prompt and on every window of every streamed completion). It
    signals failure by raising; it never returns a partial result.

    A classifier may also declare ``inline_chars: int``: texts up to that length may be
    classified on the event loop, without a worker-thread hop (which costs more than a short
    check), because its cost is pure CPU, bounded by the text's length and well under a
    millisecond there. Without it, every text goes to a worker thread under the time budget.

    A classifier may also define ``classify_completion(text)``, with the same contract, for the
    windows of a completion (model-written text); the stream guard calls it where it exists
    (see :func:`completion_method`), and ``classify`` otherwise.
    """

    @property
    def name(self) -> str:
        """A short identifier, used in logs and evidence."""
        ...

    def classify(self, text: str) -> SafetyResult:
        """Classify one text."""
        ...


class ClassifierHost(Protocol):
    """What the platform offers plug-ins that ask a model it serves (``attach(host)``).

    :class:`~modelport.inference.direct.DirectCompletions` implements it: a greedy completion on
    a deployment's engine, outside the data plane (no content check, limits or billing).
    """

    def complete(
        self,
        deployment: str,
        prompt: str,
        *,
        max_tokens: int,
        timeout: float,
        extra: dict[str, object] | None = None,
    ) -> str:
        """The completion text; raises on any failure (from a worker thread only)."""
        ...


class ModelClassifierFactory(Protocol):
    """The entry-point target of a model-based plug-in: built from its configured directory.

    :class:`DirectoryClassifier` subclasses satisfy it. The loader
    (:func:`modelport.policy.safety.discovery.load_classifier`) validates the directory first and
    never fetches anything.
    """

    def __call__(self, *, model_dir: Path) -> SafetyClassifier:
        """Load the plug-in's files from ``model_dir``."""
        ...


def completion_method(classifier: SafetyClassifier) -> Callable[[str], SafetyResult]:
    """How ``classifier`` judges a completion window: its ``classify_completion`` if it has
    one, else its ``classify``."""
    method = getattr(classifier, "classify_completion", None)
    return method if callable(method) else classifier.classify


def inline_chars(classifier: object) -> int:
    """How long a text ``classifier`` may classify on the event loop (0: never)."""
    value = getattr(classifier, "inline_chars", 0)
    return value if isinstance(value, int) and value > 0 else 0


class ClassifierConfigError(OperatorError, RuntimeError):
    """A classifier cannot be loaded as configured (operator-facing, raised at start-up)."""


class Ensemble:
    """Runs several classifiers and keeps, per category, the highest severity any of them gave.

    Annotations are OR-ed. If any member raises or returns something other than a
    :class:`SafetyResult`, the whole ensemble raises :class:`ClassifierError`: a partial
    verdict is never returned.
    """

    def __init__(self, classifiers: Sequence[SafetyClassifier]) -> None:
        if not classifiers:
            raise ClassifierConfigError("a content safety ensemble needs at least one classifier")
        self._members = tuple(classifiers)
        self._name = "+".join(c.name for c in self._members)
        self.inline_chars = min(inline_chars(c) for c in self._members)

    @property
    def name(self) -> str:
        """The member names joined with ``+``."""
        return self._name

    @property
    def members(self) -> tuple[SafetyClassifier, ...]:
        """The member classifiers, in evaluation order."""
        return self._members

    def attach(self, host: ClassifierHost) -> None:
        """Hand ``host`` to the members that take one (an ``attach(host)`` method)."""
        for member in self._members:
            attach = getattr(member, "attach", None)
            if callable(attach):
                attach(host)

    def classify(self, text: str) -> SafetyResult:
        """Classify with every member; raise :class:`ClassifierError` if any fails."""
        return self._combine(text, Stage.PROMPT)

    def classify_completion(self, text: str) -> SafetyResult:
        """Classify a completion window with every member (each member's
        :func:`completion_method`); raise :class:`ClassifierError` if any fails."""
        return self._combine(text, Stage.COMPLETION)

    def _combine(self, text: str, stage: Stage) -> SafetyResult:
        combined = SafetyResult()
        for member in self._members:
            judge = completion_method(member) if stage is Stage.COMPLETION else member.classify
            try:
                result = judge(text)
            except Exception as exc:
                raise ClassifierError(member.name) from exc
            if not isinstance(result, SafetyResult):
                raise ClassifierError(member.name)
            combined = combined.merge(result)
        return combined


def validate_model_dir(
    model_dir: str | os.PathLike[str] | None, required_files: Sequence[str], *, classifier: str
) -> Path:
    """Check that ``model_dir`` is an existing directory holding ``required_files``.

    Returns the resolved path; raises :class:`ClassifierConfigError` with an explanation for the
    operator otherwise. Never creates or fetches anything.
    """
    if model_dir is None:
        raise ClassifierConfigError(
            f"content safety classifier {classifier!r} needs a model directory; configure one "
            "(its files are read from disk and never downloaded)"
        )
    path = Path(model_dir).expanduser()
    if not path.is_dir():
        raise ClassifierConfigError(
            f"model directory for content safety classifier {classifier!r} does not exist or "
            f"is not a directory: {path}"
        )
    missing = [name for name in required_files if not (path / name).is_file()]
    if missing:
        raise ClassifierConfigError(
            f"model directory {path} for content safety classifier {classifier!r} lacks "
            f"required file(s): {', '.join(missing)}"
        )
    return path.resolve()


class DirectoryClassifier(ABC):
    """Base class for model-based plug-ins that read their files from a configured directory.

    Subclasses set :attr:`name` and :attr:`required_files`, and implement :meth:`load` (read the
    files once) and :meth:`classify`. The constructor validates the directory first, so a
    misconfigured deployment fails at start-up with a clear message rather than on the first
    request.
    """

    name: str = "directory"
    required_files: tuple[str, ...] = ()

    def __init__(self, model_dir: str | os.PathLike[str] | None = None) -> None:
        self.model_dir = validate_model_dir(model_dir, self.required_files, classifier=self.name)
        self.load(self.model_dir)

    @abstractmethod
    def load(self, model_dir: Path) -> None:
        """Read the model files from ``model_dir`` (already validated)."""

    @abstractmethod
    def classify(self, text: str) -> SafetyResult:
        """Classify one text."""
