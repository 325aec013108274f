"""The labelled content-safety corpus (``corpus/safety/*.txt``) and its fixed train/held-out split.

Each language file declares slots (``@name: a | b | c``) and sections (``== violence``,
``== self_harm``, ``== hate``, ``== sexual``, ``== attack``) of one-line *templates*::

    h: harmful text of high severity, may use {slot}s
    m: harmful text of medium severity
    b: a benign look-alike (must not be blocked)
    j: a direct prompt attack          (attack section)
    d: a document-embedded attack      (attack section)
    n: an ordinary prompt, no attack   (attack section)

One template is one *group*. The split is made per template before anything is trained: in each
section and kind, the templates whose position is in a seeded sample of positions are held out
(the same positions in every language, so a scenario written in several languages is mostly
held out in all of them), and each slot's fillers are split the same way, so held-out sentences
also use fillers never seen in training. Held-out templates are expanded with held-out fillers
only. Nothing here looks at a classifier.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from modelport.policy.safety.types import Category, Severity

SPLIT_SEED = 20240617
"""The seed of the split; fixed before training, never changed to move figures."""
HELD_OUT_POSITIONS = {"harmful": (4, 10), "benign": (4, 10), "attack": (3, 8)}
"""Per kind: ``(k, n)``, k of the first n template positions are held out (every section has at
least n templates of each kind, so each language holds out about 30% of them); the attack
section's ordinary prompts hold out 3 of their first 7."""
EXPANSIONS = 6
"""At most this many sentences are drawn from one template with slots."""

LANGUAGES = ("en", "es", "fr", "pt", "it", "nl", "de", "ar", "he")
SECTIONS = ("violence", "self_harm", "hate", "sexual", "attack")
KINDS = {"h": "harmful", "m": "harmful", "b": "benign", "j": "attack", "d": "attack", "n": "benign"}
_SLOT = re.compile(r"\{(\w+)\}")


def default_corpus_dir() -> Path:
    """``corpus/safety`` at the root of a source checkout."""
    return Path(__file__).resolve().parents[4] / "corpus" / "safety"


@dataclass(frozen=True, slots=True)
class Template:
    lang: str
    section: str
    code: str  # h, m, b, j, d, n
    position: int  # among templates of the same section and kind in this file
    text: str

    @property
    def kind(self) -> str:
        return KINDS[self.code]

    @property
    def group(self) -> str:
        return f"{self.lang}/{self.section}/{self.kind}/{self.position}"


@dataclass(frozen=True, slots=True)
class Sample:
    """One labelled sentence."""

    text: str
    lang: str
    section: str  # a category value or "attack"
    kind: str  # harmful | benign | attack
    group: str
    split: str  # train | heldout
    severity: Severity = Severity.SAFE  # harmful samples: their category's severity
    form: str = ""  # attacks: direct | document

    @property
    def category(self) -> Category | None:
        return Category(self.section) if self.section != "attack" else None

    @property
    def harmful(self) -> bool:
        return self.kind == "harmful"

    @property
    def attack(self) -> bool:
        return self.kind == "attack"


@dataclass
class LanguageFile:
    lang: str
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    templates: list[Template] = field(default_factory=list)


def parse(text: str, source: str = "<corpus>") -> LanguageFile:
    """Parse one language file (see the module docstring)."""
    lang: str | None = None
    slots: dict[str, tuple[str, ...]] = {}
    templates: list[Template] = []
    section: str | None = None
    counters: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source}:{number}"
        if line.startswith("lang:"):
            lang = line.split(":", 1)[1].strip()
        elif line.startswith("@"):
            name, _, values = line[1:].partition(":")
            slots[name.strip()] = tuple(v.strip() for v in values.split("|") if v.strip())
        elif line.startswith("=="):
            section = line[2:].strip()
            if section not in SECTIONS:
                raise ValueError(f"{where}: unknown section {section!r}")
        else:
            code, sep, body = line.partition(":")
            code = code.strip()
            if not sep or code not in KINDS or section is None or lang is None:
                raise ValueError(f"{where}: expected 'lang:' then a section, then 'h|m|b|j|d|n: …'")
            if (section == "attack") != (code in "jdn"):
                raise ValueError(f"{where}: kind {code!r} does not belong in section {section}")
            missing = set(_SLOT.findall(body)) - set(slots)
            if missing:
                raise ValueError(f"{where}: undefined slot(s) {sorted(missing)}")
            key = (section, KINDS[code])
            position = counters.get(key, 0)
            counters[key] = position + 1
            templates.append(Template(lang, section, code, position, body.strip()))
    if lang is None:
        raise ValueError(f"{source}: no 'lang:' line")
    return LanguageFile(lang, slots, templates)


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(map(str, (SPLIT_SEED, *parts))).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def held_out_positions(section: str, kind: str) -> frozenset[int]:
    """The template positions held out in ``section`` for ``kind`` (same in every language)."""
    k, n = (3, 7) if (section, kind) == ("attack", "benign") else HELD_OUT_POSITIONS[kind]
    return frozenset(_rng("positions", section, kind).sample(range(n), k))


def split_fillers(lang: str, slot: str, fillers: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """A slot's fillers for each split: a third held out when the slot has four or more."""
    if len(fillers) < 4:
        return {"train": tuple(fillers), "heldout": tuple(fillers)}
    order = list(fillers)
    _rng("fillers", lang, slot).shuffle(order)
    cut = len(order) // 3
    return {"heldout": tuple(order[:cut]), "train": tuple(order[cut:])}


def split_of(template: Template) -> str:
    """``"heldout"`` or ``"train"`` for a template."""
    held = template.position in held_out_positions(template.section, template.kind)
    return "heldout" if held else "train"


def _fill(text: str, values: dict[str, str]) -> str:
    return _SLOT.sub(lambda m: values[m.group(1)], text)


def expand(template: Template, fillers: dict[str, tuple[str, ...]]) -> list[str]:
    """Up to :data:`EXPANSIONS` distinct sentences from ``template`` with the given fillers."""
    names = list(dict.fromkeys(_SLOT.findall(template.text)))
    if not names:
        return [template.text]
    combos = list(itertools.product(*(fillers[name] for name in names)))
    rng = _rng("expand", template.group)
    chosen = combos if len(combos) <= EXPANSIONS else rng.sample(combos, EXPANSIONS)
    out = []
    for combo in chosen:
        values = dict(zip(names, combo, strict=True))
        out.append(_fill(template.text, values))
    return out


def samples_of(language: LanguageFile) -> Iterator[Sample]:
    """Every labelled sentence of one language file, with its split."""
    fillers = {
        name: split_fillers(language.lang, name, values) for name, values in language.slots.items()
    }
    for template in language.templates:
        split = split_of(template)
        own = {name: by_split[split] for name, by_split in fillers.items()}
        severity = {"h": Severity.HIGH, "m": Severity.MEDIUM}.get(template.code, Severity.SAFE)
        form = {"j": "direct", "d": "document"}.get(template.code, "")
        for text in expand(template, own):
            yield Sample(
                text=text,
                lang=template.lang,
                section=template.section,
                kind=template.kind,
                group=template.group,
                split=split,
                severity=severity,
                form=form,
            )


def load_corpus(directory: Path | None = None) -> list[Sample]:
    """All samples of all language files in ``directory`` (default: the checkout's corpus)."""
    directory = directory or default_corpus_dir()
    files = sorted(directory.glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"no corpus files in {directory}")
    samples: list[Sample] = []
    for path in files:
        samples.extend(samples_of(parse(path.read_text(encoding="utf-8"), path.name)))
    return samples


def split(samples: Iterable[Sample], part: str) -> list[Sample]:
    """The samples of one part, ``"train"`` or ``"heldout"``."""
    return [s for s in samples if s.split == part]


def corpus_digest(samples: Iterable[Sample]) -> str:
    """A SHA-256 over the samples (text, labels, split), to tie a model to the data it saw."""
    digest = hashlib.sha256()
    for s in samples:
        digest.update(f"{s.group}\t{s.split}\t{s.severity}\t{s.form}\t{s.text}\n".encode())
    return digest.hexdigest()
