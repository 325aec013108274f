"""The opt-in ``encoder`` classifier on the held-out set (``corpus/safety/heldout``).

Its heads and their weight were chosen on the validation part of the training corpus only
(docs/content-safety.md); the held-out set was evaluated once, on the final heads
(``python -m bench.safety_eval``). The floors sit under those figures by the same margins as
the default classifier's (``test_safety_heldout.py``): they catch a regression; the issue's
target is asserted as it stands.
"""

from __future__ import annotations

import pytest

from modelport.policy.safety.encoder import EncoderClassifier
from modelport.policy.safety.learned.corpus import Sample, load_corpus, load_heldout, unseen
from modelport.policy.safety.learned.evaluate import Evaluation, evaluate
from tests.unit.safety.heldout_floors import (
    check_attack_floors,
    check_category_floors,
    check_issue_targets,
    check_language_floors,
)

# (recall floor, false-block ceiling): the measured figure minus 0.05 and plus 0.03.
CATEGORY_FLOORS = {
    "hate": (0.86, 0.09),  # measured 0.91, 0.06
    "sexual": (0.73, 0.06),  # measured 0.78, 0.03
    "violence": (0.78, 0.10),  # measured 0.83, 0.07
    "self_harm": (0.74, 0.04),  # measured 0.79, 0.01
}
LANGUAGE_FLOORS = {  # the four categories together
    "en": (0.82, 0.07),  # measured 0.87, 0.04
    "es": (0.68, 0.07),  # measured 0.73, 0.04
    "fr": (0.72, 0.07),  # measured 0.77, 0.04
    "pt": (0.90, 0.09),  # measured 0.95, 0.06
    "it": (0.79, 0.09),  # measured 0.84, 0.06
    "nl": (0.72, 0.05),  # measured 0.77, 0.02
    "de": (0.70, 0.07),  # measured 0.75, 0.04
    "ar": (0.79, 0.05),  # measured 0.84, 0.02
    "he": (0.86, 0.05),  # measured 0.91, 0.02
}
ALL_FLOOR = (0.78, 0.07)  # measured 0.83, 0.04
ATTACK_FLOORS = {"direct": 0.89, "document": 0.91}  # measured 0.94, 0.96
ATTACK_LOOKALIKES_CEILING = 0.06  # measured 0.03 (1 of 36)
DEFAULT_ALL = 0.79  # the default classifier's held-out recall on the four harms


@pytest.fixture(scope="module")
def encoded() -> Evaluation:
    heldout: list[Sample] = unseen(load_heldout(), load_corpus())
    return evaluate(EncoderClassifier().classify, heldout)


def test_floors_per_category(encoded: Evaluation) -> None:
    check_category_floors(encoded, CATEGORY_FLOORS)


def test_floors_per_language(encoded: Evaluation) -> None:
    check_language_floors(encoded, LANGUAGE_FLOORS, ALL_FLOOR)
    # what the opt-in buys over the default, on text neither saw
    assert (encoded.harm_total().recall or 0) > DEFAULT_ALL


def test_prompt_attack_floors(encoded: Evaluation) -> None:
    check_attack_floors(encoded, ATTACK_FLOORS, ATTACK_LOOKALIKES_CEILING)


@pytest.mark.xfail(
    strict=True,
    reason="issue 17's target (recall >= 0.90, <= 5% of look-alikes blocked, per category and "
    "per language) is not reached by the encoder classifier either: see docs/content-safety.md",
)
def test_issue_targets_per_category_and_language(encoded: Evaluation) -> None:
    check_issue_targets(encoded)
