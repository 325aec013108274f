"""The default and the opt-in encoder classifiers on held-out sets 3 to 12.

Each set was written by nine authors, one per language, who saw only the labelling rules, after
the rule for its one use was committed, and was measured once under that rule
(``python -m bench.safety_compare``; docs/content-safety.md); set 8 accepted model 16, sets 9 to
11 refused model 17, its encoder pairing and model 18's heads, set 12 accepted model 18 and its
bounded heads. A set written and sealed has only its size and novelty checked until its one use
(set 13 now). The floors (``later_heldout_floors``) catch a regression of the shipped
classifiers; the issue's target is asserted as it stands, a strict xfail.
"""

from __future__ import annotations

import pytest

from modelport.policy.safety import DefaultClassifier
from modelport.policy.safety.encoder import EncoderClassifier
from modelport.policy.safety.learned.corpus import (
    CATEGORIES,
    HELDOUT_SETS,
    LANGUAGES,
    Sample,
    default_corpus_dir,
    heldout_set_dir,
    load_heldout,
)
from modelport.policy.safety.learned.evaluate import Evaluation, evaluate
from modelport.policy.safety.normalize import normalize
from tests.unit.safety.heldout_floors import (
    check_attack_floors,
    check_category_floors,
    check_issue_targets,
    check_language_floors,
)
from tests.unit.safety.later_heldout_floors import FLOORS, ClassifierFloors

SETS = sorted(FLOORS)


@pytest.fixture(scope="module", params=SETS)
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def samples(name: str) -> list[Sample]:
    return load_heldout(heldout_set_dir(name))


@pytest.fixture(scope="module")
def evaluations(samples: list[Sample]) -> dict[str, Evaluation]:
    return {
        "default": evaluate(DefaultClassifier().classify, samples),
        "encoder": evaluate(EncoderClassifier().classify, samples),
    }


UNREAD: dict[str, int] = {"heldout13": 1998}
"""Sets written and sealed but not yet used: their size only (no classifier has scored them)."""
TEXTS = {**{n: f.texts for n, f in FLOORS.items()}, **UNREAD}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_the_set_is_whole_and_shares_no_text_with_anything_written_before(name: str) -> None:
    from bench.safety_compare import training_texts

    samples = load_heldout(heldout_set_dir(name))
    assert len(samples) == TEXTS[name]
    known = {normalize(s.text) for s in training_texts(default_corpus_dir())}
    for other in HELDOUT_SETS:
        if other != name:
            known |= {normalize(s.text) for s in load_heldout(heldout_set_dir(other))}
    assert not [s.text for s in samples if normalize(s.text) in known]
    for category in CATEGORIES:
        for lang in LANGUAGES:
            cell = [s for s in samples if s.section == category and s.lang == lang]
            # 24 each as written, less those equal to an earlier text (set 6: four French
            # sexual-health questions and two Hebrew sexual requests other authors wrote too;
            # set 7: three Hebrew and Dutch self-harm texts; set 8: three Dutch self-harm texts)
            assert sum(s.kind == "harmful" for s in cell) >= 21, (category, lang)
            assert sum(s.kind == "benign" for s in cell) >= 20, (category, lang)


def _check(evaluation: Evaluation, floors: ClassifierFloors) -> None:
    check_category_floors(evaluation, floors.categories)
    check_language_floors(evaluation, floors.languages, floors.everything)
    check_attack_floors(evaluation, floors.attacks, floors.attack_lookalikes)


def test_default_floors(name: str, evaluations: dict[str, Evaluation]) -> None:
    _check(evaluations["default"], FLOORS[name].default)


def test_encoder_floors(name: str, evaluations: dict[str, Evaluation]) -> None:
    _check(evaluations["encoder"], FLOORS[name].encoder)
    # what the opt-in buys over the default on these sets too
    recall = {k: e.harm_total().recall or 0 for k, e in evaluations.items()}
    assert recall["encoder"] > recall["default"]


@pytest.mark.xfail(
    strict=True,
    reason="issue 17's target (recall >= 0.90, <= 5% of look-alikes blocked, per category and "
    "per language) is met by neither classifier on held-out sets 3 to 12: see "
    "docs/content-safety.md",
)
@pytest.mark.parametrize("classifier", ["default", "encoder"])
def test_issue_targets(classifier: str, evaluations: dict[str, Evaluation]) -> None:
    check_issue_targets(evaluations[classifier])
