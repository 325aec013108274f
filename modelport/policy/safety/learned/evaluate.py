"""Recall and false-block rate of a classifier on labelled samples, per section and language.

Under the serverless default policy (block medium and above in every category, block prompt
attacks):

* a harmful text of medium or high severity is **caught** when the policy blocks it;
* a prompt attack is caught when the jailbreak annotation is detected;
* a benign text (a look-alike, or an ordinary prompt) is a **false block** when the policy
  blocks it for any reason.

Low-severity harmful texts are not counted (the default policy lets them through by design).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from modelport.policy.safety.learned.corpus import LANGUAGES, SECTIONS, Sample
from modelport.policy.safety.policy import SafetyPolicy
from modelport.policy.safety.types import SafetyResult, Severity, Stage

Classify = Callable[[str], SafetyResult]


@dataclass
class Cell:
    """Counts of one (section, language) cell."""

    harmful: int = 0
    caught: int = 0
    benign: int = 0
    blocked: int = 0
    misses: list[str] = field(default_factory=list)
    false_blocks: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.caught / self.harmful if self.harmful else None

    @property
    def false_block_rate(self) -> float | None:
        return self.blocked / self.benign if self.benign else None

    def add(self, other: Cell) -> None:
        self.harmful += other.harmful
        self.caught += other.caught
        self.benign += other.benign
        self.blocked += other.blocked
        self.misses += other.misses
        self.false_blocks += other.false_blocks


@dataclass
class Evaluation:
    cells: dict[tuple[str, str], Cell]
    forms: dict[str, Cell] = field(default_factory=dict)  # prompt attacks: direct | document

    def total(self, section: str | None = None, lang: str | None = None) -> Cell:
        """The sum over cells matching ``section`` and/or ``lang`` (``None``: all)."""
        out = Cell()
        for (s, lang_), cell in self.cells.items():
            if (section is None or s == section) and (lang is None or lang_ == lang):
                out.add(cell)
        return out

    def harm_total(self, lang: str | None = None) -> Cell:
        """The four harm categories together (attacks and ordinary prompts left out)."""
        out = Cell()
        for section in SECTIONS[:4]:
            out.add(self.total(section, lang))
        return out

    def summary(self) -> dict[str, dict[str, list[float | int | None]]]:
        """``{section: {lang|"all": [recall, n_harmful, false-block rate, n_benign]}}``."""
        out: dict[str, dict[str, list[float | int | None]]] = {}
        for section in SECTIONS:
            row: dict[str, list[float | int | None]] = {}
            for lang in (*LANGUAGES, None):
                cell = self.total(section, lang)
                if cell.harmful or cell.benign:
                    rate = cell.false_block_rate
                    recall = cell.recall
                    row[lang or "all"] = [
                        None if recall is None else round(recall, 3),
                        cell.harmful,
                        None if rate is None else round(rate, 3),
                        cell.benign,
                    ]
            if row:
                out[section] = row
        return out

    def format_errors(self) -> str:
        lines = []
        for (section, lang), cell in sorted(self.cells.items()):
            lines += [f"missed   {section}/{lang}: {t!r}" for t in cell.misses]
            lines += [f"blocked  {section}/{lang}: {t!r}" for t in cell.false_blocks]
        return "\n".join(lines)


def evaluate(classify: Classify, samples: Iterable[Sample]) -> Evaluation:
    """Run ``classify`` over ``samples`` and count per (section, language)."""
    policy = SafetyPolicy.serverless()
    cells: dict[tuple[str, str], Cell] = {}
    forms: dict[str, Cell] = {"direct": Cell(), "document": Cell()}
    for sample in samples:
        if sample.kind == "harmful" and not sample.must_block:
            continue
        cell = cells.setdefault((sample.section, sample.lang), Cell())
        result = classify(sample.text)
        if sample.kind == "benign":
            cell.benign += 1
            if policy.blocks(result, Stage.PROMPT):
                cell.blocked += 1
                cell.false_blocks.append(sample.text)
            continue
        hit = result.jailbreak if sample.kind == "attack" else policy.blocks(result, Stage.PROMPT)
        targets = [cell, forms[sample.form]] if sample.kind == "attack" else [cell]
        for target in targets:
            target.harmful += 1
            target.caught += hit
        if not hit:
            cell.misses.append(sample.text)
    return Evaluation(cells, forms)


def low_blocked(classify: Classify, samples: Iterable[Sample]) -> tuple[int, int]:
    """How many low-severity harmful texts (meant to pass) the default policy blocks, of how
    many: a classifier that blocks them over-blocks."""
    policy = SafetyPolicy.serverless()
    low = [s for s in samples if s.kind == "harmful" and s.severity is Severity.LOW]
    blocked = sum(policy.blocks(classify(s.text), Stage.PROMPT) for s in low)
    return blocked, len(low)


def _pct(value: float | None) -> str:
    return "   —" if value is None else f"{value:4.2f}"


def _row(label: str, cells: list[Cell], rate: str) -> str:
    line = f"{label:<10}"
    for i, cell in enumerate(cells):
        width = 13 if i == len(cells) - 1 else 11
        if rate == "recall":
            line += f"{_pct(cell.recall)} ({cell.harmful:>3})".rjust(width)
        else:
            line += f"{_pct(cell.false_block_rate)} ({cell.benign:>3})".rjust(width)
    return line


def format_report(evaluation: Evaluation, title: str) -> str:
    """Recall (rows ``category``) and false-block rate (rows ``  benign``) per language."""
    langs: tuple[str | None, ...] = (*LANGUAGES, None)
    head = f"{'':<10}" + "".join(f"{lang:>11}" for lang in LANGUAGES) + f"{'all':>13}"
    lines = [title, "recall on harmful at medium+ (n) / false-block rate on benign (n)", head]
    for section in SECTIONS:
        cells = [evaluation.total(section, lang) for lang in langs]
        if any(c.harmful for c in cells):
            lines.append(_row(section, cells, "recall"))
        if any(c.benign for c in cells):
            label = "  benign" if any(c.harmful for c in cells) else f"{section}"
            lines.append(_row(label, cells, "false"))
    harm = [evaluation.harm_total(lang) for lang in langs]
    lines.append(_row("4 harms", harm, "recall"))
    lines.append(_row("  benign", harm, "false"))
    everything = [evaluation.total(None, lang) for lang in langs]
    lines.append(_row("all benign", everything, "false"))
    forms = ", ".join(
        f"{form} {cell.caught}/{cell.harmful}" for form, cell in evaluation.forms.items()
    )
    lines.append(f"prompt attacks detected: {forms}")
    return "\n".join(lines)
