"""Custom blocklists: operator-defined exact terms and patterns, per deployment or platform-wide.

A :class:`Blocklist` has a name, an optional deployment (``None``: every deployment) and items,
each an exact term or a regular expression. Exact terms match whole words, case- and
accent-insensitively, after the same normalisation as the classifiers (so ``K1LL`` matches
``kill``); patterns are Python regular expressions matched case-insensitively on the raw text.
A hit blocks the text whatever the categories say, and is reported in the annotations as
``custom_blocklists`` (``{"filtered": true, "details": [{"id": NAME, "filtered": true}]}``).

:class:`BlocklistSet` is what the data plane reads: the compiled lists, looked up by deployment
id, swapped whole when an operator changes a list (no database on the hot path).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from modelport.errors import InvalidRequest
from modelport.policy.safety.normalize import normalize

MAX_ITEMS = 10_000
MAX_ITEM_CHARS = 256
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ItemKind(StrEnum):
    EXACT = "exact"
    PATTERN = "pattern"


@dataclass(frozen=True, slots=True)
class BlocklistItem:
    text: str
    kind: ItemKind = ItemKind.EXACT


@dataclass(frozen=True, slots=True)
class Blocklist:
    """One named list; ``deployment_id`` ``None`` applies it to every deployment."""

    name: str
    items: tuple[BlocklistItem, ...]
    description: str = ""
    deployment_id: str | None = None


class BlocklistInvalid(InvalidRequest):
    """A list that cannot be stored (bad name, empty or oversized item, bad pattern): a 400/422
    to whoever sent it."""


def validate(blocklist: Blocklist) -> None:
    """Raise :class:`BlocklistInvalid` with a reason when ``blocklist`` is unusable."""
    if not _NAME.match(blocklist.name):
        raise BlocklistInvalid(
            "a blocklist name is 1-64 letters, digits, '_', '.' or '-', starting alphanumeric"
        )
    if len(blocklist.items) > MAX_ITEMS:
        raise BlocklistInvalid(f"a blocklist holds at most {MAX_ITEMS} items")
    for item in blocklist.items:
        if not item.text.strip() or len(item.text) > MAX_ITEM_CHARS:
            raise BlocklistInvalid(f"items must be 1-{MAX_ITEM_CHARS} characters, not blank")
        if item.kind is ItemKind.EXACT and not normalize(item.text):
            raise BlocklistInvalid(f"exact term {item.text!r} has no letters or digits")
        if item.kind is ItemKind.PATTERN:
            try:
                re.compile(item.text)
            except re.error as exc:
                raise BlocklistInvalid(f"pattern {item.text!r} is not valid: {exc}") from None


@dataclass(frozen=True, slots=True)
class CompiledBlocklist:
    name: str
    exact: re.Pattern[str] | None
    patterns: re.Pattern[str] | None

    @classmethod
    def of(cls, blocklist: Blocklist) -> CompiledBlocklist:
        terms = sorted(
            {normalize(i.text) for i in blocklist.items if i.kind is ItemKind.EXACT}, key=len
        )
        patterns = [i.text for i in blocklist.items if i.kind is ItemKind.PATTERN]
        exact = (
            re.compile(r"(?<!\S)(?:" + "|".join(map(re.escape, reversed(terms))) + r")(?!\S)")
            if terms
            else None
        )
        joined = (
            re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None
        )
        return cls(blocklist.name, exact, joined)

    def hits(self, text: str, normalized: str) -> bool:
        if self.exact is not None and self.exact.search(normalized):
            return True
        return self.patterns is not None and self.patterns.search(text) is not None


@dataclass(frozen=True)
class AppliedBlocklists:
    """The lists that apply to one deployment."""

    lists: tuple[CompiledBlocklist, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.lists)

    def check(self, text: str) -> tuple[str, ...]:
        """Names of the lists ``text`` hits, in order."""
        if not self.lists:
            return ()
        normalized = normalize(text)
        return tuple(b.name for b in self.lists if b.hits(text, normalized))


@dataclass
class BlocklistSet:
    """All lists, compiled; replaced atomically by :meth:`replace`."""

    _platform: tuple[CompiledBlocklist, ...] = ()
    _by_deployment: dict[str, tuple[CompiledBlocklist, ...]] = field(default_factory=dict)

    def replace(self, blocklists: Iterable[Blocklist]) -> None:
        platform: list[CompiledBlocklist] = []
        scoped: dict[str, list[CompiledBlocklist]] = {}
        for blocklist in sorted(blocklists, key=lambda b: b.name):
            compiled = CompiledBlocklist.of(blocklist)
            if blocklist.deployment_id is None:
                platform.append(compiled)
            else:
                scoped.setdefault(blocklist.deployment_id, []).append(compiled)
        self._by_deployment = {k: tuple(v) for k, v in scoped.items()}
        self._platform = tuple(platform)

    def for_deployment(self, deployment_id: str) -> AppliedBlocklists:
        return AppliedBlocklists(self._platform + self._by_deployment.get(deployment_id, ()))


def items_of(entries: Sequence[tuple[str, str]]) -> tuple[BlocklistItem, ...]:
    """``(text, kind)`` pairs as items (``BlocklistInvalid`` for an unknown kind)."""
    out = []
    for text, kind in entries:
        try:
            out.append(BlocklistItem(text, ItemKind(kind)))
        except ValueError:
            raise BlocklistInvalid(
                f"item kind must be 'exact' or 'pattern', not {kind!r}"
            ) from None
    return tuple(out)
