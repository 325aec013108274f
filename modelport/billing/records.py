"""Usage records and meters: what one request (or job, or hosted hour) consumed, as the ledger
stores it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from modelport.domain.fine_tuning import is_fine_tuned

# The ``dialect`` of records that are not inference requests.
FINE_TUNING = "fine-tuning"  # one record per fine-tuning job: its trained tokens
HOSTING = "hosting"  # one record per started hour of a fine-tuned deployment
COMPUTE = "compute"  # one record per slice of a managed deployment's replica's life


class Meter(StrEnum):
    """The meters of a subscription (what its invoice lines count)."""

    INPUT_TOKENS = "inference-input-tokens"
    OUTPUT_TOKENS = "inference-output-tokens"
    REQUESTS = "inference-requests"  # counted, not priced
    FINE_TUNED_INPUT_TOKENS = "fine-tuned-input-tokens"
    FINE_TUNED_OUTPUT_TOKENS = "fine-tuned-output-tokens"
    TRAINING_TOKENS = "fine-tuning-training-tokens"
    HOSTING_HOURS = "fine-tuned-hosting-hours"
    # Managed compute: instance time (quantity in instance-milliseconds, priced per hour of
    # the deployment's instance type); its tokens are counted for visibility, not priced.
    COMPUTE_HOURS = "managed-compute-hours"
    MANAGED_INPUT_TOKENS = "managed-input-tokens"
    MANAGED_OUTPUT_TOKENS = "managed-output-tokens"


INPUT_METERS = frozenset(
    {Meter.INPUT_TOKENS, Meter.FINE_TUNED_INPUT_TOKENS, Meter.MANAGED_INPUT_TOKENS}
)
OUTPUT_METERS = frozenset(
    {Meter.OUTPUT_TOKENS, Meter.FINE_TUNED_OUTPUT_TOKENS, Meter.MANAGED_OUTPUT_TOKENS}
)
UNPRICED_METERS = frozenset({Meter.MANAGED_INPUT_TOKENS, Meter.MANAGED_OUTPUT_TOKENS})


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One request, billed once. Never holds a key: ``key_slot`` names which of the two.

    Fine-tuning jobs and hosted hours of fine-tuned deployments are records too (``dialect``
    ``fine-tuning`` / ``hosting``), idempotent by their ``request_id`` like requests."""

    request_id: str
    time: datetime  # when the request arrived (UTC)
    project_id: str
    subscription_id: str | None
    offer_id: str  # an offer id, or a fine-tuned model's name
    deployment_id: str
    deployment: str
    key_slot: str
    dialect: str
    prompt_tokens: int
    completion_tokens: int
    outcome: str
    latency_ms: float
    training_tokens: int = 0
    hosting_hours: int = 0
    # Managed deployments: their instance type (every record of theirs), and for compute
    # records the instance-milliseconds of one slice of a replica's life.
    instance_type: str = ""
    compute_ms: int = 0
    # A retry under its caller's request id whose earlier attempt failed: this record replaces
    # the failed attempt's (the request is billed once, for the attempt that was served).
    replaces_failed: bool = False

    @property
    def day(self) -> str:
        return self.time.date().isoformat()

    def meters(self) -> dict[Meter, int]:
        if self.dialect == FINE_TUNING:
            return {Meter.TRAINING_TOKENS: self.training_tokens}
        if self.dialect == HOSTING:
            return {Meter.HOSTING_HOURS: self.hosting_hours}
        if self.dialect == COMPUTE:
            return {Meter.COMPUTE_HOURS: self.compute_ms}
        if self.instance_type:
            return {
                Meter.MANAGED_INPUT_TOKENS: self.prompt_tokens,
                Meter.MANAGED_OUTPUT_TOKENS: self.completion_tokens,
                Meter.REQUESTS: 1,
            }
        if is_fine_tuned(self.offer_id):
            return {
                Meter.FINE_TUNED_INPUT_TOKENS: self.prompt_tokens,
                Meter.FINE_TUNED_OUTPUT_TOKENS: self.completion_tokens,
                Meter.REQUESTS: 1,
            }
        return {
            Meter.INPUT_TOKENS: self.prompt_tokens,
            Meter.OUTPUT_TOKENS: self.completion_tokens,
            Meter.REQUESTS: 1,
        }


def metered_record(
    *,
    request_id: str,
    time: datetime,
    dialect: str,
    project_id: str,
    subscription_id: str | None,
    offer_id: str,
    deployment_id: str,
    deployment: str,
    outcome: str = "ok",
    latency_ms: float = 0.0,
    training_tokens: int = 0,
    hosting_hours: int = 0,
    instance_type: str = "",
    compute_ms: int = 0,
) -> UsageRecord:
    """The record of what is not an inference request (a fine-tuning job, a hosted hour, a
    compute slice): no key and no prompt or completion tokens, its quantity on its own meter."""
    return UsageRecord(
        request_id=request_id,
        time=time,
        project_id=project_id,
        subscription_id=subscription_id,
        offer_id=offer_id,
        deployment_id=deployment_id,
        deployment=deployment,
        key_slot="",
        dialect=dialect,
        prompt_tokens=0,
        completion_tokens=0,
        outcome=outcome,
        latency_ms=latency_ms,
        training_tokens=training_tokens,
        hosting_hours=hosting_hours,
        instance_type=instance_type,
        compute_ms=compute_ms,
    )
