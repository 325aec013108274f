"""The paired comparison behind ship decisions (bench.safety_compare): the sign test, the groups
of the rule and its clauses, and a run of the bench as an operator would start it."""

from __future__ import annotations

import math

import pytest

from bench.safety_compare import Group, clauses, compare, main, sign_test_p
from modelport.policy.safety.learned.corpus import Sample
from modelport.policy.safety.learned.model import default_model_dir
from modelport.policy.safety.types import Severity


def test_sign_test_is_exact_and_one_sided() -> None:
    assert sign_test_p(0, 0) == 1.0
    assert sign_test_p(10, 0) == 1 / 1024
    assert math.isclose(sign_test_p(9, 1), 11 / 1024)
    assert math.isclose(sign_test_p(5, 5), 638 / 1024)
    # 7 losses against 0 wins is already below 0.01; 6 against 0 is not
    assert sign_test_p(7, 0) < 0.01 < sign_test_p(6, 0)


def test_a_group_regresses_only_when_losses_outweigh_wins_significantly() -> None:
    assert Group("en harmful", 40, 30, 23, wins=0, losses=7).regresses
    assert not Group("en harmful", 40, 30, 24, wins=0, losses=6).regresses
    assert not Group("en harmful", 40, 30, 40, wins=10, losses=0).regresses
    assert Group("x", 40, 30, 40, wins=10, losses=0).p == 1.0


def _samples() -> list[Sample]:
    return [
        Sample("h1", "en", "violence", "harmful", Severity.HIGH),
        Sample("h2", "de", "hate", "harmful", Severity.MEDIUM),
        Sample("b1", "en", "violence", "benign"),
        Sample("low", "en", "violence", "harmful", Severity.LOW),
        Sample("everyday", "en", "general", "benign"),
        Sample("a1", "en", "attack", "attack", form="direct"),
        Sample("a2", "en", "attack", "attack", form="document"),
        Sample("n1", "en", "attack", "benign"),
    ]


def test_groups_count_wins_and_losses_per_language_and_category() -> None:
    samples = _samples()
    incumbent = [True, False, True, True, True, False, True, True]
    candidate = [True, True, False, True, True, True, True, False]
    groups = {g.name: g for g in compare(samples, incumbent, candidate)}
    assert groups["de harmful"] == Group("de harmful", 1, 0, 1, wins=1, losses=0)
    assert groups["hate harmful"] == Group("hate harmful", 1, 0, 1, wins=1, losses=0)
    assert groups["en look-alikes"] == Group("en look-alikes", 1, 1, 0, wins=0, losses=1)
    assert groups["violence look-alikes"].losses == 1
    assert groups["attacks direct"].wins == 1
    assert groups["attack look-alikes"].losses == 1
    assert groups["low severity (pass)"].n == 1
    assert "en general" not in groups and all("general" not in name for name in groups)


def test_clauses_apply_the_written_rule() -> None:
    samples = _samples()
    same = [True] * len(samples)
    verdict = {c.label.split(" ", 2)[1]: c for c in clauses("default", samples, same, same, "set3")}
    assert not verdict["(a)"].passed  # no gain in recall: the candidate must bring some
    assert verdict["(b)"].passed and verdict["(c)"].passed
    better = [True] * len(samples)
    worse = list(better)
    worse[0] = False
    verdict = {
        c.label.split(" ", 2)[1]: c for c in clauses("default", samples, worse, better, "set3")
    }
    assert verdict["(a)"].passed and verdict["(a)"].detail.startswith("0.500 -> 1.000")


def test_the_set4_rule_weighs_false_blocks_as_well_as_recall() -> None:
    """(a'): balanced accuracy (recall minus look-alikes blocked) must rise by 0.02, and
    neither side may get worse by more than 0.01."""
    samples = [Sample(f"h{i}", "en", "hate", "harmful", Severity.HIGH) for i in range(100)]
    samples += [Sample(f"b{i}", "en", "hate", "benign") for i in range(100)]

    def outcome(caught: int, blocked: int) -> list[bool]:
        return [i < caught for i in range(100)] + [i >= blocked for i in range(100)]

    def a_prime(incumbent: list[bool], candidate: list[bool]) -> bool:
        return clauses("default", samples, incumbent, candidate)[0].passed

    base = outcome(80, 12)
    assert a_prime(base, outcome(81, 10))  # recall +0.01, false blocks -0.02: balanced +0.03
    assert a_prime(base, outcome(81, 11))  # balanced +0.02 exactly: the bar is reached
    assert not a_prime(base, outcome(81, 12))  # balanced +0.01
    assert not a_prime(base, outcome(78, 8))  # recall falls by 0.02: not allowed
    assert not a_prime(base, outcome(85, 14))  # false blocks rise by 0.02: not allowed


def test_the_set6_rule_lets_the_encoder_trade_recall_for_fewer_false_blocks() -> None:
    """(a-enc): the opt-in encoder's balanced accuracy may fall by 0.01 at most and its
    look-alikes blocked may rise by 0.01 at most; its recall may fall. The default still
    answers to (a')."""
    samples = [Sample(f"h{i}", "en", "hate", "harmful", Severity.HIGH) for i in range(100)]
    samples += [Sample(f"b{i}", "en", "hate", "benign") for i in range(100)]

    def outcome(caught: int, blocked: int) -> list[bool]:
        return [i < caught for i in range(100)] + [i >= blocked for i in range(100)]

    def first(label: str, incumbent: list[bool], candidate: list[bool]) -> tuple[str, bool]:
        clause = clauses(label, samples, incumbent, candidate, "set6")[0]
        return clause.label.split(" ", 2)[1], clause.passed

    base = outcome(90, 7)
    assert first("encoder", base, outcome(88, 3)) == ("(a-enc)", True)  # recall -0.02, +0.02
    assert first("encoder", base, outcome(88, 6)) == ("(a-enc)", True)  # balanced -0.01
    assert first("encoder", base, outcome(87, 6)) == ("(a-enc)", False)  # balanced -0.02
    assert first("encoder", base, outcome(95, 9)) == ("(a-enc)", False)  # look-alikes +0.02
    assert first("default", base, outcome(88, 3)) == ("(a')", False)  # recall -0.02


def test_the_set10_rule_asks_a_gain_of_both_and_judges_each_alone() -> None:
    """(a') for the encoder as for the default: a replacement has to show a gain."""
    samples = [Sample(f"h{i}", "en", "hate", "harmful", Severity.HIGH) for i in range(100)]
    samples += [Sample(f"b{i}", "en", "hate", "benign") for i in range(100)]

    def outcome(caught: int, blocked: int) -> list[bool]:
        return [i < caught for i in range(100)] + [i >= blocked for i in range(100)]

    base = outcome(90, 7)
    for label in ("default", "encoder"):
        verdict = clauses(label, samples, base, outcome(88, 3), "set10")
        assert verdict[0].label.startswith(f"{label} (a')") and not verdict[0].passed
        assert all(c.label.startswith(f"{label} ") for c in verdict)
        assert clauses(label, samples, base, outcome(91, 5), "set10")[0].passed
        assert not clauses(label, samples, base, outcome(90, 6), "set10")[0].passed


def test_the_bench_compares_a_model_with_itself_and_keeps_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Run as documented, on the first held-out set, with the shipped weights as the candidate:
    every group ties, so nothing regresses and (a') fails for want of a gain."""
    assert (
        main(
            [
                "--set",
                "heldout",
                "--candidate",
                str(default_model_dir().parent),
                "--no-encoder",
                "--repeats",
                "1",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "pass  default (c) languages, categories: none of 26 regresses" in out
    assert "FAIL  default (a') balanced accuracy +0.02" in out
    assert "+0   -0" in out
    assert "verdict: the candidate does not replace the shipped model" in out


def test_floors_are_derived_the_usual_way() -> None:
    """bench.safety_floors: 0.05 under recall and 0.03 over look-alikes, from two decimals."""
    from bench.safety_floors import ceiling, constants, floor
    from modelport.policy.safety.learned.evaluate import Cell, Evaluation

    cell = Cell(harmful=198, caught=151, benign=216, blocked=27)  # 0.763, 0.125
    assert (floor(cell), ceiling(cell)) == (0.71, 0.15)
    cells = {("hate", "en"): cell, ("attack", "en"): Cell(harmful=2, caught=2, benign=8)}
    forms = {"direct": Cell(harmful=1, caught=1), "document": Cell(harmful=1, caught=1)}
    text = constants(Evaluation(cells, forms), "DEFAULT_")
    assert '    "hate": (0.71, 0.15),  # measured 0.76 (151/198), 0.12 (27/216)' in text
    assert "DEFAULT_ALL = (0.71, 0.15)  # measured" in text
    assert 'DEFAULT_ATTACKS = {"direct": 0.95, "document": 0.95}' in text
    assert "DEFAULT_ATTACK_LOOKALIKES = 0.03  # measured 0.00 (0 of 8)" in text
