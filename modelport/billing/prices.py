"""The price sheet: what a meter costs for an offer, in Decimal (per 1,000 tokens, or per hour),
and what an hour of each instance type of managed compute costs.

Everything that prices usage asks this one class, so a configurable or dated price sheet can
replace the catalog's prices without touching the ledger or the reports. A fine-tuned model
(``ft:<base>:...``) is priced at its base offer's fine-tuned rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from modelport.billing.records import INPUT_METERS, OUTPUT_METERS, UNPRICED_METERS, Meter
from modelport.domain.catalog import Catalog, Offer
from modelport.domain.compute import InstanceTypes
from modelport.domain.fine_tuning import parse_fine_tuned_model

_THOUSAND = Decimal(1000)
_MS_PER_HOUR = Decimal(3_600_000)
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Price:
    currency: str
    input_per_1k: Decimal
    output_per_1k: Decimal
    training_per_1k: Decimal = _ZERO
    hosting_per_hour: Decimal = _ZERO

    def cost(self, meter: Meter, quantity: int) -> Decimal:
        """Exact cost of ``quantity`` units of ``meter``, not rounded."""
        if meter in UNPRICED_METERS:
            return _ZERO
        if meter in INPUT_METERS:
            return self.input_per_1k * quantity / _THOUSAND
        if meter in OUTPUT_METERS:
            return self.output_per_1k * quantity / _THOUSAND
        if meter is Meter.TRAINING_TOKENS:
            return self.training_per_1k * quantity / _THOUSAND
        if meter is Meter.HOSTING_HOURS:
            return self.hosting_per_hour * quantity
        return _ZERO


FREE = Price("USD", _ZERO, _ZERO)


def _base_price(offer: Offer) -> Price:
    if offer.pricing is None:  # managed compute only: its tokens are not priced
        return FREE
    ft = offer.pricing.fine_tuning
    return Price(
        offer.pricing.currency,
        offer.pricing.input_per_1k,
        offer.pricing.output_per_1k,
        training_per_1k=ft.training_per_1k if ft else _ZERO,
    )


def _fine_tuned_price(offer: Offer) -> Price | None:
    if offer.pricing is None:
        return None
    ft = offer.pricing.fine_tuning
    if ft is None:
        return None
    return Price(
        offer.pricing.currency,
        ft.input_per_1k,
        ft.output_per_1k,
        hosting_per_hour=ft.hosting_per_hour,
    )


class PriceSheet:
    def __init__(
        self,
        prices: dict[str, Price],
        fine_tuned: dict[str, Price] | None = None,
        instance_types: InstanceTypes | None = None,
    ) -> None:
        self._prices = prices
        self._fine_tuned = fine_tuned or {}
        self._instance_types = instance_types or InstanceTypes()

    @classmethod
    def from_catalog(
        cls, catalog: Catalog, instance_types: InstanceTypes | None = None
    ) -> PriceSheet:
        fine_tuned = {}
        for offer in catalog.all():
            price = _fine_tuned_price(offer)
            if price is not None:
                fine_tuned[offer.id] = price
        prices = {offer.id: _base_price(offer) for offer in catalog.all()}
        return cls(prices, fine_tuned, instance_types)

    def compute_cost(self, instance_type: str, milliseconds: int) -> tuple[Decimal, str]:
        """Exact cost of ``milliseconds`` of one instance of ``instance_type``, and currency
        (an instance type the operator no longer offers costs nothing)."""
        found = self._instance_types.get(instance_type)
        if found is None:
            return _ZERO, "USD"
        return found.price_per_hour * milliseconds / _MS_PER_HOUR, found.currency

    def price(self, offer_id: str, day: str | None = None) -> Price:
        """The price of an offer (or fine-tuned model) on ``day`` (ISO date; the catalog's
        prices are not dated)."""
        name = parse_fine_tuned_model(offer_id)
        if name is not None:
            return self._fine_tuned.get(name.base_offer_id, FREE)
        return self._prices.get(offer_id, FREE)

    def cost(self, offer_id: str, meter: Meter, quantity: int, day: str | None = None) -> Decimal:
        """Exact cost of ``quantity`` units of ``meter``, not rounded."""
        return self.price(offer_id, day).cost(meter, quantity)

    def request_cost(
        self, offer_id: str, prompt_tokens: int, completion_tokens: int, day: str | None = None
    ) -> Decimal:
        return self.cost(offer_id, Meter.INPUT_TOKENS, prompt_tokens, day) + self.cost(
            offer_id, Meter.OUTPUT_TOKENS, completion_tokens, day
        )
