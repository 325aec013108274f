"""Severities, Azure-style annotations, policies (thresholds, mandatory) and the prompt service."""

from __future__ import annotations

import asyncio
import threading

import pytest

from modelport.errors import ContentFiltered, ContentFilterFailed, InvalidRequest
from modelport.policy.safety import (
    Category,
    SafetyPolicy,
    SafetyResult,
    SafetyService,
    Severity,
    Stage,
)


class Fixed:
    """A classifier that always answers the same."""

    name = "fixed"

    def __init__(self, result: SafetyResult) -> None:
        self.result = result
        self.calls: list[str] = []

    def classify(self, text: str) -> SafetyResult:
        self.calls.append(text)
        return self.result


class Broken:
    name = "broken"

    def classify(self, text: str) -> SafetyResult:
        raise RuntimeError("model file corrupt")


class Slow:
    name = "slow"

    def __init__(self) -> None:
        self.release = threading.Event()

    def classify(self, text: str) -> SafetyResult:
        self.release.wait(5)
        return SafetyResult()


def test_severity_is_ordered_and_parses() -> None:
    assert Severity.SAFE < Severity.LOW < Severity.MEDIUM < Severity.HIGH
    assert Severity.parse("Medium") is Severity.MEDIUM
    assert Severity.parse(6) is Severity.HIGH
    assert Severity.HIGH.label == "high"
    with pytest.raises(ValueError, match="unknown severity"):
        Severity.parse("extreme")


def test_result_merge_takes_maximum() -> None:
    a = SafetyResult.of({Category.HATE: Severity.LOW}, profanity=True, evidence=["a"])
    b = SafetyResult.of(
        {Category.HATE: Severity.HIGH, Category.SEXUAL: Severity.LOW}, evidence=["b"]
    )
    merged = a.merge(b)
    assert merged.hate is Severity.HIGH and merged.sexual is Severity.LOW
    assert merged.profanity and not merged.jailbreak
    assert merged.evidence == ("a", "b")
    assert merged.max_severity is Severity.HIGH
    assert SafetyResult.combine([]) == SafetyResult()


def test_content_filter_result_shape() -> None:
    result = SafetyResult.of({Category.VIOLENCE: Severity.MEDIUM}, jailbreak=True, profanity=True)
    annotation = result.content_filter_result(SafetyPolicy(), Stage.PROMPT)
    assert annotation == {
        "hate": {"filtered": False, "severity": "safe"},
        "sexual": {"filtered": False, "severity": "safe"},
        "violence": {"filtered": True, "severity": "medium"},
        "self_harm": {"filtered": False, "severity": "safe"},
        "jailbreak": {"filtered": True, "detected": True},
        "profanity": {"filtered": False, "detected": True},
    }
    completion = result.content_filter_result(SafetyPolicy(), Stage.COMPLETION)
    assert "jailbreak" not in completion


def test_thresholds() -> None:
    low = SafetyResult.of({Category.SEXUAL: Severity.LOW})
    medium = SafetyResult.of({Category.SEXUAL: Severity.MEDIUM})
    high = SafetyResult.of({Category.SEXUAL: Severity.HIGH})
    default = SafetyPolicy()
    assert not default.blocks(low) and default.blocks(medium) and default.blocks(high)
    strict = SafetyPolicy(thresholds={"sexual": "low"})
    assert strict.blocks(low)
    assert strict.threshold(Category.HATE) is Severity.MEDIUM  # untouched categories keep defaults
    lenient = default.updated({"thresholds": {"sexual": "high"}})
    assert not lenient.blocks(medium) and lenient.blocks(high)
    annotate_only = default.updated({"thresholds": {"sexual": "off"}})
    assert not annotate_only.blocks(high)
    assert annotate_only.threshold(Category.VIOLENCE) is Severity.MEDIUM
    assert not SafetyPolicy(enabled=False).blocks(high)


def test_jailbreak_blocks_prompts_only() -> None:
    attack = SafetyResult(jailbreak=True)
    assert SafetyPolicy().blocks(attack, Stage.PROMPT)
    assert not SafetyPolicy().blocks(attack, Stage.COMPLETION)
    assert not SafetyPolicy(block_jailbreak=False).blocks(attack)


def test_invalid_changes_are_invalid_requests() -> None:
    with pytest.raises(InvalidRequest) as bad_level:
        SafetyPolicy().updated({"thresholds": {"hate": "extreme"}})
    assert bad_level.value.param == "content_filter.thresholds"
    with pytest.raises(InvalidRequest):
        SafetyPolicy().updated({"thresholds": {"spam": "low"}})
    with pytest.raises(InvalidRequest):
        SafetyPolicy().updated({"thresholds": {"hate": "safe"}})
    with pytest.raises(InvalidRequest):
        SafetyPolicy().updated({"colour": "blue"})
    with pytest.raises(InvalidRequest, match="mandatory"):
        SafetyPolicy().updated({"mandatory": True})


def test_mandatory_policy_cannot_be_disabled() -> None:
    serverless = SafetyPolicy.serverless()
    assert serverless.mandatory
    with pytest.raises(InvalidRequest, match="cannot be disabled") as disabled:
        serverless.updated({"enabled": False})
    assert disabled.value.param == "content_filter.enabled"
    with pytest.raises(InvalidRequest) as off:
        serverless.updated({"thresholds": {"violence": "off"}})
    assert off.value.param == "content_filter.thresholds.violence"
    with pytest.raises(InvalidRequest):
        serverless.updated({"block_jailbreak": False})
    with pytest.raises(InvalidRequest):
        serverless.updated({"mandatory": False})
    raised = serverless.updated({"thresholds": {"violence": "high"}})  # adjusting is allowed
    assert raised.mandatory and raised.threshold(Category.VIOLENCE) is Severity.HIGH
    assert SafetyPolicy().updated({"enabled": False}).enabled is False  # optional ones can


def test_policy_round_trips_as_json() -> None:
    policy = SafetyPolicy(thresholds={"hate": "low", "sexual": None})
    dumped = policy.model_dump(mode="json")
    assert dumped["thresholds"] == {
        "hate": "low",
        "sexual": "off",
        "violence": "medium",
        "self_harm": "medium",
    }
    assert SafetyPolicy.model_validate(dumped) == policy


def test_check_prompt_passes_and_blocks() -> None:
    calm = SafetyService(Fixed(SafetyResult.of({Category.HATE: Severity.LOW})))
    assert asyncio.run(calm.check_prompt("hello")).hate is Severity.LOW

    angry = SafetyService(Fixed(SafetyResult.of({Category.HATE: Severity.HIGH})))
    with pytest.raises(ContentFiltered) as filtered:
        asyncio.run(angry.check_prompt("..."))
    assert filtered.value.status == 400 and filtered.value.code == "content_filter"
    details = filtered.value.details["content_filter_result"]
    assert details["hate"] == {"filtered": True, "severity": "high"}
    assert details["jailbreak"] == {"filtered": False, "detected": False}
    lenient = SafetyPolicy(thresholds={"hate": "off"})
    assert asyncio.run(angry.check_prompt("...", lenient)).hate is Severity.HIGH


def test_disabled_policy_skips_classification() -> None:
    fixed = Fixed(SafetyResult.of({Category.HATE: Severity.HIGH}))
    service = SafetyService(fixed, policy=SafetyPolicy(enabled=False))
    assert asyncio.run(service.check_prompt("...")) == SafetyResult()
    assert fixed.calls == []


def test_classifier_failure_fails_closed() -> None:
    service = SafetyService(Broken())
    with pytest.raises(ContentFilterFailed) as failed:
        asyncio.run(service.check_prompt("hello"))
    assert failed.value.status == 500 and failed.value.code == "content_filter_error"
    assert "corrupt" not in failed.value.message  # no internals in user-facing messages


def test_classifier_timeout_fails_closed() -> None:
    slow = Slow()
    service = SafetyService(slow, timeout_s=0.05)

    async def scenario() -> None:
        try:
            await service.check_prompt("hello")
        finally:
            slow.release.set()  # let the abandoned worker thread finish

    with pytest.raises(ContentFilterFailed, match="timed out"):
        asyncio.run(scenario())


def test_non_result_fails_closed() -> None:
    class Garbage:
        name = "garbage"

        def classify(self, text: str) -> object:
            return {"hate": "low"}

    with pytest.raises(ContentFilterFailed):
        asyncio.run(SafetyService(Garbage()).classify("x"))  # type: ignore[arg-type]


def test_service_rejects_bad_timeout() -> None:
    with pytest.raises(ValueError, match="positive"):
        SafetyService(Fixed(SafetyResult()), timeout_s=0)
