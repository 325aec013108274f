"""Does a hidden layer help? The shipped linear model against a non-linear one, same features.

Run from the repository root (needs torch: ``pip install -e '.[finetune]'``)::

    python -m bench.safety_hidden [--epochs N] [--dim D] [--hidden H] [--dropout P]

Both models are trained on the fit part of the training corpus (the same augmented texts, the
same hashed character and word n-grams of :mod:`modelport.policy.safety.learned.features`), both
get thresholds chosen by the same rule on the validation part, and both are scored on that
validation part side by side. Nothing here reads the held-out or the generated sets.

The non-linear model: each feature bucket has a learned ``D``-vector; a chunk's vectors are
summed (scaled like the linear model's), passed through a ReLU layer of ``H`` units and a linear
skip connection onto the same heads; a text's worst chunk decides, as in the linear model, and
training follows that rule (the loss is on each text's per-head maximum over its chunks).

This is a research bench: the shipped model stays linear unless a hidden layer wins clearly
(docs/content-safety.md has the figures and the rule used to decide).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from modelport.policy.safety.learned.augment import augment
from modelport.policy.safety.learned.corpus import Sample, load_corpus, split_validation
from modelport.policy.safety.learned.evaluate import Evaluation, evaluate, format_report
from modelport.policy.safety.learned.features import chunk_scale, chunks, hash_chunks
from modelport.policy.safety.learned.model import HEADS, empty_model
from modelport.policy.safety.learned.thresholds import choose_thresholds
from modelport.policy.safety.learned.train import Dataset, Hyper, train


class HiddenLayerScorer:
    """A trained hidden-layer model scoring texts like ``LinearSafetyModel.logits``."""

    def __init__(self, net: Any, bits: int) -> None:
        self._net = net
        self._bits = bits

    def logits(self, text: str) -> npt.NDArray[np.float32]:
        import torch

        parts = chunks(text)
        if not parts:
            bias: npt.NDArray[np.float32] = self._net.out.bias.detach().numpy().copy()
            return bias
        hashed = hash_chunks(parts, self._bits)
        owner = hashed.chunk if hashed.chunk is not None else np.zeros(len(hashed.buckets), int)
        order = np.argsort(owner, kind="stable")
        scale = chunk_scale(hashed.sizes)[owner[order]]
        offsets = np.concatenate(([0], np.cumsum(hashed.sizes)[:-1]))
        with torch.no_grad():
            z = self._net(
                torch.from_numpy(hashed.buckets[order].astype(np.int64)),
                torch.from_numpy(offsets.astype(np.int64)),
                torch.from_numpy(scale.astype(np.float32)),
            ).numpy()
        out: npt.NDArray[np.float32] = z.max(axis=0)
        return out


def train_hidden(
    data: Dataset, epochs: int, dim: int, hidden: int, dropout: float, seed: int
) -> HiddenLayerScorer:
    import torch

    torch.manual_seed(seed)
    heads = len(HEADS)

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = torch.nn.EmbeddingBag(1 << data.bits, dim, mode="sum")
            torch.nn.init.normal_(self.emb.weight, 0.0, 0.05)
            self.hidden = torch.nn.Linear(dim, hidden)
            self.out = torch.nn.Linear(hidden, heads)
            self.skip = torch.nn.Linear(dim, heads)
            self.drop = torch.nn.Dropout(dropout)

        def forward(self, cols: Any, offsets: Any, weights: Any) -> Any:
            e = self.emb(cols, offsets, per_sample_weights=weights)
            return self.out(self.drop(torch.relu(self.hidden(e)))) + self.skip(e)

    net = Net()
    positives = data.y.sum(axis=0)
    pos_weight = torch.tensor(
        np.minimum(4.0, (len(data) - positives) / np.maximum(positives, 1.0)),
        dtype=torch.float32,
    )
    prior = np.clip(positives / len(data), 1e-3, 1 - 1e-3)
    with torch.no_grad():
        net.out.bias.copy_(torch.tensor(np.log(prior / (1 - prior)), dtype=torch.float32))
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    rng = np.random.default_rng(seed)
    cols, vals, y_all = (torch.from_numpy(a) for a in (data.cols, data.vals, data.y))
    for epoch in range(epochs):
        start_time, total = time.perf_counter(), 0.0
        order = rng.permutation(len(data))
        for start in range(0, len(order), 256):
            batch = np.sort(order[start : start + 256])
            first, last = data.chunk_ptr[batch], data.chunk_ptr[batch + 1]
            chunk_ids = np.concatenate([np.arange(a, z) for a, z in zip(first, last, strict=True)])
            owner = torch.from_numpy(np.repeat(np.arange(len(batch)), last - first))
            lo, hi = data.indptr[chunk_ids], data.indptr[chunk_ids + 1]
            idx = np.concatenate([np.arange(a, z) for a, z in zip(lo, hi, strict=True)])
            offsets = torch.from_numpy(np.concatenate(([0], np.cumsum(hi - lo)[:-1])))
            per_chunk = net(cols[idx], offsets, vals[idx])
            per_text = torch.full((len(batch), heads), -1e9).scatter_reduce(
                0, owner[:, None].expand(-1, heads), per_chunk, "amax", include_self=True
            )
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                per_text, y_all[batch], pos_weight=pos_weight
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(batch)
        print(
            f"  hidden layer, epoch {epoch + 1}/{epochs}: loss {total / len(data):.4f} "
            f"({time.perf_counter() - start_time:.0f} s)",
            flush=True,
        )
    net.eval()
    return HiddenLayerScorer(net, data.bits)


def judged(scorer: Any, validation: list[Sample]) -> Evaluation:
    """``scorer`` under thresholds chosen on ``validation``, evaluated on it."""
    thresholds, report = choose_thresholds(scorer, validation)
    print(report)
    decider = empty_model(2).with_thresholds(thresholds)
    return evaluate(lambda text: decider.decide(scorer.logits(text)), validation)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--dropout", type=float, default=0.5)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        raise SystemExit("this bench needs torch: pip install -e '.[finetune]'") from None
    torch.set_num_threads(2)
    hyper = Hyper()
    fitted, validation = split_validation(load_corpus())
    print(f"fit part {len(fitted)} texts, validation part {len(validation)} texts")
    start = time.perf_counter()
    linear = train(fitted, hyper, {})
    print(f"linear model trained in {time.perf_counter() - start:.0f} s")
    data = Dataset(augment(fitted, hyper.seed), hyper.bits)
    hidden = train_hidden(data, args.epochs, args.dim, args.hidden, args.dropout, hyper.seed)
    results = {"linear": judged(linear, validation), "hidden layer": judged(hidden, validation)}
    for name, result in results.items():
        print(format_report(result, f"{name} (validation)"))
    print("\nside by side, validation: recall on the four harms / look-alikes blocked")
    for name, result in results.items():
        harms, looks = result.harm_total(), result.total("attack")
        print(
            f"  {name:<13} {harms.recall or 0:.2f} / {harms.false_block_rate or 0:.2f}; "
            f"prompt attacks {looks.recall or 0:.2f} / {looks.false_block_rate or 0:.2f}"
        )


if __name__ == "__main__":
    main()
