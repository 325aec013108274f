"""Labelled texts: the training corpus (``corpus/safety/train``) and evaluation sets (JSONL).

**Training corpus.** One file per language and section,
``corpus/safety/train/<lang>/<section>.txt``, written as natural sentences (no templates)::

    h: harmful text, high severity          m: harmful text, medium severity
    b: a benign look-alike (must not be blocked)
    h/violence: harmful in this file's category and also in ``violence`` (same severity)
    j: a direct prompt attack     d: an attack embedded in a document     (attack section)
    n: an ordinary prompt, or one that only looks like an attack            (attack section)

``\\n`` inside a line is a line break (documents). Blank lines separate *groups*: a group is a
scenario written together (a threat and its look-alikes, one kind of euphemism, ...), so its
texts share words and must not straddle the validation split. Sections: ``violence``,
``self_harm``, ``hate``, ``sexual`` (harmful texts and their look-alikes), ``attack`` (prompt
attacks and look-alikes) and ``general`` (ordinary prompts, all ``b``).

**Validation split.** A seeded fifth of the groups of each language and section
(:func:`validation_groups`), fixed before training; the trainer chooses hyper-parameters and
thresholds on it and never on an evaluation set.

**Evaluation sets** are JSONL (``text``, ``language``, ``label``, ``category``, ``severity``,
``kind``), read by :func:`load_jsonl`; the held-out set in ``corpus/safety/heldout`` was written
by someone else and is never read by the trainer.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from modelport.policy.safety.types import Category, Severity

LANGUAGES = ("en", "es", "fr", "pt", "it", "nl", "de", "ar", "he")
CATEGORIES = tuple(c.value for c in Category)
SECTIONS = (*CATEGORIES, "attack", "general")
SPLIT_SEED = 20251201
"""The seed of the validation split; fixed before training, never changed to move figures."""
VALIDATION_SHARE = 0.2

_CODES = {
    "h": ("harmful", Severity.HIGH),
    "m": ("harmful", Severity.MEDIUM),
    "l": ("harmful", Severity.LOW),
    "b": ("benign", Severity.SAFE),
    "j": ("attack", Severity.SAFE),
    "d": ("attack", Severity.SAFE),
    "n": ("benign", Severity.SAFE),
}


@dataclass(frozen=True, slots=True)
class Sample:
    """One labelled text.

    ``section`` is a category value, ``"attack"`` or ``"general"``; ``kind`` is ``harmful``,
    ``benign`` or ``attack``; ``also`` lists further categories a harmful text belongs to (at
    the same severity); ``form`` is ``direct`` or ``document`` for attacks.
    """

    text: str
    lang: str
    section: str
    kind: str
    severity: Severity = Severity.SAFE
    also: tuple[str, ...] = ()
    form: str = ""
    group: str = ""

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories a harmful text is labelled with (none for other kinds)."""
        if self.kind != "harmful":
            return ()
        own = (self.section,) if self.section in CATEGORIES else ()
        return own + tuple(c for c in self.also if c not in own)

    @property
    def must_block(self) -> bool:
        """A harmful text at medium or above: the default policy must block it."""
        return self.kind == "harmful" and self.severity >= Severity.MEDIUM

    def with_text(self, text: str) -> Sample:
        return replace(self, text=text)


def default_corpus_dir() -> Path:
    """``corpus/safety`` at the root of a source checkout."""
    return Path(__file__).resolve().parents[4] / "corpus" / "safety"


def parse(text: str, lang: str, section: str, source: str = "<corpus>") -> list[Sample]:
    """The samples of one corpus file (see the module docstring)."""
    if lang not in LANGUAGES or section not in SECTIONS:
        raise ValueError(f"{source}: unknown language or section {lang}/{section}")
    samples: list[Sample] = []
    for block, number, line in numbered_lines(text):
        if line.startswith("#"):
            continue
        head, sep, body = line.partition(":")
        code, _, extra = head.strip().partition("/")
        where = f"{source}:{number}"
        if not sep or code not in _CODES or not body.strip():
            raise ValueError(f"{where}: expected 'h|m|l|b|j|d|n[/category]: text'")
        kind, severity = _CODES[code]
        if (section == "attack") != (code in "jdn"):
            raise ValueError(f"{where}: {code!r} does not belong in section {section}")
        if section == "general" and code != "b":
            raise ValueError(f"{where}: the general section holds benign texts only")
        also = tuple(c.strip() for c in extra.split(",") if c.strip())
        if any(c not in CATEGORIES for c in also) or (also and kind != "harmful"):
            raise ValueError(f"{where}: bad extra categories {extra!r}")
        samples.append(
            Sample(
                text=body.strip().replace("\\n", "\n"),
                lang=lang,
                section=section,
                kind=kind,
                severity=severity,
                also=also,
                form={"j": "direct", "d": "document"}.get(code, ""),
                group=f"{lang}/{section}/{block}",
            )
        )
    return samples


def numbered_lines(text: str) -> Iterator[tuple[int, int, str]]:
    """``(group, line number, line)`` for each line of a corpus file that is not blank
    (comments included), stripped: groups are counted from 0 and separated by blank lines (a
    comment alone does not start a group)."""
    block = 0
    in_block = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            if in_block:
                block += 1
                in_block = False
            continue
        yield block, number, line
        in_block = in_block or not line.startswith("#")


def load_corpus(directory: Path | None = None, appended: Sequence[Path] = ()) -> list[Sample]:
    """Every sample of the training corpus: ``<directory>/train/<lang>/<section>.txt`` and the
    model-written answers of ``<directory>/train-prose/prose.jsonl`` (see
    :func:`parse_training_prose`).

    ``appended`` names rounds kept beside the corpus (``<round>/<lang>/<section>.txt``) to read
    as if each of their files had been appended to the corpus file of the same name after a
    blank line: their groups continue that file's numbering, so the samples, the validation
    split and the digest are those the corpus would have with the round moved into it."""
    base = directory or default_corpus_dir()
    root = base / "train"
    files = sorted(root.glob("*/*.txt"))
    if not files:
        raise FileNotFoundError(f"no corpus files under {root}")
    for extra in appended:
        if not any(extra.glob("*/*.txt")):
            raise FileNotFoundError(f"no corpus files under {extra}")
        strays = sorted(
            str(f) for f in extra.glob("*/*.txt") if not (root / f.parent.name / f.name).is_file()
        )
        if strays:
            raise ValueError(f"round files with no corpus file of the same name: {strays}")
    samples: list[Sample] = []
    for path in files:
        lang, section = path.parent.name, path.stem
        text = path.read_text(encoding="utf-8")
        for extra in appended:
            more = extra / lang / path.name
            if more.is_file():
                added = more.read_text(encoding="utf-8")
                parse(added, lang, section, str(more))  # a bad line is reported where it is
                text = text.rstrip("\n") + "\n\n" + added
        samples.extend(parse(text, lang, section, str(path)))
    prose = base / TRAINING_PROSE
    if prose.is_file():
        samples.extend(parse_training_prose(prose.read_text(encoding="utf-8"), str(prose)))
    return samples


TRAINING_PROSE = "train-prose/prose.jsonl"


def load_round(directory: Path) -> list[Sample]:
    """A round of text kept outside the training corpus (``round8/``: ``<lang>/<section>.txt``),
    its groups named after the directory so that they never merge with the corpus's own."""
    files = sorted(directory.glob("*/*.txt"))
    if not files:
        raise FileNotFoundError(f"no corpus files under {directory}")
    return [
        replace(sample, group=f"{directory.name}:{sample.group}")
        for path in files
        for sample in parse(
            path.read_text(encoding="utf-8"), path.parent.name, path.stem, str(path)
        )
    ]


def parse_training_prose(text: str, source: str = "<prose>") -> list[Sample]:
    """Benign answers written by a model (JSONL records with ``id``, ``language``, ``text``):
    each paragraph is an ordinary text of section ``general``, grouped by prompt, so that the
    answers to one prompt (one per seed) fall on the same side of the validation split."""
    samples: list[Sample] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        lang = str(record["language"])
        if lang not in LANGUAGES:
            raise ValueError(f"{source}:{number}: unknown language {lang!r}")
        group = f"{lang}/prose/{record['id']}"
        for paragraph in str(record["text"]).split("\n"):
            if len(paragraph.split()) >= 3:
                samples.append(Sample(paragraph.strip(), lang, "general", "benign", group=group))
    return samples


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(map(str, (SPLIT_SEED, *parts))).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def validation_groups(samples: Iterable[Sample]) -> frozenset[str]:
    """The groups held out for validation: a seeded fifth per language and section."""
    by_file: dict[tuple[str, str], list[str]] = {}
    for sample in samples:
        groups = by_file.setdefault((sample.lang, sample.section), [])
        if sample.group not in groups:
            groups.append(sample.group)
    chosen: set[str] = set()
    for (lang, section), groups in sorted(by_file.items()):
        count = round(len(groups) * VALIDATION_SHARE)
        chosen.update(_rng("validation", lang, section).sample(sorted(groups), count))
    return frozenset(chosen)


def split_validation(samples: Sequence[Sample]) -> tuple[list[Sample], list[Sample]]:
    """``(fit, validation)`` by :func:`validation_groups`."""
    held = validation_groups(samples)
    return [s for s in samples if s.group not in held], [s for s in samples if s.group in held]


def corpus_digest(samples: Iterable[Sample]) -> str:
    """A SHA-256 over the samples and their labels, to tie a model to the data it saw."""
    digest = hashlib.sha256()
    for s in samples:
        labels = f"{s.group}\t{s.kind}\t{int(s.severity)}\t{','.join(s.also)}\t{s.form}"
        digest.update(f"{labels}\t{s.text}\n".encode())
    return digest.hexdigest()


_SEVERITIES = {"safe": Severity.SAFE, "low": Severity.LOW, "medium": Severity.MEDIUM}
_SEVERITIES["high"] = Severity.HIGH


def from_record(record: dict[str, object], source: str = "") -> Sample:
    """One evaluation record (``text``, ``language``, ``label``, ``category``, ``severity``,
    ``kind``) as a :class:`Sample`.

    ``label`` is ``harmful``, ``benign`` or ``attack``; prompt attacks are ``attack`` or
    ``harmful`` with category ``jailbreak``, their ``kind`` ``direct`` or ``indirect``
    (``document``); a benign record's ``category`` says which category it looks like
    (``jailbreak`` for prompts that look like attacks), except ``kind: everyday`` (ordinary
    prompts, whose category is nominal).
    """
    text, lang = str(record["text"]), str(record["language"])
    label = str(record.get("label", "")).lower()
    category = str(record.get("category") or "").lower().replace("-", "_")
    kind_field = str(record.get("kind") or "").lower()
    severity_field = record.get("severity")
    if label in ("attack", "jailbreak", "prompt_attack", "injection") or (
        label == "harmful" and category in ("attack", "jailbreak", "prompt_attack")
    ):
        form = "document" if kind_field.startswith(("doc", "indirect", "embed")) else "direct"
        return Sample(text, lang, "attack", "attack", form=form, group=source)
    if label == "harmful":
        if category not in CATEGORIES:
            raise ValueError(f"{source}: harmful record without a known category: {record}")
        severity = _SEVERITIES.get(str(severity_field).lower(), Severity.MEDIUM)
        return Sample(text, lang, category, "harmful", severity=severity, group=source)
    if label in ("benign", "safe", "ordinary", "look-alike", "lookalike"):
        section = category if category in CATEGORIES and kind_field != "everyday" else "general"
        if category in ("attack", "jailbreak", "prompt_attack"):
            section = "attack"
        return Sample(text, lang, section, "benign", group=source)
    raise ValueError(f"{source}: unknown label {label!r}")


HELDOUT_FILES = ("harmful.jsonl", "benign.jsonl", "attacks.jsonl")


HELDOUT_SETS = {
    "heldout": "the independently written evaluation set",
    "heldout2": "a second, larger set by other authors (stop 29)",
    "heldout3": "a third set by nine new authors (stop 32)",
    "heldout4": "a fourth set by nine further authors (stop 32)",
    "heldout5": "a fifth set by nine further authors (stop 33)",
    "heldout6": "a sixth set by nine further authors (stop 34)",
    "heldout7": "a seventh set by nine further authors (stop 34)",
    "heldout8": "an eighth set by nine further authors (stop 36)",
    "heldout9": "a ninth set by nine further authors (stop 39)",
    "heldout10": "a tenth set by nine further authors (stop 39)",
    "heldout11": "an eleventh set by nine further authors (stop 40)",
    "heldout12": "a twelfth set by nine further authors (stop 40)",
    "heldout13": "a thirteenth set by nine further authors, sealed (stop 40)",
}
"""The held-out sets by name (``bench.safety_eval --set``), each a directory of
``corpus/safety``, and who wrote them."""


def heldout_set_dir(name: str) -> Path:
    """``corpus/safety/<name>`` for a name of :data:`HELDOUT_SETS`."""
    if name not in HELDOUT_SETS:
        raise ValueError(f"unknown held-out set {name!r}; known: {', '.join(HELDOUT_SETS)}")
    return default_corpus_dir() / name


def heldout_dir() -> Path:
    """``corpus/safety/heldout``: the first held-out set (see its README)."""
    return heldout_set_dir("heldout")


def load_heldout(directory: Path | None = None) -> list[Sample]:
    """The held-out set (see ``corpus/safety/heldout/README.md``), all of it."""
    root = directory or heldout_dir()
    return load_jsonl(root / name for name in HELDOUT_FILES)


def unseen(samples: Iterable[Sample], training: Iterable[Sample]) -> list[Sample]:
    """``samples`` without those whose normalised text is also a training text.

    Two authors writing independently still produce a few identical everyday sentences ("I hate
    Mondays"); evaluating on those would measure memory, not generalisation.
    """
    from modelport.policy.safety.normalize import normalize

    seen = {normalize(s.text) for s in training}
    return [s for s in samples if normalize(s.text) not in seen]


def load_jsonl(paths: Iterable[Path]) -> list[Sample]:
    """The records of JSONL evaluation files as samples (see :func:`from_record`)."""
    samples: list[Sample] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                samples.append(from_record(json.loads(line), f"{path.name}:{number}"))
    return samples
