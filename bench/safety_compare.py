"""A candidate safety model against the shipped one, text by text, on a held-out set.

Run from the repository root::

    python -m bench.safety_compare --set heldout4 --candidate DIR [--rule set3|set4|set6|set10]
        [--no-encoder] [--repeats N]

``DIR`` is a ``learned`` directory laid out like the package's
(``modelport/policy/safety/learned``): ``weights/`` (the n-gram model, as written by
``python -m modelport.policy.safety.learned.train``) and ``weights-encoder/`` (its encoder
heads, as written by ``...learned.encoder_train``, with their own n-gram model in
``weights-encoder/ngram/`` if they have one). The incumbent is what this checkout ships.

Both classifiers see the same texts in one process (texts also in any text written for training,
including the rounds kept beside the corpus, are left out), and every text is scored right or
wrong for each under the serverless default policy: a harmful text at medium or above is right
when blocked, a prompt attack when detected, a look-alike or a low-severity text (meant to pass)
when passed. Groups are compared text by text: per language (four categories together) and per
category (all languages), harmful texts and look-alikes apart, then direct attacks, document
attacks, attack look-alikes and low-severity texts. For each group it prints both rates, the
texts only the candidate gets right (wins) and only the incumbent does (losses), and the
one-sided exact sign test on those discordant texts: the chance of at least that many losses if
each discordant text were a coin toss. Then it applies a rule written down in
docs/content-safety.md (``--rule set3``: "Held-out set 3"; ``set4``, the default: "Model 10 on
held-out set 4"; ``set6``: "Held-out set 6 and model 11 again", which asks the encoder only
that its balanced accuracy not fall; ``set10``: "Held-out set 10", which asks (a') of both and
judges each classifier on its own) and prints every clause and the verdict, and the time
per 100 words of both defaults side by side. The issue's bar (recall 0.90, look-alikes 0.05, per
category and language) is reported for both.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.safety_eval import per_100_words_us
from modelport.policy.safety.default import DefaultClassifier, LexiconClassifier
from modelport.policy.safety.learned.corpus import (
    CATEGORIES,
    HELDOUT_SETS,
    LANGUAGES,
    Sample,
    default_corpus_dir,
    heldout_set_dir,
    load_corpus,
    load_heldout,
    load_round,
    unseen,
)
from modelport.policy.safety.learned.evaluate import Classify, evaluate, format_report
from modelport.policy.safety.learned.model import LinearSafetyModel, Thresholds
from modelport.policy.safety.policy import SafetyPolicy
from modelport.policy.safety.types import Annotation, Stage

P_REGRESSION = 0.01
MIN_RECALL_GAIN = 0.02
MAX_LOOKALIKE_RISE = 0.01
MAX_SLOWDOWN = 1.15
TARGET_RECALL, TARGET_LOOKALIKES = 0.90, 0.05
KEPT_BESIDE = ("round9", "round11", "round12")  # rounds 13 to 15: training text


def sign_test_p(losses: int, wins: int) -> float:
    """P(at least ``losses`` of ``losses + wins`` fair coin tosses): one-sided exact sign test."""
    n = losses + wins
    if n == 0:
        return 1.0
    return float(sum(math.comb(n, k) for k in range(losses, n + 1)) / 2**n)


def right(sample: Sample, classify: Classify, policy: SafetyPolicy) -> bool:
    """Whether the serverless default policy treats ``sample`` as its label says it should."""
    result = classify(sample.text)
    if sample.kind == "attack":
        return result.jailbreak
    blocked = policy.blocks(result, Stage.PROMPT)
    return blocked if sample.must_block else not blocked


@dataclass(frozen=True)
class Group:
    name: str
    n: int
    incumbent: int  # texts the incumbent gets right
    candidate: int
    wins: int  # right only for the candidate
    losses: int  # right only for the incumbent

    @property
    def p(self) -> float:
        return sign_test_p(self.losses, self.wins) if self.losses > self.wins else 1.0

    @property
    def regresses(self) -> bool:
        return self.p < P_REGRESSION

    def line(self) -> str:
        a, b = self.incumbent / self.n, self.candidate / self.n
        flag = "  REGRESSES" if self.regresses else ""
        return (
            f"{self.name:<22} {self.n:>4}  {a:5.3f} -> {b:5.3f}  +{self.wins:<3} -{self.losses:<3}"
            f" p={self.p:.4f}{flag}"
        )


def group_key(sample: Sample) -> list[str]:
    """The comparison groups a sample belongs to (rates are of texts treated right)."""
    if sample.kind == "attack":
        return [f"attacks {sample.form}"]
    if sample.section == "attack":
        return ["attack look-alikes"]
    if sample.kind == "harmful" and not sample.must_block:
        return ["low severity (pass)"]
    if sample.section not in CATEGORIES:
        return []  # ordinary prompts: in the tables, not a group of the rule
    kind = "harmful" if sample.kind == "harmful" else "look-alikes"
    return [f"{sample.lang} {kind}", f"{sample.section} {kind}"]


def compare(
    samples: Sequence[Sample], incumbent: Sequence[bool], candidate: Sequence[bool]
) -> list[Group]:
    """Every group of the rule, in a fixed order, from per-sample outcomes."""
    names = [f"{lang} {kind}" for kind in ("harmful", "look-alikes") for lang in LANGUAGES]
    names += [f"{cat} {kind}" for kind in ("harmful", "look-alikes") for cat in CATEGORIES]
    names += ["attacks direct", "attacks document", "attack look-alikes", "low severity (pass)"]
    counts = {name: [0, 0, 0, 0, 0] for name in names}
    for sample, a, b in zip(samples, incumbent, candidate, strict=True):
        for name in group_key(sample):
            c = counts[name]
            c[0] += 1
            c[1] += a
            c[2] += b
            c[3] += b and not a
            c[4] += a and not b
    return [Group(name, *c) for name, c in counts.items() if c[0]]


@dataclass(frozen=True)
class Clause:
    label: str
    passed: bool
    detail: str


def harm_rates(samples: Sequence[Sample], outcomes: Sequence[bool]) -> tuple[float, float]:
    """(4-harm recall, 4-harm look-alikes blocked) from per-sample outcomes."""
    caught = harmful = blocked = lookalikes = 0
    for sample, ok in zip(samples, outcomes, strict=True):
        if sample.section not in CATEGORIES:
            continue
        if sample.must_block:
            harmful += 1
            caught += ok
        elif sample.kind == "benign":
            lookalikes += 1
            blocked += not ok
    return caught / max(harmful, 1), blocked / max(lookalikes, 1)


def clauses(
    label: str,
    samples: Sequence[Sample],
    incumbent: Sequence[bool],
    candidate: Sequence[bool],
    rule: str = "set4",
) -> list[Clause]:
    """Clauses (a)-(e) of the rule for one pair of classifiers: ``set3`` asks (a) a recall gain
    and (b) a bounded rise in look-alikes blocked; ``set4`` asks (a') a gain in balanced
    accuracy (recall minus look-alikes blocked) with neither side worse by more than 0.01;
    ``set6`` asks (a') of the default and, of the opt-in encoder, (a-enc): balanced accuracy
    falling by at most 0.01 and look-alikes blocked rising by at most 0.01 (recall may fall);
    ``set10`` asks (a') of both."""
    r0, l0 = harm_rates(samples, incumbent)
    r1, l1 = harm_rates(samples, candidate)
    groups = compare(samples, incumbent, candidate)
    core = [g for g in groups if not g.name.startswith(("attack", "low"))]
    attacks = [g for g in groups if g.name.startswith("attack")]
    low = [g for g in groups if g.name.startswith("low")]

    def none_regress(gs: list[Group]) -> tuple[bool, str]:
        bad = [g.name for g in gs if g.regresses]
        return not bad, ", ".join(bad) or f"none of {len(gs)} regresses"

    j0, j1 = r0 - l0, r1 - l1
    balanced = Clause(
        f"{label} (a') balanced accuracy +{MIN_RECALL_GAIN}",
        j1 - j0 >= MIN_RECALL_GAIN - 1e-9
        and r1 - r0 >= -MAX_LOOKALIKE_RISE - 1e-9
        and l1 - l0 <= MAX_LOOKALIKE_RISE + 1e-9,
        f"{j0:.3f} -> {j1:.3f} ({j1 - j0:+.3f}); recall {r1 - r0:+.3f}, look-alikes {l1 - l0:+.3f}",
    )
    holds = Clause(
        f"{label} (a-enc) balanced accuracy -{MAX_LOOKALIKE_RISE} at most",
        j1 - j0 >= -MAX_LOOKALIKE_RISE - 1e-9 and l1 - l0 <= MAX_LOOKALIKE_RISE + 1e-9,
        f"{j0:.3f} -> {j1:.3f} ({j1 - j0:+.3f}); recall {r1 - r0:+.3f}, look-alikes {l1 - l0:+.3f}",
    )
    out = (
        [holds]
        if rule == "set6" and label == "encoder"
        else [balanced]
        if rule in ("set4", "set6", "set10")
        else [
            Clause(
                f"{label} (a) recall +{MIN_RECALL_GAIN}",
                r1 - r0 >= MIN_RECALL_GAIN - 1e-9,
                f"{r0:.3f} -> {r1:.3f} ({r1 - r0:+.3f})",
            ),
            Clause(
                f"{label} (b) look-alikes <= +{MAX_LOOKALIKE_RISE}",
                l1 - l0 <= MAX_LOOKALIKE_RISE + 1e-9,
                f"{l0:.3f} -> {l1:.3f} ({l1 - l0:+.3f})",
            ),
        ]
    )
    for tag, gs in (
        ("(c) languages, categories", core),
        ("(d) prompt attacks", attacks),
        ("(e) low severity", low),
    ):
        ok, detail = none_regress(gs)
        out.append(Clause(f"{label} {tag}", ok, detail))
    return out


def target_cells(samples: Sequence[Sample], classify: Classify) -> str:
    """How many category and language cells meet the issue's bar."""
    evaluation = evaluate(classify, samples)
    cells = [evaluation.total(c, None) for c in CATEGORIES]
    cells += [evaluation.harm_total(lang) for lang in LANGUAGES]
    met = sum(
        (c.recall or 0) >= TARGET_RECALL and (c.false_block_rate or 0) <= TARGET_LOOKALIKES
        for c in cells
    )
    return f"{met} of {len(cells)} category and language groups meet recall >= 0.90 at <= 0.05"


def training_texts(corpus_dir: Path) -> list[Sample]:
    """Every text written for training: the corpus and the rounds and prose kept beside it."""
    samples = load_corpus(corpus_dir)
    for name in KEPT_BESIDE:
        if (corpus_dir / name).is_dir():
            samples += load_round(corpus_dir / name)
    return samples


def candidate_encoder(learned_dir: Path) -> Classify:
    """The encoder classifier over ``learned_dir``'s n-gram model and heads (which must have
    been fitted together), with the lexicons annotating profanity as the shipped one does."""
    from modelport.policy.safety.encoder import shared_encoder
    from modelport.policy.safety.learned.encoder import OWN_NGRAM, EncoderHeads, EncoderModel

    heads_dir = learned_dir / "weights-encoder"
    own = heads_dir / OWN_NGRAM
    ngram = LinearSafetyModel.load(own if own.is_dir() else learned_dir / "weights")
    heads, manifest = EncoderHeads.load(heads_dir)
    if ngram.manifest.get("train_digest") != manifest.get("train_digest"):
        raise SystemExit(f"{learned_dir}: the encoder heads were fitted with another n-gram model")
    thresholds = Thresholds.from_json(manifest["thresholds"])
    model = EncoderModel(ngram, heads, shared_encoder(), thresholds)
    profanity = LexiconClassifier(targets=(Annotation.PROFANITY,))
    return lambda text: model.classify(text).merge(profanity.classify(text))


def outcomes(samples: Sequence[Sample], classify: Classify) -> list[bool]:
    policy = SafetyPolicy.serverless()
    return [right(s, classify, policy) for s in samples]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--set", choices=sorted(HELDOUT_SETS), default="heldout4")
    parser.add_argument("--candidate", type=Path, required=True, help="a learned/ directory")
    parser.add_argument("--no-encoder", action="store_true", help="compare the defaults only")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--rule",
        choices=("set3", "set4", "set6", "set10"),
        default="set4",
        help="which written rule's clauses to apply (docs/content-safety.md)",
    )
    args = parser.parse_args(argv)
    everything = load_heldout(heldout_set_dir(args.set))
    samples = unseen(everything, training_texts(default_corpus_dir()))
    print(
        f"{len(samples)} texts of {args.set} ({len(everything) - len(samples)} left out: also "
        "written for training)\n"
    )
    pairs: list[tuple[str, Classify, Classify]] = [
        (
            "default",
            DefaultClassifier().classify,
            DefaultClassifier(model_dir=args.candidate / "weights").classify,
        ),
    ]
    if not args.no_encoder:
        from modelport.policy.safety.encoder import EncoderClassifier

        pairs.append(("encoder", EncoderClassifier().classify, candidate_encoder(args.candidate)))
    verdict: list[Clause] = []
    for label, incumbent, candidate in pairs:
        print(format_report(evaluate(candidate, samples), f"candidate, {label} classifier") + "\n")
        a, b = outcomes(samples, incumbent), outcomes(samples, candidate)
        print(f"{label}: group, texts, incumbent -> candidate (share right), wins, losses, p")
        for group in compare(samples, a, b):
            print("  " + group.line())
        print(f"  issue's bar: incumbent {target_cells(samples, incumbent)}")
        print(f"  issue's bar: candidate {target_cells(samples, candidate)}\n")
        verdict += clauses(label, samples, a, b, args.rule)
    texts = [s.text for s in samples]
    timed: list[tuple[str, Classify]] = [
        ("incumbent default", pairs[0][1]),
        ("candidate default", pairs[0][2]),
    ]
    walls = [per_100_words_us(f, texts, args.repeats, time.perf_counter) for _, f in timed]
    for (name, _), wall in zip(timed, walls, strict=True):
        print(f"{name:<20} {wall:6.0f} µs per 100 words")
    verdict.append(
        Clause(
            f"default (g) time within {MAX_SLOWDOWN}x",
            walls[1] <= MAX_SLOWDOWN * walls[0],
            f"{walls[1] / walls[0]:.2f}x",
        )
    )
    print()
    for clause in verdict:
        print(f"{'pass' if clause.passed else 'FAIL'}  {clause.label}: {clause.detail}")
    if args.rule == "set10":
        # Each classifier is judged on its own clauses and may ship without the other.
        print()
        for label, _, _ in pairs:
            ships = all(c.passed for c in verdict if c.label.startswith(f"{label} "))
            outcome = "replaces" if ships else "does not replace"
            print(f"verdict, {label}: the candidate {outcome} the shipped one")
        return 0
    ships = all(c.passed for c in verdict)
    print(
        f"\nverdict: the candidate {'replaces' if ships else 'does not replace'} the shipped model"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
