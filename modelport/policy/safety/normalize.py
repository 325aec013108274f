"""Text normalisation for lexical matching: one canonical, space-separated token string.

:func:`normalize` turns arbitrary user or model text into lower-case word tokens joined by single
spaces, undoing the cheap tricks used to slip past word lists:

1. NFKC (full-width and stylised letters become plain ones) and case folding;
2. removal of diacritics and Arabic/Hebrew vowel points, zero-width characters and tatweel;
   folding of Arabic letter variants (alef forms, ta marbuta, alef maqsura), Arabic-Indic
   digits and the commonest Cyrillic/Greek look-alikes of Latin letters;
3. tokenising on anything that is not a letter or digit (``@`` and ``$`` count as ``a``/``s``,
   ``!`` between letters as ``i``);
4. joining letters spelled out with separators (``k.i.l.l``, ``k i l l``, see
   :func:`normalize_variants`);
5. leetspeak folding inside words that mix letters and digits (``k1ll``, ``h4te``) while leaving
   numbers and numerals with units (``12yo`` becomes ``12 yo``) alone;
6. squeezing elongations (``kiiiill`` → ``kill``: vowel runs to one, other letter runs to two).

The lexicon's own phrases go through the same function, so both sides always agree.
"""

from __future__ import annotations

import re
import unicodedata

# Combining marks removed after NFD: Latin diacritics, Hebrew points and cantillation,
# Arabic harakat and Quranic marks. Base letters of other scripts are left as they are.
_MARK_RANGES = (
    (0x0300, 0x036F),
    (0x0591, 0x05BD),
    (0x05BF, 0x05BF),
    (0x05C1, 0x05C2),
    (0x05C4, 0x05C5),
    (0x05C7, 0x05C7),
    (0x0610, 0x061A),
    (0x064B, 0x065F),
    (0x0670, 0x0670),
    (0x06D6, 0x06DC),
    (0x06DF, 0x06E8),
    (0x06EA, 0x06ED),
)
_INVISIBLE = (0x00AD, 0x0640, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF)

_LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ӏ": "l",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x",
    # Arabic letter variants that survive NFD, and Arabic-Indic digits
    "ة": "ه", "ى": "ي", "ٱ": "ا",
}  # fmt: skip


_FOLDS: dict[str, str] = {
    **_LOOKALIKES,
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # Extended Arabic-Indic digits
    "ʼ": " ",  # a modifier letter used as an apostrophe
}
_MARKS = re.compile(
    "["
    + "".join(f"{chr(low)}-{chr(high)}" for low, high in _MARK_RANGES)
    + "".join(chr(cp) for cp in _INVISIBLE)
    + "]+"
)
_FOLDABLE = re.compile("[" + "".join(_FOLDS) + "]")

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_SYMBOLS = str.maketrans({"@": "a", "$": "s"})
_BANG = re.compile(r"(?<=[^\W\d_])!(?=[^\W\d_])")
_UNITS = (
    "yo|yr|yrs|y|st|nd|rd|th|am|pm|k|m|b|g|kg|km|cm|mm|ml|gb|mb|tb|px|hz|mhz|ghz|d|h|s|x|"
    "min|mins|sec|secs|ms|mg|lb|lbs|ft|in|p|v|w|kw|kwh|fps"
)
_NUMERAL_UNIT = re.compile(rf"(\d+)({_UNITS})")
_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
_TOKEN = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")
_RUN = re.compile(r"([^\W\d_])\1{2,}")
_TRIPLES = tuple(c * 3 for c in "abcdefghijklmnopqrstuvwxyz")
_TRIPLES_WIDE = _TRIPLES + tuple(c * 3 for c in "اويוי")
_VOWELS = frozenset("aeiouyاويיוא")
_SPELLED_MIN = 3  # "k i l l": at least this many one-character words in a row are joined
_SPELLED_SPACE = re.compile(r"(?<![^\W_])[^\W_](?: [^\W_]){2,}(?![^\W_])")
_SPELLED_PUNCT = re.compile(r"(?<![^\W_])[^\W_]([.\-_*·+/|])[^\W_](?:\1[^\W_])+(?![^\W_])")
_SPELLED_SEPARATORS = re.compile(r"[ .\-_*·+/|]")


def _squeeze(match: re.Match[str]) -> str:
    letter = match.group(1)
    return letter if letter in _VOWELS else letter * 2


def _has_runs(text: str) -> bool:
    if text.isascii():
        return any(triple in text for triple in _TRIPLES)
    return any(triple in text for triple in _TRIPLES_WIDE)


def _has_spelled_run(tokens: list[str]) -> bool:
    """Whether :data:`_SPELLED_MIN` one-character tokens follow each other somewhere."""
    lengths = list(map(len, tokens))
    if lengths.count(1) < _SPELLED_MIN:
        return False
    run, previous, index = 0, -2, -1
    try:
        while True:
            index = lengths.index(1, index + 1)  # scans in C
            run = run + 1 if index == previous + 1 else 1
            if run >= _SPELLED_MIN:
                return True
            previous = index
    except ValueError:
        return False


def _join(match: re.Match[str]) -> str:
    return _SPELLED_SEPARATORS.sub("", match.group(0))


def _fold_leet(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        if token.isalpha() or token.isdigit():
            out.append(token)
            continue
        unit = _NUMERAL_UNIT.fullmatch(token)
        if unit is not None:
            out.extend(unit.groups())
        elif any(ch.isalpha() for ch in token):
            out.append(token.translate(_LEET))
        else:
            out.append(token)
    return out


def _fold(text: str) -> str:
    """Steps 1–2 and the ``@ $ !`` substitutions: folded text, punctuation still in place."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if "!" in text:
        text = _BANG.sub("i", text)
    if "@" in text or "$" in text:
        text = text.translate(_SYMBOLS)
    if text.isascii():
        return text
    text = _MARKS.sub("", unicodedata.normalize("NFD", text))
    for char in set(_FOLDABLE.findall(text)):
        text = text.replace(char, _FOLDS[char])
    return text


def _tokens(folded: str) -> list[str]:
    """Step 3 on folded text."""
    if folded.isascii():  # includes Latin text once its accents are gone
        return folded.translate(_SEPARATORS).split()
    return _TOKEN.findall(folded)


def _finish(tokens: list[str], folded: str) -> str:
    """Steps 5–6 on ``tokens`` (``folded`` only tells which steps can change anything)."""
    if _DIGIT.search(folded) is not None:
        tokens = _fold_leet(tokens)
    joined = " ".join(tokens)
    return _RUN.sub(_squeeze, joined) if _has_runs(folded) else joined


def normalize_variants(text: str) -> tuple[str, ...]:
    """The canonical token string of ``text``, plus a second reading when it is ambiguous.

    Letters spelled out one by one are joined when they share a separator (``k.i.l.l``) or are
    single-space separated (``k i l l``). The latter is ambiguous (``I will k i l l y o u``
    joins into one word, ``x x x I will`` swallows the ``I``), so when any join happened the
    unjoined reading is returned as well; a classifier should take the worse verdict.
    """
    folded = _fold(text)
    tokens = _tokens(folded)
    if _has_spelled_run(tokens):
        spelled = _SPELLED_SPACE.sub(_join, _SPELLED_PUNCT.sub(_join, folded))
        if spelled != folded:
            return _finish(_tokens(spelled), spelled), _finish(tokens, folded)
    return (_finish(tokens, folded),)


def normalize(text: str) -> str:
    """Return the canonical token string of ``text`` (see the module docstring)."""
    return normalize_variants(text)[0]
