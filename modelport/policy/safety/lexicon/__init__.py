"""The lexicons of the default classifier, one module per language (English in three parts).

Every lexicon is written and maintained by the project; nothing is downloaded or generated.
"""

from __future__ import annotations

from modelport.policy.safety.lexicon import (
    ar,
    de,
    en_abuse,
    en_harm,
    en_meta,
    es,
    fr,
    he,
    it,
    nl,
    pt,
)
from modelport.policy.safety.lexicon.spec import Lexicon, RuleSpec

LEXICONS: tuple[Lexicon, ...] = (
    en_harm.LEXICON,
    en_abuse.LEXICON,
    en_meta.LEXICON,
    es.LEXICON,
    fr.LEXICON,
    pt.LEXICON,
    it.LEXICON,
    nl.LEXICON,
    de.LEXICON,
    ar.LEXICON,
    he.LEXICON,
)

LANGUAGES: tuple[str, ...] = tuple(dict.fromkeys(lex.language for lex in LEXICONS))

__all__ = ["LANGUAGES", "LEXICONS", "Lexicon", "RuleSpec"]
