"""Usage reports: rollups grouped by day, project, subscription, deployment or meter, priced
exactly. Inference, fine-tuning (training tokens), fine-tuned hosting and managed compute
(instance-hours, priced by instance type; its tokens counted, not priced) stand side by side.

Reports read only the rollups (one row per day × deployment × meter), never the ledger. Costs
are computed with Decimal from the price sheet and rendered as strings, unrounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from modelport.billing.prices import PriceSheet
from modelport.billing.records import INPUT_METERS, OUTPUT_METERS, Meter
from modelport.store.usage import RollupRow


class GroupBy(StrEnum):
    DAY = "day"
    PROJECT = "project"
    SUBSCRIPTION = "subscription"
    DEPLOYMENT = "deployment"
    METER = "meter"


@dataclass
class UsageGroup:
    key: str
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    training_tokens: int = 0
    hosting_hours: int = 0
    compute_ms: int = 0
    cost: Decimal = field(default_factory=Decimal)
    currency: str = "USD"

    def add(self, meter: str, quantity: int, cost: Decimal) -> None:
        if meter == Meter.REQUESTS:
            self.requests += quantity
        elif meter in INPUT_METERS:
            self.prompt_tokens += quantity
        elif meter in OUTPUT_METERS:
            self.completion_tokens += quantity
        elif meter == Meter.TRAINING_TOKENS:
            self.training_tokens += quantity
        elif meter == Meter.HOSTING_HOURS:
            self.hosting_hours += quantity
        elif meter == Meter.COMPUTE_HOURS:
            self.compute_ms += quantity
        self.cost += cost

    def view(self, by: str) -> dict[str, Any]:
        return {
            by: self.key,
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "training_tokens": self.training_tokens,
            "hosting_hours": self.hosting_hours,
            "compute_hours": _money(Decimal(self.compute_ms) / _MS_PER_HOUR),
            "cost": _money(self.cost),
            "currency": self.currency,
        }


_MS_PER_HOUR = Decimal(3_600_000)


def _money(value: Decimal) -> str:
    """Exact decimal text without exponent notation ("0.0000123", "0")."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def _key(row: RollupRow, by: GroupBy) -> str:
    if by is GroupBy.DAY:
        return row.day
    if by is GroupBy.PROJECT:
        return row.project
    if by is GroupBy.SUBSCRIPTION:
        return row.subscription_id or "(none)"
    if by is GroupBy.METER:
        return row.meter
    return row.deployment


def build_report(rows: list[RollupRow], by: GroupBy, prices: PriceSheet) -> dict[str, Any]:
    groups: dict[str, UsageGroup] = {}
    total = UsageGroup("total")
    for row in rows:
        meter = Meter(row.meter) if row.meter in Meter._value2member_map_ else None
        price = prices.price(row.offer_id, row.day)
        currency = price.currency
        if meter is Meter.COMPUTE_HOURS:  # priced by the deployment's instance type
            cost, currency = prices.compute_cost(row.instance_type, row.quantity)
        elif meter is not None:
            cost = prices.cost(row.offer_id, meter, row.quantity, row.day)
        else:
            cost = Decimal(0)
        key = _key(row, by)
        group = groups.setdefault(key, UsageGroup(key, currency=currency))
        group.add(row.meter, row.quantity, cost)
        total.currency = currency
        total.add(row.meter, row.quantity, cost)
    return {
        "by": by.value,
        "data": [groups[k].view(by.value) for k in sorted(groups)],
        "total": total.view("group"),
    }
