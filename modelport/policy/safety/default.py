"""The project's own content-safety classifiers: the lexicon stage and the default ensemble.

:class:`LexiconClassifier` (plug-in name ``lexicon``) normalises the text
(:mod:`~modelport.policy.safety.normalize`), masks benign look-alike phrases, then matches
weighted phrase patterns from the bundled lexicons (English, Spanish, French, Portuguese,
Italian, Dutch, German, Arabic, Hebrew). Each matching rule raises its category to the rule's
severity; jailbreak and profanity rules set their annotations. Lexicons are compiled once per
language selection and shared by all instances.

:class:`DefaultClassifier` (``default``) runs the lexicon stage and the shipped linear model
(:mod:`modelport.policy.safety.learned`) and keeps the higher severity of the two per category;
the model also flags prompt attacks. Both ship with the package: nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from modelport.policy.safety.learned.model import LinearSafetyModel
from modelport.policy.safety.lexicon import LANGUAGES, LEXICONS
from modelport.policy.safety.matcher import CompiledRule, Matcher
from modelport.policy.safety.normalize import normalize_variants
from modelport.policy.safety.patterns import Pattern, compile_template
from modelport.policy.safety.types import Annotation, Category, SafetyResult, Severity


@lru_cache(maxsize=16)
def compiled_matcher(languages: tuple[str, ...] = LANGUAGES) -> Matcher:
    """The matcher for ``languages`` (compiled on first use, then cached)."""
    unknown = sorted(set(languages) - set(LANGUAGES))
    if unknown:
        raise ValueError(
            f"no content safety lexicon for {', '.join(unknown)}; available: {', '.join(LANGUAGES)}"
        )
    compiled: list[CompiledRule] = []
    masks: list[Pattern] = []
    for part, lexicon in enumerate(LEXICONS):
        if lexicon.language not in languages:
            continue
        for number, spec in enumerate(lexicon.rules):
            rule_id = (
                f"{lexicon.language}.{spec.target.value}.{spec.severity.label}.{part}.{number}"
            )
            pattern = compile_template(spec.template, lexicon.slots)
            compiled.append(CompiledRule(rule_id, spec.target, spec.severity, pattern))
        masks.extend(compile_template(template, lexicon.slots) for template in lexicon.masks)
    return Matcher(compiled, masks)


@lru_cache(maxsize=4)
def shipped_model(model_dir: Path | None = None) -> LinearSafetyModel:
    """The linear model (loaded on first use, then shared; read-only)."""
    return LinearSafetyModel.load(model_dir)


class LexiconClassifier:
    """Lexicon-based multilingual classifier; see the module docstring.

    ``languages`` restricts the lexicons used (default: all of :data:`LANGUAGES`).
    """

    name: str = "lexicon"

    def __init__(self, languages: Iterable[str] | None = None) -> None:
        selection = LANGUAGES if languages is None else tuple(dict.fromkeys(languages))
        self._matcher = compiled_matcher(selection)

    def classify(self, text: str) -> SafetyResult:
        """Classify ``text``; never raises for any string input."""
        levels: dict[Category, Severity] = {}
        flags: set[Annotation] = set()
        evidence: list[str] = []
        hits = [hit for variant in normalize_variants(text) for hit in self._matcher.scan(variant)]
        for rule in hits:
            if rule.rule_id in evidence:
                continue
            evidence.append(rule.rule_id)
            if isinstance(rule.target, Annotation):
                flags.add(rule.target)
            elif rule.severity > levels.get(rule.target, Severity.SAFE):
                levels[rule.target] = rule.severity
        return SafetyResult.of(
            levels,
            jailbreak=Annotation.JAILBREAK in flags,
            profanity=Annotation.PROFANITY in flags,
            evidence=evidence,
        )


class DefaultClassifier:
    """The default ensemble: the lexicon stage, then the shipped linear model (higher wins).

    ``model_dir`` points at other weights in the same format (as written by
    ``python -m modelport.policy.safety.learned.train --out DIR``).
    """

    name: str = "default"

    def __init__(self, languages: Iterable[str] | None = None, model_dir: Path | None = None):
        self._lexicon = LexiconClassifier(languages)
        self._model = shipped_model(model_dir)

    @property
    def model(self) -> LinearSafetyModel:
        return self._model

    def classify(self, text: str) -> SafetyResult:
        """Classify ``text``; never raises for any string input."""
        return self._lexicon.classify(text).merge(self._model.classify(text))
