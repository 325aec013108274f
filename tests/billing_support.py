"""A pipeline with limits and metering around a scripted engine, on a fresh SQLite file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from modelport.billing.ledger import UsageLedger
from modelport.billing.metering import Metering
from modelport.billing.metrics import UsageMetrics
from modelport.billing.prices import PriceSheet
from modelport.billing.records import UsageRecord
from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.domain.deployments import Deployment, DeploymentState, KeySlot, RateLimits
from modelport.engines.scripted import ScriptedEngine
from modelport.inference.accounting import Accountant
from modelport.inference.context import RequestContext
from modelport.inference.live import LiveDeployment
from modelport.inference.pipeline import Pipeline
from modelport.policy.limits.base import RateLimiter
from modelport.policy.limits.memory import MemoryRateLimiter
from modelport.store.db import make_engine, upgrade
from modelport.store.usage import ledger_rows


def database(path: Path | str) -> Engine:
    """A migrated database: a SQLite file at ``path``, or the database at URL ``path``."""
    engine = make_engine(path if isinstance(path, str) else f"sqlite:///{path}")
    upgrade(engine)
    return engine


def record(request_id: str, prompt: int = 10, completion: int = 5, **kw: object) -> UsageRecord:
    values: dict[str, object] = {
        "request_id": request_id,
        "time": datetime(2026, 11, 22, 12, 0, tzinfo=UTC),
        "project_id": "p1",
        "subscription_id": "s1",
        "offer_id": "smollm2-135m-instruct",
        "deployment_id": "d1",
        "deployment": "dep-one",
        "key_slot": "primary",
        "dialect": "openai",
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "outcome": "ok",
        "latency_ms": 1.0,
    }
    values.update(kw)
    return UsageRecord(**values)  # type: ignore[arg-type]


@dataclass
class Harness:
    db: Engine
    ledger: UsageLedger
    prices: PriceSheet
    metrics: UsageMetrics
    limiter: RateLimiter | None
    engine: ScriptedEngine
    live: LiveDeployment
    pipeline: Pipeline

    def ctx(self) -> RequestContext:
        return RequestContext(live=self.live, key_slot=KeySlot.PRIMARY, dialect="openai")

    def rows(self) -> list[object]:
        with self.db.connect() as conn:
            return ledger_rows(conn)

    def close(self) -> None:
        self.ledger.close()
        self.db.dispose()


def harness(
    path: Path | str,
    *,
    limits: RateLimits | None = None,
    limiter: RateLimiter | None = None,
    delay: float = 0.0,
) -> Harness:
    catalog = Catalog.load(builtin_offers_dir())
    offer = catalog.embedded()
    db = database(path)
    ledger = UsageLedger(db)
    ledger.start()
    prices = PriceSheet.from_catalog(catalog)
    metrics = UsageMetrics()
    limiter = limiter if limiter is not None else MemoryRateLimiter()
    engine = ScriptedEngine(delay=delay)
    deployment = Deployment(
        id="d1",
        name="dep-one",
        project_id="p1",
        region="local",
        offer_id=offer.id,
        subscription_id="s1",
        state=DeploymentState.SUCCEEDED,
        created_at=datetime.now(UTC),
        limits=limits or RateLimits(),
    )
    live = LiveDeployment(deployment, offer, engine=engine)
    pipeline = Pipeline(Accountant(limiter, Metering(ledger, prices, metrics)))
    return Harness(db, ledger, prices, metrics, limiter, engine, live, pipeline)
