"""The shape of a lexicon: slots, scored phrase rules and benign-context masks for one language.

Language modules build a :class:`Lexicon` from plain templates (see
:mod:`modelport.policy.safety.patterns` for the template language). Severity guide used by all
lexicons:

* ``HIGH``: explicit intent or instructions to cause serious harm (weapons, murder methods,
  suicide methods), calls for violence against a group, sexual content involving minors;
* ``MEDIUM``: threats, explicit harm or gore, dehumanising hate and slurs, explicit sexual
  content, first-person statements of suicidal intent;
* ``LOW``: mild mentions of the topic (words like *kill*, *sex*, *suicide* on their own).

``JAILBREAK`` and ``PROFANITY`` rules are annotations; their severity is ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from modelport.policy.safety.types import Annotation, Category, Severity

HATE = Category.HATE
SEXUAL = Category.SEXUAL
VIOLENCE = Category.VIOLENCE
SELF_HARM = Category.SELF_HARM
JAILBREAK = Annotation.JAILBREAK
PROFANITY = Annotation.PROFANITY
LOW = Severity.LOW
MEDIUM = Severity.MEDIUM
HIGH = Severity.HIGH


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One template that raises ``target`` to ``severity`` when it matches."""

    target: Category | Annotation
    severity: Severity
    template: str


def rules(
    target: Category | Annotation, severity: Severity, *templates: str
) -> tuple[RuleSpec, ...]:
    """Several templates with the same target and severity."""
    return tuple(RuleSpec(target, severity, t) for t in templates)


def flag(target: Annotation, *templates: str) -> tuple[RuleSpec, ...]:
    """Annotation rules (jailbreak, profanity)."""
    return rules(target, MEDIUM, *templates)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything the default classifier knows about one language (or one part of it)."""

    language: str
    rules: tuple[RuleSpec, ...]
    slots: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    masks: tuple[str, ...] = ()


def alts(text: str) -> tuple[str, ...]:
    """A ``|``-separated word list as a tuple (compact to write, one entry per alternative)."""
    return tuple(part.strip() for part in text.split("|") if part.strip())
