"""Content-safety vocabulary: harm categories, ordered severities, annotations and results.

A :class:`SafetyResult` is what every classifier returns: one :class:`Severity` per harm
:class:`Category` plus two boolean annotations (prompt attacks and profanity). Whether a result
is *filtered* is not the classifier's business; that is decided by a policy (see
:mod:`modelport.policy.safety.policy`) and rendered Azure-style by
:meth:`SafetyResult.content_filter_result`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum
from typing import Any, Protocol


class Category(StrEnum):
    """A harm category; the value is the key used on the wire."""

    HATE = "hate"
    SEXUAL = "sexual"
    VIOLENCE = "violence"
    SELF_HARM = "self_harm"


class Annotation(StrEnum):
    """A boolean signal reported next to the categories."""

    JAILBREAK = "jailbreak"  # a prompt attack: attempts to override the system instructions
    PROFANITY = "profanity"


class Stage(StrEnum):
    """Which side of the conversation a text comes from."""

    PROMPT = "prompt"
    COMPLETION = "completion"


class Severity(IntEnum):
    """Ordered severity levels (``SAFE < LOW < MEDIUM < HIGH``), numbered like Azure's 0/2/4/6."""

    SAFE = 0
    LOW = 2
    MEDIUM = 4
    HIGH = 6

    @property
    def label(self) -> str:
        """The lower-case wire name: ``"safe"``, ``"low"``, ``"medium"`` or ``"high"``."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | int | Severity) -> Severity:
        """Accept a member, its wire name (any case) or its number; else raise ``ValueError``."""
        if isinstance(value, Severity):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(value)
        if isinstance(value, str):
            try:
                return cls[value.strip().upper()]
            except KeyError:
                pass
        raise ValueError(f"unknown severity {value!r}; expected one of safe, low, medium, high")


class FilterRules(Protocol):
    """What :meth:`SafetyResult.content_filter_result` needs from a policy."""

    def filters(self, category: Category, severity: Severity) -> bool:
        """Whether ``severity`` in ``category`` is filtered."""
        ...

    def filters_annotation(self, annotation: Annotation, stage: Stage) -> bool:
        """Whether a *detected* ``annotation`` is filtered at ``stage``."""
        ...

    def enabled_for_blocklists(self) -> bool:
        """Whether blocklist hits are filtered."""
        ...


@dataclass(frozen=True, slots=True)
class SafetyResult:
    """One classification: a severity per category, two annotations and the evidence behind them.

    ``evidence`` names the rules (or model heads) that fired; it is for logs and tests and is
    never shown to API callers.
    """

    hate: Severity = Severity.SAFE
    sexual: Severity = Severity.SAFE
    violence: Severity = Severity.SAFE
    self_harm: Severity = Severity.SAFE
    jailbreak: bool = False
    profanity: bool = False
    evidence: tuple[str, ...] = ()
    # Names of the custom blocklists the text hit; None when no blocklist applied at all.
    blocklists: tuple[str, ...] | None = None

    @classmethod
    def of(
        cls,
        severities: Mapping[Category, Severity] | None = None,
        *,
        jailbreak: bool = False,
        profanity: bool = False,
        evidence: Iterable[str] = (),
    ) -> SafetyResult:
        """Build a result from a category → severity mapping (missing categories are safe)."""
        levels = dict(severities or {})

        def level(category: Category) -> Severity:
            return Severity.parse(levels.get(category, Severity.SAFE))

        return cls(
            hate=level(Category.HATE),
            sexual=level(Category.SEXUAL),
            violence=level(Category.VIOLENCE),
            self_harm=level(Category.SELF_HARM),
            jailbreak=jailbreak,
            profanity=profanity,
            evidence=tuple(evidence),
        )

    def severity(self, category: Category) -> Severity:
        """The severity of one category."""
        level: Severity = getattr(self, category.value)
        return level

    @property
    def severities(self) -> dict[Category, Severity]:
        """All categories with their severities, in :class:`Category` order."""
        return {c: self.severity(c) for c in Category}

    @property
    def max_severity(self) -> Severity:
        """The highest severity over all categories."""
        return max(self.hate, self.sexual, self.violence, self.self_harm)

    def detected(self, annotation: Annotation) -> bool:
        """Whether an annotation was detected."""
        return self.jailbreak if annotation is Annotation.JAILBREAK else self.profanity

    def merge(self, other: SafetyResult) -> SafetyResult:
        """The element-wise maximum of two results (annotations are OR-ed, evidence joined)."""
        evidence = self.evidence + tuple(e for e in other.evidence if e not in self.evidence)
        blocklists = self.blocklists
        if other.blocklists is not None:
            mine = blocklists or ()
            blocklists = mine + tuple(b for b in other.blocklists if b not in mine)
        return replace(
            self,
            hate=max(self.hate, other.hate),
            sexual=max(self.sexual, other.sexual),
            violence=max(self.violence, other.violence),
            self_harm=max(self.self_harm, other.self_harm),
            jailbreak=self.jailbreak or other.jailbreak,
            profanity=self.profanity or other.profanity,
            evidence=evidence,
            blocklists=blocklists,
        )

    def with_blocklists(self, hits: tuple[str, ...]) -> SafetyResult:
        """This result with blocklist ``hits`` added (blocklists now count as applied)."""
        return self.merge(SafetyResult(blocklists=hits))

    @classmethod
    def combine(cls, results: Iterable[SafetyResult]) -> SafetyResult:
        """Merge any number of results; the empty combination is all-safe."""
        combined = cls()
        for result in results:
            combined = combined.merge(result)
        return combined

    def content_filter_result(
        self, policy: FilterRules, stage: Stage = Stage.PROMPT
    ) -> dict[str, Any]:
        """The Azure-style annotation for this result under ``policy``.

        ``{"hate": {"filtered": False, "severity": "safe"}, ..., "jailbreak": {"filtered":
        False, "detected": False}, "profanity": {...}}``. Prompt attacks are a prompt-side
        signal, so ``jailbreak`` is reported only for :attr:`Stage.PROMPT`.
        """
        out: dict[str, Any] = {}
        for category in Category:
            level = self.severity(category)
            out[category.value] = {
                "filtered": policy.filters(category, level),
                "severity": level.label,
            }
        for annotation in Annotation:
            if annotation is Annotation.JAILBREAK and stage is not Stage.PROMPT:
                continue
            found = self.detected(annotation)
            out[annotation.value] = {
                "filtered": found and policy.filters_annotation(annotation, stage),
                "detected": found,
            }
        if self.blocklists is not None:  # as the cloud reports them
            out["custom_blocklists"] = {
                "filtered": bool(self.blocklists) and policy.enabled_for_blocklists(),
                "details": [{"id": name, "filtered": True} for name in self.blocklists],
            }
        return out
