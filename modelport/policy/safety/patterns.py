"""A small phrase-pattern language, compiled to regular expressions over normalised text.

Lexicons are written as templates rather than raw regular expressions, so that every word goes
through :func:`~modelport.policy.safety.normalize.normalize` exactly like the text it is matched
against (accents, apostrophes, case and Arabic letter forms can never disagree)::

    {i_will} (kill|stab|shoot) [the|my] {victim}
    how (to|do i) make a (bomb|pipe bomb) ~2 (at home)

``word``      one normalised word or phrase; ``word*`` also matches longer words starting with
              it (stems), ``*word`` words ending with it after a short prefix (clitics,
              compounds); both ends may carry ``*``
``(a|b c)``   alternatives, each a sequence
``[a b|c]``   optional alternatives; ``(a|b)?``, ``{slot}?`` and ``word?`` are optional too
``{slot}``    the alternatives listed under ``slot`` in the lexicon (templates themselves)
``~N``        up to N arbitrary words
``#age``      a number from 1 to 17; ``#num`` any number

A compiled pattern also carries *anchors* (literals of which at least one occurs in every match)
and its *span* (the most tokens a match can cover), which let
:class:`~modelport.policy.safety.matcher.Matcher` run each regular expression only near places
where it could match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from modelport.errors import OperatorError
from modelport.policy.safety.normalize import normalize

_W = r"[^\W_]"
_SPECIALS = {"#age": r"(?:1[0-7]|[1-9])", "#num": r"\d+"}
_TOKENS = re.compile(r"\(|\)|\[|\]|\||\?|\{\w+\}|~\d+|#[a-z_]+|[^\s()\[\]|{}~#?]+")
_MAX_SLOT_DEPTH = 4


class TemplateError(OperatorError, ValueError):
    """A template is malformed (a bug in a lexicon, reported at import time)."""


@dataclass(frozen=True, slots=True)
class _Word:
    literal: str
    prefix: bool
    suffix: bool


@dataclass(frozen=True, slots=True)
class _Special:
    regex: str


@dataclass(frozen=True, slots=True)
class _Gap:
    words: int


@dataclass(frozen=True, slots=True)
class _Seq:
    items: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Alt:
    options: tuple[_Seq, ...]


@dataclass(frozen=True, slots=True)
class _Opt:
    seq: _Seq


_Node: TypeAlias = _Word | _Special | _Gap | _Alt | _Opt


class _Parser:
    def __init__(self, template: str, slots: Mapping[str, Sequence[str]], depth: int) -> None:
        self._template = template
        self._tokens: list[str] = _TOKENS.findall(template)
        self._pos = 0
        self._slots = slots
        self._depth = depth

    def parse(self) -> _Seq:
        seq = self._seq()
        if self._pos != len(self._tokens):
            self._fail(f"unexpected {self._tokens[self._pos]!r}")
        return seq

    def _fail(self, why: str) -> None:
        raise TemplateError(f"{why} in template {self._template!r}")

    def _peek(self) -> str | None:
        return self._tokens[self._pos] if self._pos < len(self._tokens) else None

    def _take(self) -> str:
        token = self._tokens[self._pos]
        self._pos += 1
        return token

    def _seq(self) -> _Seq:
        items: list[_Node] = []
        while (token := self._peek()) is not None and token not in (")", "]", "|"):
            item = self._item()
            if self._peek() == "?":
                self._take()
                item = _Opt(_Seq((item,)))
            items.append(item)
        if not items:
            self._fail("empty sequence")
        if all(isinstance(i, (_Opt, _Gap)) for i in items):
            self._fail("a sequence needs at least one mandatory element")
        return _Seq(tuple(items))

    def _item(self) -> _Node:
        tok = self._take()
        if tok in ("(", "["):
            options = [self._seq()]
            while self._peek() == "|":
                self._take()
                options.append(self._seq())
            if tok == "(":
                self._expect(")")
                return _Alt(tuple(options))
            self._expect("]")
            return _Opt(options[0] if len(options) == 1 else _Seq((_Alt(tuple(options)),)))
        if tok.startswith("{"):
            return self._slot(tok[1:-1])
        if tok.startswith("~"):
            return _Gap(int(tok[1:]))
        if tok.startswith("#"):
            if tok not in _SPECIALS:
                self._fail(f"unknown special {tok!r}")
            return _Special(_SPECIALS[tok])
        if tok in (")", "]", "|", "?"):
            self._fail(f"unexpected {tok!r}")
        return self._word(tok)

    def _expect(self, token: str) -> None:
        if self._peek() != token:
            self._fail(f"expected {token!r}")
        self._take()

    def _slot(self, name: str) -> _Alt:
        if name not in self._slots:
            self._fail(f"unknown slot {{{name}}}")
        if self._depth >= _MAX_SLOT_DEPTH:
            self._fail(f"slots nested too deeply at {{{name}}}")
        options = tuple(
            _Parser(entry, self._slots, self._depth + 1).parse() for entry in self._slots[name]
        )
        if not options:
            self._fail(f"slot {{{name}}} is empty")
        return _Alt(options)

    def _word(self, token: str) -> _Word:
        prefix, suffix = token.startswith("*"), token.endswith("*")
        literal = normalize(token.strip("*"))
        if not literal:
            self._fail(f"word {token!r} normalises to nothing")
        return _Word(literal, prefix, suffix)


def _node_regex(node: _Node) -> str:
    if isinstance(node, _Word):
        head = f"{_W}{{0,8}}" if node.prefix else ""
        tail = f"{_W}*" if node.suffix else ""
        return head + re.escape(node.literal).replace("\\ ", " ") + tail
    if isinstance(node, _Special):
        return node.regex
    if isinstance(node, _Alt):
        options = dict.fromkeys(_seq_regex(option) for option in node.options)
        return "(?:" + "|".join(options) + ")"
    raise TemplateError(f"{node!r} cannot stand alone")  # pragma: no cover - parser prevents it


def _seq_regex(seq: _Seq) -> str:
    parts: list[str] = []
    started = False
    for node in seq.items:
        if isinstance(node, _Opt):
            inner = _seq_regex(node.seq)
            parts.append(f"(?: {inner})?" if started else f"(?:{inner} )?")
        elif isinstance(node, _Gap):
            parts.append(
                f"(?: {_W}+){{0,{node.words}}}" if started else f"(?:{_W}+ ){{0,{node.words}}}"
            )
        else:
            parts.append((" " if started else "") + _node_regex(node))
            started = True
    return "".join(parts)


_STOPWORD_TEXT = """
    a an the and or but to of in on at by for with from as is are was were be been am i me my
    you your u he him his she her it its we our they them their this that these those what how
    why when where who which do does did can could will would should shall may might must not
    no yes so if then than there here all any some just get got go going gonna want wanna like
    up out about into over de la el los las le les des du un una une et y o e que en con por
    para se su sus lo al del es je tu il elle nous vous ils ne pas ce cette mon ma mes ton ta
    tes son sa ses qui est il da di il che per non uno gli nel della het een van ik je jij hij
    zij wij het en niet dat der das und ich du er sie wir ist nicht mit ein eine einen zu
    auf den dem im um os as um uma eu voce ele ela nao com na no mas better new good time way
    make people think know see take come one two also well only even back after use work first
    very most more much many other new old right left still really need said say make made
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
"""Words too common to be useful anchors (anchor selection avoids them when it can)."""


def is_common(word: str) -> bool:
    """Whether ``word`` is too common (or too short) to be a useful anchor."""
    return word in _STOPWORDS or len(word) < 3


def _anchor_cost(anchor: str) -> int:
    return 1000 if all(is_common(w) for w in anchor.strip("*").split(" ")) else 1


def _anchors(node: _Node | _Seq) -> frozenset[str] | None:
    """Literals of which one must occur wherever ``node`` matches (``None``: cannot tell).

    Each anchor is a normalised literal marked like its template word: ``*`` in front when
    it may be preceded by other letters, ``*`` behind when it may be followed by them.
    """
    if isinstance(node, _Word):
        marked = ("*" if node.prefix else "") + node.literal + ("*" if node.suffix else "")
        return frozenset((marked,))
    if isinstance(node, _Alt):
        found: set[str] = set()
        for option in node.options:
            sub = _anchors(option)
            if sub is None:
                return None
            found |= sub
        return frozenset(found)
    if isinstance(node, _Seq):
        choice = _anchor_choice(node)
        return None if choice is None else choice[1]
    return None


def _anchor_choice(seq: _Seq) -> tuple[int, frozenset[str]] | None:
    """The position of the mandatory element whose anchors are rarest, and those anchors."""
    best: tuple[int, frozenset[str]] | None = None
    best_score: tuple[int, int] | None = None
    for position, item in enumerate(seq.items):
        if isinstance(item, (_Opt, _Gap, _Special)):
            continue
        sub = _anchors(item)
        if not sub:
            continue
        score = (sum(_anchor_cost(a) for a in sub), len(sub))
        if best_score is None or score < best_score:
            best, best_score = (position, sub), score
    return best


def _starts(node: _Node | _Seq) -> frozenset[str] | None:
    """The anchors with which every match of ``node`` starts (``None``: not all start so)."""
    if isinstance(node, _Word):
        return _anchors(node)
    if isinstance(node, _Alt):
        found: set[str] = set()
        for option in node.options:
            sub = _starts(option)
            if sub is None:
                return None
            found |= sub
        return frozenset(found)
    if isinstance(node, _Seq) and not isinstance(node.items[0], (_Opt, _Gap, _Special)):
        return _starts(node.items[0])
    return None


def _span(node: _Node | _Seq) -> int:
    """The most tokens a match of ``node`` can cover."""
    if isinstance(node, _Word):
        return node.literal.count(" ") + 1
    if isinstance(node, _Special):
        return 1
    if isinstance(node, _Gap):
        return node.words
    if isinstance(node, _Alt):
        return max(_span(option) for option in node.options)
    if isinstance(node, _Opt):
        return _span(node.seq)
    return sum(_span(item) for item in node.items)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled template.

    ``anchors``: marked literals of which one occurs in every match (``None``: unknown, the
    pattern must always run); ``span``: the most tokens one match can cover; ``leading``: the
    anchors belong to the first element, so every match starts where an anchor occurs.
    """

    regex: re.Pattern[str]
    anchors: frozenset[str] | None
    span: int
    leading: bool = False


def compile_template(template: str, slots: Mapping[str, Sequence[str]] | None = None) -> Pattern:
    """Compile one template (see the module docstring) against ``slots``."""
    seq = _Parser(template, slots or {}, 0).parse()
    source = rf"(?<!{_W}){_seq_regex(seq)}(?!{_W})"
    choice = _anchor_choice(seq)
    if choice is None:
        return Pattern(re.compile(source), None, _span(seq))
    leading = choice[0] == 0 and _starts(seq.items[0]) == choice[1]
    return Pattern(re.compile(source), choice[1], _span(seq), leading=leading)
