"""Metering: one finished request → a durable usage record, priced counters and histograms."""

from __future__ import annotations

from decimal import Decimal

from modelport.billing.ledger import UsageLedger
from modelport.billing.metrics import UsageMetrics
from modelport.billing.prices import PriceSheet
from modelport.billing.records import UsageRecord


class Metering:
    def __init__(self, ledger: UsageLedger, prices: PriceSheet, metrics: UsageMetrics) -> None:
        self.ledger = ledger
        self.prices = prices
        self.metrics = metrics

    async def record(self, record: UsageRecord) -> None:
        """Return once the record is durable (raises ``LedgerUnavailable`` if it cannot be)."""
        await self.ledger.write(record)
        price = self.prices.price(record.offer_id, record.day)
        cost = (
            Decimal(0)  # managed compute: billed per instance-hour, its tokens not priced
            if record.instance_type
            else self.prices.request_cost(
                record.offer_id, record.prompt_tokens, record.completion_tokens, record.day
            )
        )
        self.metrics.observe(record, cost, price.currency)

    def rejected(self, deployment: str) -> None:
        self.metrics.rejected(deployment)
