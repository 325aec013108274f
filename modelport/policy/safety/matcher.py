"""Fast evaluation of many compiled patterns against one normalised text.

Evaluation has three steps:

1. **Locate anchors.** Every pattern names literals of which one occurs in each of its
   matches. The text's distinct tokens are looked up in an index of all anchors (exact words,
   word prefixes, multi-word phrases; infix literals by substring search), giving the token
   positions where each anchor occurs.
2. **Mask benign contexts.** Masks whose anchors occur replace each word of their matches
   ("kill the process", "breast cancer") with :data:`MASK`; anchors inside masks are dropped.
3. **Run rules near their anchors.** A rule's regular expression runs only on windows of
   ``span`` tokens on each side of its anchors' positions, so cost grows with the number of
   candidate places, not with text length times lexicon size. Rules are tried strongest first
   and skipped once their target already holds that severity.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from modelport.policy.safety.patterns import Pattern, is_common
from modelport.policy.safety.types import Annotation, Category, Severity

MASK = "ǂ"
"""What a mask leaves in place of the words it neutralised: a letter no lexicon uses, so gaps
can step over it but no word can match it."""

_KEY = 3  # stem anchors are indexed by their first three characters
# Up to this many anchor positions, a pattern that starts at its anchor is tried at each of
# them; with more, searching merged windows (in C) is cheaper.
_FEW = 32


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A pattern that, when it matches, raises ``target`` to ``severity``."""

    rule_id: str
    target: Category | Annotation
    severity: Severity
    pattern: Pattern


class AnchorIndex:
    """Finds where marked anchor literals (see :func:`~.patterns.compile_template`) occur."""

    def __init__(self, anchors: Iterable[str]) -> None:
        # key word -> (anchor, its words, offset of the key word among them, last word is a stem)
        self._exact: dict[str, list[tuple[str, tuple[str, ...], int, bool]]] = {}
        self._prefix: dict[str, list[tuple[str, str]]] = {}
        self._short: list[tuple[str, str]] = []  # stems shorter than the index key
        self._infix: list[tuple[str, str]] = []
        for anchor in set(anchors):
            literal = anchor.strip("*")
            if anchor.startswith("*"):
                self._infix.append((anchor, literal))
                continue
            words = literal.split(" ")
            stem = anchor.endswith("*")
            if stem and len(words) == 1 and len(literal) < _KEY:
                self._short.append((anchor, literal))
            elif stem and len(words) == 1:
                self._prefix.setdefault(literal[:_KEY], []).append((anchor, literal))
            else:
                keyable = words[:-1] if stem else words
                key = min(
                    range(len(keyable)), key=lambda i: (is_common(keyable[i]), -len(keyable[i]))
                )
                entry = (anchor, tuple(words), key, stem)
                self._exact.setdefault(words[key], []).append(entry)
        self._infix.sort()
        self._infix_ascii = [(a, lit) for a, lit in self._infix if lit.isascii()]

    def locate(self, text: str, tokens: Sequence[str]) -> dict[str, list[int]]:
        """Anchor → token indices where it starts, for the anchors occurring in ``tokens``."""
        found: dict[str, list[int]] = {}
        exact, prefix, short = self._exact, self._prefix, self._short
        for token in set(tokens):
            entries = exact.get(token)
            stems = prefix.get(token[:_KEY])
            if short:
                stems = [*(stems or ()), *(e for e in short if token.startswith(e[1]))]
            if not entries and not stems:
                continue
            indices = _positions(tokens, token)
            for anchor, words, key, stem in entries or ():
                if len(words) == 1:
                    found.setdefault(anchor, []).extend(indices)
                    continue
                hits = [i - key for i in indices if _phrase_at(tokens, i - key, words, stem)]
                if hits:
                    found.setdefault(anchor, []).extend(hits)
            for anchor, literal in stems or ():
                if token.startswith(literal):
                    found.setdefault(anchor, []).extend(indices)
        infixes = self._infix_ascii if text.isascii() else self._infix
        ends: list[int] | None = None
        for anchor, literal in infixes:
            position = text.find(literal)
            while position != -1:
                ends = ends or token_ends(tokens)
                found.setdefault(anchor, []).append(bisect_right(ends, position))
                position = text.find(literal, position + 1)
        return found


def _positions(tokens: Sequence[str], token: str) -> list[int]:
    """Every index of ``token`` in ``tokens`` (``list.index`` scans in C)."""
    positions: list[int] = []
    index = -1
    try:
        while True:
            index = tokens.index(token, index + 1)
            positions.append(index)
    except ValueError:
        return positions


def token_ends(tokens: Sequence[str]) -> list[int]:
    """The end offset of each token in ``" ".join(tokens)``."""
    return [end + index for index, end in enumerate(accumulate(map(len, tokens)))]


def _phrase_at(tokens: Sequence[str], start: int, words: tuple[str, ...], stem: bool) -> bool:
    """Whether ``words`` occur at ``start`` (the last one as a prefix if ``stem``)."""
    if start < 0 or start + len(words) > len(tokens):
        return False
    last = len(words) - 1
    for offset, word in enumerate(words):
        token = tokens[start + offset]
        if token != word and not (stem and offset == last and token.startswith(word)):
            return False
    return True


class Matcher:
    """Masks, then rules, evaluated near their anchors (see the module docstring)."""

    def __init__(self, rules: Sequence[CompiledRule], masks: Sequence[Pattern]) -> None:
        order = sorted(range(len(rules)), key=lambda i: (-rules[i].severity, i))
        self._rules = tuple(rules[i] for i in order)
        self._masks = tuple(masks)
        self._masks_always = tuple(i for i, m in enumerate(self._masks) if m.anchors is None)
        self._masks_by_anchor: dict[str, list[int]] = {}
        for number, mask in enumerate(self._masks):
            for anchor in mask.anchors or ():
                self._masks_by_anchor.setdefault(anchor, []).append(number)
        self._always = tuple(i for i, r in enumerate(self._rules) if r.pattern.anchors is None)
        self._by_anchor: dict[str, list[int]] = {}
        for number, rule in enumerate(self._rules):
            for anchor in rule.pattern.anchors or ():
                self._by_anchor.setdefault(anchor, []).append(number)
        mask_anchors = (a for m in self._masks for a in (m.anchors or ()))
        self._index = AnchorIndex([*self._by_anchor, *mask_anchors])

    @property
    def rules(self) -> tuple[CompiledRule, ...]:
        """All rules, strongest first."""
        return self._rules

    @staticmethod
    def _candidates(
        found: dict[str, list[int]], by_anchor: dict[str, list[int]], always: Iterable[int]
    ) -> dict[int, list[int]]:
        """Pattern number → anchor positions, for every pattern that may match."""
        candidates: dict[int, list[int]] = {number: [] for number in always}
        for anchor, positions in found.items():
            for number in by_anchor.get(anchor, ()):
                candidates.setdefault(number, []).extend(positions)
        return candidates

    def _mask(self, text: str, tokens: list[str], found: dict[str, list[int]]) -> bool:
        """Replace every token inside a mask match by :data:`MASK` (in place); any replaced?"""
        candidates = self._candidates(found, self._masks_by_anchor, self._masks_always)
        if not candidates:
            return False
        ends = token_ends(tokens)
        spans: list[tuple[int, int]] = []
        for number in sorted(candidates):
            mask = self._masks[number]
            if mask.leading and len(candidates[number]) <= _FEW:
                for position in sorted(set(candidates[number])):
                    found_at = mask.regex.match(text, ends[position - 1] + 1 if position else 0)
                    if found_at is not None:
                        spans.append(found_at.span())
                continue
            for start, end in _windows(mask.span, candidates[number], ends):
                spans.extend(m.span() for m in mask.regex.finditer(text, start, end))
        for start, end in spans:
            first, last = bisect_right(ends, start), bisect_right(ends, end - 1)
            tokens[first : last + 1] = [MASK] * (last + 1 - first)
        return bool(spans)

    def scan(self, text: str) -> list[CompiledRule]:
        """The rules that decide the verdict for normalised ``text`` (see the module docstring)."""
        if not text:
            return []
        tokens = text.split(" ")
        found = self._index.locate(text, tokens)
        if self._mask(text, tokens, found):  # same token count: positions stay valid
            text = " ".join(tokens)
            found = {
                a: kept for a, p in found.items() if (kept := [i for i in p if tokens[i] != MASK])
            }
        candidates = self._candidates(found, self._by_anchor, self._always)
        ends = token_ends(tokens)
        reached: dict[Category | Annotation, Severity] = {}
        hits: list[CompiledRule] = []
        for number in sorted(candidates):
            rule = self._rules[number]
            if reached.get(rule.target, Severity.SAFE) >= rule.severity:
                continue
            if _matches(rule.pattern, text, ends, candidates[number]):
                reached[rule.target] = rule.severity
                hits.append(rule)
        return hits


def _matches(pattern: Pattern, text: str, ends: list[int], positions: list[int]) -> bool:
    """Whether ``pattern`` matches near ``positions`` (token indices of its anchors)."""
    regex = pattern.regex
    if pattern.leading and 0 < len(positions) <= _FEW:
        return any(regex.match(text, ends[p - 1] + 1 if p else 0) for p in set(positions))
    return any(
        regex.search(text, start, end) for start, end in _windows(pattern.span, positions, ends)
    )


def _windows(span: int, positions: list[int], ends: list[int]) -> list[tuple[int, int]]:
    """Character ranges covering ``span`` tokens around each position (whole text if none)."""
    last = len(ends) - 1
    if not positions or len(positions) * (2 * span + 1) > last:  # sparse windows only
        return [(0, ends[last])]
    merged: list[list[int]] = []
    for position in sorted(set(positions)):
        low = position - span if position > span else 0
        high = position + span if position + span < last else last
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = high
        else:
            merged.append([low, high])
    return [(ends[low - 1] + 1 if low else 0, ends[high]) for low, high in merged]
