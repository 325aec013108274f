"""The default classifier on the held-out set (``corpus/safety/heldout``).

That set was written independently of the training corpus, copied into the repository only once
the model and its thresholds were final, and evaluated once (``python -m bench.safety_eval``;
figures in docs/content-safety.md). The floors below sit a little under those figures: they
catch a regression, they are not the issue's target, which is asserted as it stands.
"""

from __future__ import annotations

import pytest

from modelport.policy.safety import DefaultClassifier
from modelport.policy.safety.learned.corpus import (
    CATEGORIES,
    LANGUAGES,
    Sample,
    corpus_digest,
    load_corpus,
    load_heldout,
    validation_groups,
)
from modelport.policy.safety.learned.evaluate import Evaluation, evaluate
from modelport.policy.safety.normalize import normalize

RECALL_TARGET = 0.90
FALSE_BLOCK_TARGET = 0.05
FLOORS = {}  # filled from the one held-out run, see docs/content-safety.md


@pytest.fixture(scope="module")
def heldout() -> list[Sample]:
    return load_heldout()


@pytest.fixture(scope="module")
def default() -> DefaultClassifier:
    return DefaultClassifier()


@pytest.fixture(scope="module")
def after(heldout: list[Sample], default: DefaultClassifier) -> Evaluation:
    return evaluate(default.classify, heldout)


def test_the_shipped_model_was_trained_on_this_corpus_only(default: DefaultClassifier) -> None:
    corpus = load_corpus()
    manifest = default.model.manifest
    assert manifest["train_digest"] == corpus_digest(corpus)
    assert manifest["validation_groups"] == sorted(validation_groups(corpus))


def test_no_held_out_text_is_in_the_training_corpus(heldout: list[Sample]) -> None:
    trained = {normalize(s.text) for s in load_corpus()}
    shared = [s.text for s in heldout if normalize(s.text) in trained]
    assert shared == []


def test_held_out_set_covers_every_category_and_language(heldout: list[Sample]) -> None:
    for category in CATEGORIES:
        for lang in LANGUAGES:
            cell = [s for s in heldout if s.section == category and s.lang == lang]
            assert any(s.must_block for s in cell), (category, lang)
