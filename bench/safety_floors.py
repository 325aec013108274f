"""The floors of a held-out test, derived from the shipped classifiers' measured figures.

Run from the repository root::

    python -m bench.safety_floors --set heldout3 [--classifier default|encoder]

When a model ships (docs/content-safety.md says under which rule), the held-out tests take
their floors from its figures the usual way: 0.05 under each measured recall, 0.03 over each
measured look-alike rate, both from the figure rounded to two decimals, per category, per
language (the four categories together), overall and for prompt attacks. This prints them as
Python constants with the measured figures as comments, to be pasted into
``tests/unit/safety/test_safety_heldout*.py``; it decides nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from modelport.policy.safety import DefaultClassifier
from modelport.policy.safety.learned.corpus import (
    CATEGORIES,
    HELDOUT_SETS,
    LANGUAGES,
    heldout_set_dir,
    load_corpus,
    load_heldout,
    unseen,
)
from modelport.policy.safety.learned.evaluate import Cell, Evaluation, evaluate

RECALL_MARGIN, LOOKALIKE_MARGIN = 0.05, 0.03


def floor(cell: Cell) -> float:
    return round(round(cell.recall or 0.0, 2) - RECALL_MARGIN, 2)


def ceiling(cell: Cell) -> float:
    return round(round(cell.false_block_rate or 0.0, 2) + LOOKALIKE_MARGIN, 2)


def pair(cell: Cell) -> str:
    return (
        f"({floor(cell):.2f}, {ceiling(cell):.2f}),  # measured {cell.recall or 0:.2f} "
        f"({cell.caught}/{cell.harmful}), {cell.false_block_rate or 0:.2f} "
        f"({cell.blocked}/{cell.benign})"
    )


def constants(evaluation: Evaluation, prefix: str) -> str:
    lines = [f"{prefix}CATEGORY_FLOORS = {{"]
    lines += [f'    "{c}": {pair(evaluation.total(c))}' for c in CATEGORIES]
    lines += ["}", f"{prefix}LANGUAGE_FLOORS = {{  # the four categories together"]
    lines += [f'    "{lang}": {pair(evaluation.harm_total(lang))}' for lang in LANGUAGES]
    lines += ["}", f"{prefix}ALL = {pair(evaluation.harm_total())}".replace(",  #", "  #")]
    forms = evaluation.forms
    attacks = ", ".join(f'"{form}": {floor(forms[form]):.2f}' for form in ("direct", "document"))
    measured = ", ".join(f"{forms[form].recall or 0:.2f}" for form in ("direct", "document"))
    lines.append(f"{prefix}ATTACKS = {{{attacks}}}  # measured {measured}")
    look = evaluation.total("attack")
    lines.append(
        f"{prefix}ATTACK_LOOKALIKES = {ceiling(look):.2f}  # measured "
        f"{look.false_block_rate or 0:.2f} ({look.blocked} of {look.benign})"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--set", choices=sorted(HELDOUT_SETS), default="heldout3")
    parser.add_argument("--classifier", choices=("default", "encoder"), action="append")
    args = parser.parse_args(argv)
    samples = unseen(load_heldout(heldout_set_dir(args.set)), load_corpus())
    print(f"# {len(samples)} texts of {args.set}")
    for name in args.classifier or ["default", "encoder"]:
        if name == "default":
            classify = DefaultClassifier().classify
        else:
            from modelport.policy.safety.encoder import EncoderClassifier

            classify = EncoderClassifier().classify
        print(constants(evaluate(classify, samples), f"{name.upper()}_"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
