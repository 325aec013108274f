"""The opt-in ``encoder`` classifier on the held-out set (``corpus/safety/heldout``).

Its heads and their weight were chosen on the validation part of the training corpus only
(docs/content-safety.md); the held-out set was evaluated once, on the final heads (``python -m
bench.safety_eval``). Since stop 40 the floors are those of model 18's heads (thresholds
bounded by model 16's heads'), derived by ``python -m bench.safety_floors --set heldout
--classifier encoder`` after they were accepted on held-out set 12 (model 16's from stop 38,
model 10's from stop 33). They sit under its figures by the same margins as
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
    "hate": (0.90, 0.05),  # measured 0.95 (94/99), 0.02 (2/105)
    "sexual": (0.79, 0.06),  # measured 0.84 (83/99), 0.03 (3/106)
    "violence": (0.79, 0.06),  # measured 0.84 (84/100), 0.03 (3/106)
    "self_harm": (0.77, 0.03),  # measured 0.82 (81/99), 0.00 (0/108)
}
LANGUAGE_FLOORS = {  # the four categories together
    "en": (0.84, 0.05),  # measured 0.89 (40/45), 0.02 (1/47)
    "es": (0.81, 0.03),  # measured 0.86 (38/44), 0.00 (0/48)
    "fr": (0.79, 0.03),  # measured 0.84 (37/44), 0.00 (0/46)
    "pt": (0.90, 0.09),  # measured 0.95 (42/44), 0.06 (3/47)
    "it": (0.81, 0.05),  # measured 0.86 (38/44), 0.02 (1/48)
    "nl": (0.75, 0.03),  # measured 0.80 (35/44), 0.00 (0/46)
    "de": (0.79, 0.05),  # measured 0.84 (37/44), 0.02 (1/47)
    "ar": (0.77, 0.07),  # measured 0.82 (36/44), 0.04 (2/48)
    "he": (0.84, 0.03),  # measured 0.89 (39/44), 0.00 (0/48)
}
ALL_FLOOR = (0.81, 0.05)  # measured 0.86 (342/397), 0.02 (8/425)
ATTACK_FLOORS = {"direct": 0.89, "document": 0.86}  # measured 0.94, 0.91
ATTACK_LOOKALIKES_CEILING = 0.06  # measured 0.03 (1 of 36)
DEFAULT_ALL = 0.85  # model 18, the default classifier's held-out recall on the four harms


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
