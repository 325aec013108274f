"""Fine-tuning on the ledger: training tokens once per job, hosted hours once per hour, fine-tuned
inference on its own meters, priced at the base offer's fine-tuned rates; hyperparameters."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from modelport.billing.ledger import UsageLedger
from modelport.billing.prices import PriceSheet
from modelport.billing.records import FINE_TUNING, Meter
from modelport.billing.reports import GroupBy, build_report
from modelport.dialects.openai.fine_tuning import HyperparametersIn, LoraIn
from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.domain.deployments import Deployment, DeploymentState
from modelport.errors import InvalidRequest
from modelport.finetune.hosting import HostingMeter
from modelport.finetune.hyperparameters import resolve_hyperparameters
from modelport.inference.live import DeploymentRegistry, LiveDeployment
from modelport.store.usage import rollup_rows
from tests.billing_support import database, record

FT = "ft:smollm2-135m-instruct:lab:mascot"
CREATED = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(builtin_offers_dir())


def test_each_kind_of_record_counts_on_its_own_meter() -> None:
    assert record("r").meters() == {
        Meter.INPUT_TOKENS: 10,
        Meter.OUTPUT_TOKENS: 5,
        Meter.REQUESTS: 1,
    }
    assert record("r", offer_id=FT).meters() == {
        Meter.FINE_TUNED_INPUT_TOKENS: 10,
        Meter.FINE_TUNED_OUTPUT_TOKENS: 5,
        Meter.REQUESTS: 1,
    }
    training = record("ft-job", 0, 0, dialect=FINE_TUNING, training_tokens=798)
    assert training.meters() == {Meter.TRAINING_TOKENS: 798}


def test_fine_tuned_rates_come_from_the_price_sheet(catalog: Catalog) -> None:
    prices = PriceSheet.from_catalog(catalog)
    base = "smollm2-135m-instruct"
    assert prices.cost(base, Meter.TRAINING_TOKENS, 2000) == Decimal("0.0008")
    assert prices.cost(FT, Meter.FINE_TUNED_INPUT_TOKENS, 1000) == Decimal("0.0002")
    assert prices.cost(FT, Meter.FINE_TUNED_OUTPUT_TOKENS, 1000) == Decimal("0.0004")
    assert prices.cost(FT, Meter.HOSTING_HOURS, 3) == Decimal("0.15")
    # A fine-tuned model of an offer without fine-tuned rates costs nothing it could not show.
    assert prices.cost("ft:jamba-1.5-mini:lab:x", Meter.HOSTING_HOURS, 3) == Decimal(0)


def _deployment() -> Deployment:
    return Deployment(
        id="dep-ft",
        name="mascot",
        project_id="p1",
        region="local",
        offer_id=FT,
        subscription_id="s1",
        state=DeploymentState.SUCCEEDED,
        created_at=CREATED,
    )


def test_hosted_hours_are_written_once_each(tmp_path: Path, catalog: Catalog) -> None:
    db = database(tmp_path / "ledger.db")
    ledger = UsageLedger(db)
    ledger.start()
    registry = DeploymentRegistry()
    base = catalog.embedded()
    registry.put(LiveDeployment(_deployment(), base.model_copy(update={"id": FT})))
    registry.put(
        LiveDeployment(replace(_deployment(), id="dep-base", name="base", offer_id=base.id), base)
    )

    async def go() -> list[int]:
        meter = HostingMeter(registry, ledger)
        written = [await meter.tick(CREATED + timedelta(minutes=1))]
        written.append(await meter.tick(CREATED + timedelta(minutes=59)))
        written.append(await meter.tick(CREATED + timedelta(hours=2, minutes=1)))
        again = HostingMeter(registry, ledger)  # a restarted gateway writes them all again
        written.append(await again.tick(CREATED + timedelta(hours=2, minutes=2)))
        return written

    try:
        assert asyncio.run(go()) == [1, 0, 2, 3]
    finally:
        ledger.close()
    with db.connect() as conn:
        rows = rollup_rows(conn)
    assert [(r.deployment, r.meter, r.quantity) for r in rows] == [
        ("mascot", "fine-tuned-hosting-hours", 3)
    ]
    report = build_report(rows, GroupBy.METER, PriceSheet.from_catalog(catalog))
    assert report["data"] == [
        {
            "meter": "fine-tuned-hosting-hours",
            "requests": 0,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "total_tokens": 0,
            "training_tokens": 0,
            "hosting_hours": 3,
            "compute_hours": "0",
            "cost": "0.15",
            "currency": "USD",
        }
    ]
    db.dispose()


def test_hyperparameters_resolve_auto_and_lora_settings() -> None:
    auto = resolve_hyperparameters(6, None, None, None)
    assert (auto.n_epochs, auto.batch_size, auto.learning_rate) == (3, 1, 2e-4)
    assert (auto.lora_rank, auto.lora_alpha, auto.lora_dropout) == (8, 16.0, 0.0)
    assert "q_proj" in auto.target_modules and "down_proj" in auto.target_modules
    given = resolve_hyperparameters(
        100,
        HyperparametersIn(n_epochs=9),  # the older top-level place loses to the method's
        HyperparametersIn(n_epochs=2, batch_size="auto", learning_rate_multiplier=5),
        LoraIn(rank=4, target_modules=["q_proj"]),
    )
    assert (given.n_epochs, given.batch_size) == (2, 8)
    assert given.learning_rate == pytest.approx(1e-3)
    assert (given.lora_rank, given.lora_alpha, given.target_modules) == (4, 8.0, ("q_proj",))
    with pytest.raises(InvalidRequest, match="n_epochs"):
        resolve_hyperparameters(6, HyperparametersIn(n_epochs=0), None, None)
    with pytest.raises(InvalidRequest, match="embed_tokens is not supported"):
        resolve_hyperparameters(6, None, None, LoraIn(target_modules=["q_proj", "embed_tokens"]))
    with pytest.raises(InvalidRequest, match="learning_rate_multiplier"):
        resolve_hyperparameters(6, HyperparametersIn(learning_rate_multiplier=0), None, None)
