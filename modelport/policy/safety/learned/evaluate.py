"""Recall and false-block rate of a classifier on corpus samples, per category and language.

A harmful text counts as caught when the serverless default policy blocks it (any category);
a benign look-alike counts as a false block when that policy blocks it. Prompt attacks count as
caught when the jailbreak annotation is detected; the attack section's ordinary prompts count as
false blocks when anything blocks them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from modelport.policy.safety.learned.corpus import LANGUAGES, SECTIONS, Sample
from modelport.policy.safety.policy import SafetyPolicy
from modelport.policy.safety.types import SafetyResult, Stage

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


@dataclass
class Evaluation:
    cells: dict[tuple[str, str], Cell]

    def total(self, section: str | None = None, lang: str | None = None) -> Cell:
        """The sum over cells matching ``section`` and/or ``lang`` (``None``: all)."""
        out = Cell()
        for (s, lang_), cell in self.cells.items():
            if (section is None or s == section) and (lang is None or lang_ == lang):
                out.add(cell)
        return out

    def by_attack_form(self, samples: Iterable[Sample], classify: Classify) -> dict[str, Cell]:
        """Attack recall split into direct and document-embedded attacks."""
        out: dict[str, Cell] = {"direct": Cell(), "document": Cell()}
        for sample in samples:
            if sample.attack:
                cell = out[sample.form]
                cell.harmful += 1
                cell.caught += classify(sample.text).jailbreak
        return out


def evaluate(classify: Classify, samples: Iterable[Sample]) -> Evaluation:
    """Run ``classify`` over ``samples`` and count per (section, language)."""
    policy = SafetyPolicy.serverless()
    cells: dict[tuple[str, str], Cell] = {}
    for sample in samples:
        cell = cells.setdefault((sample.section, sample.lang), Cell())
        result = classify(sample.text)
        if sample.harmful or sample.attack:
            cell.harmful += 1
            hit = result.jailbreak if sample.attack else policy.blocks(result, Stage.PROMPT)
            if hit:
                cell.caught += 1
            else:
                cell.misses.append(sample.text)
        else:
            cell.benign += 1
            if policy.blocks(result, Stage.PROMPT):
                cell.blocked += 1
                cell.false_blocks.append(sample.text)
    return Evaluation(cells)


def _pct(value: float | None) -> str:
    return "   —" if value is None else f"{value:4.2f}"


def format_table(evaluation: Evaluation, title: str) -> str:
    """Recall / false-block rate per section (rows) and language (columns), with totals."""
    head = f"{'':<10}" + "".join(f"{lang:>11}" for lang in LANGUAGES) + f"{'all':>13}"
    lines = [title, "recall on harmful (n)  /  false-block rate on benign look-alikes (n)", head]
    for section in SECTIONS:
        if not any(s == section for s, _ in evaluation.cells):
            continue
        recall = f"{section:<10}"
        blocks = f"{'':<10}"
        for lang in (*LANGUAGES, None):
            cell = evaluation.total(section, lang)
            width = 11 if lang else 13
            recall += f"{_pct(cell.recall)} ({cell.harmful:>3})".rjust(width)
            blocks += f"{_pct(cell.false_block_rate)} ({cell.benign:>3})".rjust(width)
        lines += [recall, blocks]
    recall, blocks = f"{'all':<10}", f"{'':<10}"
    for lang in (*LANGUAGES, None):
        cell = evaluation.total(None, lang)
        width = 11 if lang else 13
        recall += f"{_pct(cell.recall)} ({cell.harmful:>3})".rjust(width)
        blocks += f"{_pct(cell.false_block_rate)} ({cell.benign:>3})".rjust(width)
    lines += [recall, blocks]
    return "\n".join(lines)
