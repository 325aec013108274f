"""Content-safety policy (what is blocked) and the service that enforces it on prompts.

:class:`SafetyPolicy` is a per-deployment setting: a blocking threshold per category (block at
or above that severity; ``None`` means annotate only), whether prompt attacks and profanity are
blocked, whether filtering is enabled at all, and whether it is *mandatory* (serverless
deployments), in which case requests to disable it are refused.

:class:`SafetyService` runs a classifier off the event loop with a time budget and fails closed:
any classifier error or timeout is a :class:`~modelport.errors.ContentFilterFailed`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
)

from modelport.errors import ContentFiltered, ContentFilterFailed, InvalidRequest
from modelport.policy.safety.blocklist import AppliedBlocklists
from modelport.policy.safety.classifier import SafetyClassifier, completion_method, inline_chars
from modelport.policy.safety.types import Annotation, Category, SafetyResult, Severity, Stage

log = logging.getLogger("modelport.safety")

DEFAULT_TIMEOUT_S = 2.0
"""Time budget of one classification, thread hop included."""


class StreamingMode(StrEnum):
    """How a streamed completion is checked (see ``stream_guard``).

    ``hold_back`` (the default, fail-closed): text is held in a window and released only once
    checked, so nothing unchecked ever reaches the client; the first text waits for the first
    window. ``asynchronous``: text is released as it is generated and checked in windows
    behind it; a violation ends the choice with ``content_filter`` at most ``window_chars`` plus
    the lookahead after the offending text (the bounded lag), as the cloud's asynchronous filter
    does. Non-streamed answers are checked whole in both modes.
    """

    HOLD_BACK = "hold_back"
    ASYNCHRONOUS = "asynchronous"


DEFAULT_WINDOW_CHARS = 48
"""Characters of completion text per check (hold-back window, or lag bound when asynchronous)."""

DEFAULT_FIRST_WINDOW_CHARS = 12
"""The first window of a hold-back stream: small, so the first text is not kept waiting."""


def _default_thresholds() -> dict[Category, Severity | None]:
    return {category: Severity.MEDIUM for category in Category}


class SafetyPolicy(BaseModel):
    """What the content filter blocks for one deployment (immutable; see :meth:`updated`).

    ``thresholds`` maps each category to the lowest severity that is blocked (``"low"``,
    ``"medium"`` or ``"high"``), or to ``None``/``"off"`` to only annotate. Categories left out
    keep the default, ``medium``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    mandatory: bool = False
    thresholds: dict[Category, Severity | None] = Field(default_factory=_default_thresholds)
    block_jailbreak: bool = True
    block_profanity: bool = False
    streaming_mode: StreamingMode = StreamingMode.HOLD_BACK
    window_chars: int = Field(DEFAULT_WINDOW_CHARS, ge=8, le=1024)
    first_window_chars: int = Field(DEFAULT_FIRST_WINDOW_CHARS, ge=1, le=1024)

    @field_validator("thresholds", mode="before")
    @classmethod
    def _parse_thresholds(cls, value: Any) -> dict[Category, Severity | None]:
        if value is None:
            return _default_thresholds()
        if not isinstance(value, Mapping):
            raise ValueError("thresholds must map categories to severities")
        parsed = _default_thresholds()
        for key, level in value.items():
            try:
                category = Category(key)
            except ValueError:
                known = ", ".join(c.value for c in Category)
                raise ValueError(f"unknown category {key!r}; expected one of {known}") from None
            if level is None or (isinstance(level, str) and level.strip().lower() == "off"):
                parsed[category] = None
                continue
            try:
                severity = Severity.parse(level)
            except ValueError:
                raise ValueError(
                    f"unknown threshold {level!r} for {category.value}; "
                    "use low, medium, high or off"
                ) from None
            if severity is Severity.SAFE:
                raise ValueError(
                    "a threshold of 'safe' would block everything; use low, medium, high or off"
                )
            parsed[category] = severity
        return parsed

    @field_serializer("thresholds")
    def _dump_thresholds(self, value: dict[Category, Severity | None]) -> dict[str, str]:
        return {c.value: ("off" if s is None else s.label) for c, s in value.items()}

    @classmethod
    def serverless(cls) -> SafetyPolicy:
        """The default policy of serverless deployments: medium and above, mandatory."""
        return cls(mandatory=True)

    def threshold(self, category: Category) -> Severity | None:
        """The lowest blocked severity of ``category`` (``None``: never blocked)."""
        return self.thresholds.get(category, Severity.MEDIUM)

    def filters(self, category: Category, severity: Severity) -> bool:
        """Whether ``severity`` in ``category`` is blocked."""
        limit = self.threshold(category)
        return self.enabled and limit is not None and severity >= limit

    def filters_annotation(self, annotation: Annotation, stage: Stage) -> bool:
        """Whether a detected annotation is blocked at ``stage`` (prompt attacks: prompts only)."""
        if not self.enabled:
            return False
        if annotation is Annotation.JAILBREAK:
            return self.block_jailbreak and stage is Stage.PROMPT
        return self.block_profanity

    def enabled_for_blocklists(self) -> bool:
        """Blocklist hits are always filtered while filtering is on."""
        return self.enabled

    def blocks(self, result: SafetyResult, stage: Stage = Stage.PROMPT) -> bool:
        """Whether ``result`` is blocked under this policy."""
        if result.blocklists and self.enabled:
            return True
        if any(self.filters(c, result.severity(c)) for c in Category):
            return True
        return any(result.detected(a) and self.filters_annotation(a, stage) for a in Annotation)

    def validate_change(self, requested: SafetyPolicy) -> None:
        """Refuse (``InvalidRequest``) a requested policy that a mandatory policy does not allow.

        A mandatory policy may be made stricter or its thresholds raised, but filtering, any
        category, and prompt-attack blocking cannot be switched off, and ``mandatory`` itself
        is set by the platform only.
        """
        if requested.mandatory != self.mandatory:
            raise InvalidRequest(
                "'mandatory' is set by the platform and cannot be changed",
                param="content_filter.mandatory",
            )
        if not self.mandatory:
            return
        if not requested.enabled:
            raise InvalidRequest(
                "content filtering is mandatory for this deployment and cannot be disabled",
                param="content_filter.enabled",
            )
        for category in Category:
            if requested.threshold(category) is None:
                raise InvalidRequest(
                    f"content filtering is mandatory for this deployment; the {category.value} "
                    "filter cannot be turned off",
                    param=f"content_filter.thresholds.{category.value}",
                )
        if not requested.block_jailbreak:
            raise InvalidRequest(
                "content filtering is mandatory for this deployment; prompt-attack blocking "
                "cannot be turned off",
                param="content_filter.block_jailbreak",
            )

    def updated(self, changes: Mapping[str, Any]) -> SafetyPolicy:
        """This policy with ``changes`` applied (thresholds merge per category), validated.

        Raises :class:`~modelport.errors.InvalidRequest` for malformed changes and for changes
        a mandatory policy forbids.
        """
        data: dict[str, Any] = self.model_dump()
        data.update(changes)
        if "thresholds" in changes:
            merged: dict[Any, Any] = {c.value: t for c, t in self.thresholds.items()}
            requested = changes["thresholds"]
            if isinstance(requested, Mapping):
                merged.update(requested)
                data["thresholds"] = merged
        try:
            policy = SafetyPolicy.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            # A validator's own words, without pydantic's "Value error, " in front of them.
            reason = first["ctx"]["error"] if first["type"] == "value_error" else first["msg"]
            raise InvalidRequest(
                f"invalid content filter setting {where}: {reason}",
                param=f"content_filter.{where}" if where else "content_filter",
            ) from None
        self.validate_change(policy)
        return policy


class SafetyService:
    """Runs a classifier with a time budget and applies a policy; fails closed.

    ``classifier`` is usually an :class:`~modelport.policy.safety.classifier.Ensemble`.
    ``policy`` is the default for calls that do not pass their own.
    """

    def __init__(
        self,
        classifier: SafetyClassifier,
        *,
        policy: SafetyPolicy | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self._classifier = classifier
        self._policy = policy or SafetyPolicy()
        self._timeout_s = timeout_s
        self._inline_chars = inline_chars(classifier)
        self._judge_completion = completion_method(classifier)

    @property
    def policy(self) -> SafetyPolicy:
        """The default policy."""
        return self._policy

    @property
    def classifier(self) -> SafetyClassifier:
        """The classifier (or ensemble) in use."""
        return self._classifier

    @property
    def timeout_s(self) -> float:
        """The time budget of one classification."""
        return self._timeout_s

    async def classify(self, text: str, stage: Stage = Stage.PROMPT) -> SafetyResult:
        """Classify ``text`` (of ``stage``: completion windows go to the classifier's
        :func:`~modelport.policy.safety.classifier.completion_method`) in a worker thread
        within the time budget.

        Raises :class:`~modelport.errors.ContentFilterFailed` if the classifier raises, returns
        something that is not a :class:`SafetyResult`, or runs out of time. A text no longer
        than the classifier's ``inline_chars`` is classified right here, on the event loop
        (bounded CPU work; a thread hop would cost more than the check).
        """
        judge = self._judge_completion if stage is Stage.COMPLETION else self._classifier.classify
        if len(text) <= self._inline_chars:
            try:
                result = judge(text)
            except Exception as exc:
                log.warning("content safety classifier %s failed", self._classifier.name)
                raise ContentFilterFailed(
                    "The content safety check failed; the request was not processed."
                ) from exc
            if not isinstance(result, SafetyResult):
                raise ContentFilterFailed(
                    "The content safety check failed; the request was not processed."
                )
            return result
        try:
            result = await asyncio.wait_for(asyncio.to_thread(judge, text), self._timeout_s)
        except TimeoutError:
            log.warning("content safety classifier %s timed out", self._classifier.name)
            raise ContentFilterFailed(
                "The content safety check timed out; the request was not processed."
            ) from None
        except Exception as exc:
            log.warning("content safety classifier %s failed", self._classifier.name, exc_info=True)
            raise ContentFilterFailed(
                "The content safety check failed; the request was not processed."
            ) from exc
        if not isinstance(result, SafetyResult):
            raise ContentFilterFailed(
                "The content safety check failed; the request was not processed."
            )
        return result

    async def check_prompt(
        self,
        text: str,
        policy: SafetyPolicy | None = None,
        blocklists: AppliedBlocklists | None = None,
    ) -> SafetyResult:
        """Classify a prompt; raise :class:`~modelport.errors.ContentFiltered` if it is blocked.

        The error's ``details["content_filter_result"]`` holds the Azure-style annotation. With a
        disabled policy nothing is classified and an all-safe result is returned.
        """
        policy = policy or self._policy
        if not policy.enabled:
            return SafetyResult()
        result = await self.classify(text)
        if blocklists:
            result = result.with_blocklists(blocklists.check(text))
        if policy.blocks(result, Stage.PROMPT):
            raise ContentFiltered(
                "The prompt was filtered by the content safety policy.",
                details={
                    "content_filter_result": result.content_filter_result(policy, Stage.PROMPT)
                },
            )
        return result
