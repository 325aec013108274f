"""The price sheet: what a meter costs for an offer, in Decimal, per 1,000 tokens.

Everything that prices usage asks this one class, so a configurable or dated price sheet can
replace the catalog's prices without touching the ledger or the reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from modelport.billing.records import Meter
from modelport.domain.catalog import Catalog

_THOUSAND = Decimal(1000)


@dataclass(frozen=True, slots=True)
class Price:
    currency: str
    input_per_1k: Decimal
    output_per_1k: Decimal

    def per_1k(self, meter: Meter) -> Decimal:
        if meter is Meter.INPUT_TOKENS:
            return self.input_per_1k
        if meter is Meter.OUTPUT_TOKENS:
            return self.output_per_1k
        return Decimal(0)


FREE = Price("USD", Decimal(0), Decimal(0))


class PriceSheet:
    def __init__(self, prices: dict[str, Price]) -> None:
        self._prices = prices

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> PriceSheet:
        return cls(
            {
                offer.id: Price(
                    offer.pricing.currency, offer.pricing.input_per_1k, offer.pricing.output_per_1k
                )
                for offer in catalog.all()
            }
        )

    def price(self, offer_id: str, day: str | None = None) -> Price:
        """The price of an offer on ``day`` (ISO date; the catalog's prices are not dated)."""
        return self._prices.get(offer_id, FREE)

    def cost(self, offer_id: str, meter: Meter, quantity: int, day: str | None = None) -> Decimal:
        """Exact cost of ``quantity`` units of ``meter``, not rounded."""
        return self.price(offer_id, day).per_1k(meter) * quantity / _THOUSAND

    def request_cost(
        self, offer_id: str, prompt_tokens: int, completion_tokens: int, day: str | None = None
    ) -> Decimal:
        return self.cost(offer_id, Meter.INPUT_TOKENS, prompt_tokens, day) + self.cost(
            offer_id, Meter.OUTPUT_TOKENS, completion_tokens, day
        )
