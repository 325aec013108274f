"""What a fine-tuning job is billed: its trained tokens, as one usage record on the fine-tuning
meter of its subscription (the job's id makes the record's id, so a retry bills nothing twice)."""

from __future__ import annotations

from modelport.billing.records import FINE_TUNING, UsageRecord, metered_record
from modelport.domain.fine_tuning import FineTuningJob
from modelport.store.values import now


def training_record(job: FineTuningJob, tokens: int) -> UsageRecord:
    """The usage record of ``tokens`` trained by ``job`` (ended: succeeded or cancelled)."""
    started = job.started_at or job.created_at
    finished = job.finished_at or now()
    return metered_record(
        request_id=f"ft-{job.id}",
        time=finished,
        dialect=FINE_TUNING,
        project_id=job.project_id,
        subscription_id=job.subscription_id,
        offer_id=job.base_offer_id,
        deployment_id=job.id,
        deployment=job.id,
        outcome=job.status.value,
        latency_ms=max(0.0, (finished - started).total_seconds() * 1000),
        training_tokens=tokens,
    )
