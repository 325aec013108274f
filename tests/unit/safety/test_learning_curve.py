"""The learning-curve bench: rounds read from the corpus files, group shares, the trend, the
chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bench.safety_learning_curve import (
    Embedded,
    log_fit,
    main,
    measure,
    round_of,
    round_of_groups,
    share_of_groups,
    texts_for,
)
from bench.svg_chart import Series, line_chart
from modelport.policy.safety.learned.corpus import (
    default_corpus_dir,
    load_corpus,
    parse,
    split_validation,
)

SVG = "{http://www.w3.org/2000/svg}"

FILE = """\
# Violence, the first rounds.
m: I will break his legs tomorrow
b: he broke his leg skiing

h: where do I buy a gun to shoot my boss
b: shooting portraits in low light

# Runde 5: more registers
m: ur dead after school
b: ur dead tired lol

# Runde 6 : hard negatives
b: kill the stuck process
"""


def _corpus(tmp_path: Path) -> Path:
    (tmp_path / "train" / "en").mkdir(parents=True)
    (tmp_path / "train" / "en" / "violence.txt").write_text(FILE, encoding="utf-8")
    return tmp_path


def test_rounds_are_read_from_the_comments_that_open_them(tmp_path: Path) -> None:
    rounds = round_of_groups(_corpus(tmp_path))
    samples = parse(FILE, "en", "violence")
    by_text = {s.text: round_of(s, rounds) for s in samples}
    assert by_text["I will break his legs tomorrow"] == "1-5"
    assert by_text["shooting portraits in low light"] == "1-5"
    assert by_text["ur dead tired lol"] == "1-5"
    assert by_text["kill the stuck process"] == "6"


def test_rounds_kept_beside_the_corpus_and_training_prose() -> None:
    samples = load_corpus(default_corpus_dir())
    rounds = round_of_groups(default_corpus_dir())
    prose = next(s for s in samples if "/prose/" in s.group)
    assert round_of(prose, rounds) == "1-5"
    counts = Counter(round_of(s, rounds) for s in samples)
    assert set(counts) == {"1-5", "6", "7", "8", "10", "12", "13", "14", "15"}
    # Rounds 6 and 7 were about 3,100 and 2,550 texts, rounds 8 and 10 12,012 and 11,624
    # (docs/content-safety.md); rounds 8 and 10 joined train/ with model 10, round 12's part 2
    # (2,801) and round 13 (3,149) with model 16, rounds 14 (4,046) and 15 (3,981) with model 18.
    assert 2600 < counts["6"] < 3600 and 2000 < counts["7"] < 3000
    assert counts["8"] == 12012 and counts["10"] == 11624
    assert counts["12"] == 2801 and counts["13"] == 3149
    assert counts["14"] == 4046 and counts["15"] == 3981
    german = {round_of(s, rounds) for s in samples if s.lang == "de"}
    # German files mark rounds with "# Runde N" and "# Round N"
    assert german == {"1-5", "6", "7", "8", "10", "12", "13", "14", "15"}
    outside = replace(samples[0], group="round9:en/hate/3")
    assert round_of(outside, rounds) == "9"


def test_a_share_keeps_whole_groups_of_every_file() -> None:
    samples = [s for s in load_corpus(default_corpus_dir()) if s.lang == "nl"]
    half = share_of_groups(samples, 0.5)
    groups = {s.group for s in half}
    assert all(s in half for s in samples if s.group in groups)  # whole groups
    assert {s.section for s in half} == {s.section for s in samples}
    assert 0.35 < len(half) / len(samples) < 0.65
    assert share_of_groups(samples, 0.5) == half  # seeded


def test_the_trend_and_the_text_it_would_need() -> None:
    a, b = log_fit([_point(1000, 0.60), _point(2000, 0.65), _point(4000, 0.70)])
    assert b == pytest.approx(0.05)
    assert texts_for(0.90, a, b) == pytest.approx(64000)
    assert texts_for(0.90, 0.8, 0.0) is None


def _point(texts: int, recall: float) -> object:
    from bench.safety_learning_curve import Point

    return Point("p", texts, recall, 0.05, recall, 0.05, "-", "-", 0.0)


def test_the_chart_is_svg_with_a_line_per_series_and_the_target() -> None:
    svg = line_chart(
        [Series("a", [(1000, 0.5), (4000, 0.7)]), Series("b <history>", [(1500, 0.55)])],
        title="t",
        x_label="x",
        y_label="y",
        target=0.9,
    )
    root = ET.fromstring(svg)  # noqa: S314 (our own output)
    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f"{SVG}polyline")) == 2
    assert len(root.findall(f"{SVG}circle")) == 3
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "target 0.90" in texts and "b <history>" in texts
    with pytest.raises(ValueError):
        line_chart([Series("a", [(0, 0.5)])], title="t", x_label="x", y_label="y")


def every_nth_group(text: str, n: int) -> str:
    """``text`` (a corpus file) with its comments and every ``n``-th blank-line group only."""
    kept: list[str] = []
    for i, block in enumerate(text.split("\n\n")):
        lines = block.strip("\n").splitlines()
        comments = [line for line in lines if line.startswith("#")]
        kept.append("\n".join(lines if i % n == 0 else comments))
    return "\n\n".join(k for k in kept if k) + "\n"


def test_every_nth_group_keeps_the_round_comments() -> None:
    text = "# Round 1\nm: a\nb: b\n\nm: c\n\n# Round 2\nm: d\n\nm: e\n"
    assert every_nth_group(text, 2) == "# Round 1\nm: a\nb: b\n\n# Round 2\nm: d\n"
    assert len(parse(every_nth_group(text, 2), "en", "violence")) == 3


def test_the_bench_runs_end_to_end_on_one_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "corpus"
    (base / "train" / "de").mkdir(parents=True)
    for path in (default_corpus_dir() / "train" / "de").glob("*.txt"):
        # Every fourth group of every round (the round comments kept): the wiring of both
        # curves at a quarter of the training time.
        target = base / "train" / "de" / path.name
        target.write_text(every_nth_group(path.read_text(encoding="utf-8"), 4), encoding="utf-8")
    chart = tmp_path / "curve.svg"
    main(["--corpus", str(base), "--fractions", "0.5,1", "--chart", str(chart)])
    out = capsys.readouterr().out
    assert "random shares of the fit part" in out
    assert "per doubling of the text" in out
    assert "rounds ..7" in out  # the history curve, from the German files' round comments
    root = ET.fromstring(chart.read_text(encoding="utf-8"))  # noqa: S314
    assert len(root.findall(f"{SVG}polyline")) == 2


def test_a_point_measures_the_encoder_design_on_the_same_texts() -> None:
    samples = [s for s in load_corpus(default_corpus_dir()) if s.lang == "nl"]
    fit, validation = split_validation(samples)
    fit = share_of_groups(fit, 0.5)
    # Stand-in embeddings (seeded per text): the wiring, not the encoder's quality.
    rows = {
        s.text: np.random.default_rng(abs(hash(s.text)) % 2**32)
        .standard_normal(16)
        .astype(np.float32)
        for s in samples
    }
    ngram, encoder = measure("half", fit, validation, Embedded(rows))
    assert encoder is not None
    assert ngram.texts == encoder.texts == len(fit)
    assert 0.0 < ngram.recall <= 1.0 and 0.0 <= encoder.recall <= 1.0
    # Thresholds cap each category's own look-alikes at 5%; another category's head may block
    # a few more.
    assert ngram.lookalikes <= 0.10 and encoder.lookalikes <= 0.10
    alone, none = measure("half", fit, validation)
    assert none is None and alone == replace(ngram, seconds=alone.seconds)
