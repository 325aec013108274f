"""Usage records and meters: what one request consumed, as the ledger stores it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Meter(StrEnum):
    """The meters of a subscription (what its invoice lines count)."""

    INPUT_TOKENS = "inference-input-tokens"
    OUTPUT_TOKENS = "inference-output-tokens"
    REQUESTS = "inference-requests"  # counted, not priced
    # Reserved for fine-tuning jobs: FINE_TUNING_TOKENS = "fine-tuning-training-tokens".


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One request, billed once. Never holds a key: ``key_slot`` names which of the two."""

    request_id: str
    time: datetime  # when the request arrived (UTC)
    project_id: str
    subscription_id: str | None
    offer_id: str
    deployment_id: str
    deployment: str
    key_slot: str
    dialect: str
    prompt_tokens: int
    completion_tokens: int
    outcome: str
    latency_ms: float
    # A retry under its caller's request id whose earlier attempt failed: this record replaces
    # the failed attempt's (the request is billed once, for the attempt that was served).
    replaces_failed: bool = False

    @property
    def day(self) -> str:
        return self.time.date().isoformat()

    def meters(self) -> dict[Meter, int]:
        return {
            Meter.INPUT_TOKENS: self.prompt_tokens,
            Meter.OUTPUT_TOKENS: self.completion_tokens,
            Meter.REQUESTS: 1,
        }
