"""The project's own content-safety classifiers: the lexicon stage and the default ensemble.

:class:`LexiconClassifier` (plug-in name ``lexicon``) normalises the text
(:mod:`~modelport.policy.safety.normalize`), masks benign look-alike phrases, then matches
weighted phrase patterns from the bundled lexicons (English, Spanish, French, Portuguese,
Italian, Dutch, German, Arabic, Hebrew). Each matching rule raises its category to the rule's
severity; jailbreak and profanity rules set their annotations. Lexicons are compiled once per
language selection and shared by all instances.

:class:`DefaultClassifier` (``default``) is the shipped linear model
(:mod:`modelport.policy.safety.learned`) for the four categories and prompt attacks, with the
lexicons' profanity rules for the profanity annotation. Both ship with the package: nothing is
downloaded.
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

ALL_TARGETS: tuple[Category | Annotation, ...] = (*Category, *Annotation)


@lru_cache(maxsize=16)
def compiled_matcher(
    languages: tuple[str, ...] = LANGUAGES,
    targets: tuple[Category | Annotation, ...] = ALL_TARGETS,
) -> Matcher:
    """The matcher for ``languages``, with the rules for ``targets`` only (compiled on first
    use, then cached)."""
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
            if spec.target not in targets:
                continue
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

    ``languages`` restricts the lexicons used (default: all of :data:`LANGUAGES`), ``targets``
    the categories and annotations it judges (default: all).
    """

    name: str = "lexicon"
    # ~0.25 ms per 100 characters on a loaded 2-core machine: a stream window (context, segment,
    # lookahead) is checked on the event loop, long prompts and documents in a worker thread.
    inline_chars: int = 512

    def __init__(
        self,
        languages: Iterable[str] | None = None,
        targets: Iterable[Category | Annotation] | None = None,
    ) -> None:
        selection = LANGUAGES if languages is None else tuple(dict.fromkeys(languages))
        chosen = ALL_TARGETS if targets is None else tuple(dict.fromkeys(targets))
        self._matcher = compiled_matcher(selection, chosen)

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
    """The default classifier: the shipped linear model judges the four categories and prompt
    attacks; the lexicons only annotate profanity.

    The lexicons' category and prompt-attack rules were measured as a first stage on the
    validation part of the training corpus and left out: they added under one point of recall
    for as much in false blocks, at a third more time per text (docs/content-safety.md).
    ``model_dir`` points at other weights in the same format (as written by
    ``python -m modelport.policy.safety.learned.train --out DIR``).
    """

    name: str = "default"
    # ~0.4 ms for 512 characters (~0.16 ms for a 120-character stream window) on this 2-core
    # machine: stream windows and short prompts are checked on the event loop (see
    # ``SafetyClassifier``), longer texts in a worker thread.
    inline_chars: int = 512

    def __init__(self, languages: Iterable[str] | None = None, model_dir: Path | None = None):
        self._profanity = LexiconClassifier(languages, targets=(Annotation.PROFANITY,))
        self._model = shipped_model(model_dir)

    @property
    def model(self) -> LinearSafetyModel:
        return self._model

    def classify(self, text: str) -> SafetyResult:
        """Classify ``text``; never raises for any string input."""
        return self._model.classify(text).merge(self._profanity.classify(text))

    def classify_completion(self, text: str) -> SafetyResult:
        """Classify a completion window, whose last clause may be cut short (see
        :meth:`LinearSafetyModel.classify_window`); never raises for any string input."""
        return self._model.classify_window(text).merge(self._profanity.classify(text))
