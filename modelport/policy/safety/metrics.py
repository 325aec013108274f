"""Prometheus counters of content safety, on the data plane's registry (served at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from modelport.policy.safety.types import Stage


class SafetyMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.filtered_prompts = Counter(
            "modelport_content_filtered_prompts",
            "Requests refused because their prompt was blocked by content safety (400).",
            ["deployment"],
            registry=registry,
        )
        self.filtered_completions = Counter(
            "modelport_content_filtered_completions",
            "Completion choices stopped by content safety (finish_reason content_filter).",
            ["deployment"],
            registry=registry,
        )
        self.failures = Counter(
            "modelport_content_filter_failures",
            "Content-safety checks that failed or timed out (the request failed closed).",
            ["deployment", "stage"],
            registry=registry,
        )

    def prompt_filtered(self, deployment: str) -> None:
        self.filtered_prompts.labels(deployment).inc()

    def completion_filtered(self, deployment: str) -> None:
        self.filtered_completions.labels(deployment).inc()

    def failed(self, deployment: str, stage: Stage) -> None:
        self.failures.labels(deployment, stage.value).inc()
