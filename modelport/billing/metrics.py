"""Prometheus metrics of the data plane, on a registry built at start-up (served at /metrics)."""

from __future__ import annotations

from decimal import Decimal

from prometheus_client import CollectorRegistry, Counter, Histogram

from modelport.billing.records import UsageRecord

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class UsageMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "modelport_requests",
            "Requests that reached the engine, by outcome.",
            ["deployment", "outcome"],
            registry=self.registry,
        )
        self.tokens = Counter(
            "modelport_tokens",
            "Tokens billed, by direction (input = prompt, output = completion).",
            ["deployment", "direction"],
            registry=self.registry,
        )
        self.cost = Counter(
            "modelport_cost",
            "Cost of the tokens billed, in the offer's currency.",
            ["deployment", "currency"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "modelport_request_latency_seconds",
            "Time from admission to the usage record being durable.",
            ["deployment"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "modelport_rate_limited",
            "Requests rejected by the deployment's rate limits (429).",
            ["deployment"],
            registry=self.registry,
        )
        self.ledger_failures = Counter(
            "modelport_usage_ledger_failed_records",
            "Usage records whose batch could not be committed (those requests failed with 503 "
            "or an in-band error; nothing was served as billed).",
            registry=self.registry,
        )

    def observe(self, record: UsageRecord, cost: Decimal, currency: str) -> None:
        name = record.deployment
        self.requests.labels(name, record.outcome).inc()
        self.tokens.labels(name, "input").inc(record.prompt_tokens)
        self.tokens.labels(name, "output").inc(record.completion_tokens)
        self.cost.labels(name, currency).inc(float(cost))
        self.latency.labels(name).observe(record.latency_ms / 1000)

    def rejected(self, deployment: str) -> None:
        self.rate_limited.labels(deployment).inc()

    def ledger_failed(self, records: int) -> None:
        self.ledger_failures.inc(records)
