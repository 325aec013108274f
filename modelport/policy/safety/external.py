"""A classifier plug-in for an operator's external moderation service (``external``).

Two wire shapes are spoken:

* ``azure``: Azure AI Content Safety ``POST {url}/contentsafety/text:analyze?api-version=
  2024-09-01`` with ``Ocp-Apim-Subscription-Key``; body ``{"text", "categories",
  "outputType": "FourSeverityLevels"}``; answer ``{"categoriesAnalysis": [{"category": "Hate",
  "severity": 0|2|4|6}, …]}`` (Hate, Sexual, Violence, SelfHarm map onto the four categories with
  the same numbers as :class:`~modelport.policy.safety.types.Severity`);
* ``openai``: ``POST {url}/v1/moderations`` with a bearer key; answer ``{"results": [{"flagged",
  "categories": {…}, "category_scores": {…}}]}``. Scores map to severities: ≥ 0.8 high, ≥ 0.5
  medium, ≥ 0.2 low (``hate``/``hate/threatening``, ``sexual``/``sexual/minors`` (high),
  ``violence``/``violence/graphic``, ``self-harm`` and its sub-categories).

Configured like the guard plug-in (``MODELPORT_SAFETY_PLUGIN_OPTIONS='{"external": {"url",
"api_key", "shape": "azure"|"openai"}}'``). Errors, malformed answers and timeouts raise, so
moderation fails closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from modelport.policy.safety.types import Category, SafetyResult, Severity

AZURE_API_VERSION = "2024-09-01"
AZURE_CATEGORIES: Mapping[str, Category] = {
    "Hate": Category.HATE,
    "Sexual": Category.SEXUAL,
    "Violence": Category.VIOLENCE,
    "SelfHarm": Category.SELF_HARM,
}
OPENAI_CATEGORIES: Mapping[str, Category] = {
    "hate": Category.HATE,
    "hate/threatening": Category.HATE,
    "harassment/threatening": Category.VIOLENCE,
    "sexual": Category.SEXUAL,
    "sexual/minors": Category.SEXUAL,
    "violence": Category.VIOLENCE,
    "violence/graphic": Category.VIOLENCE,
    "self-harm": Category.SELF_HARM,
    "self-harm/intent": Category.SELF_HARM,
    "self-harm/instructions": Category.SELF_HARM,
}
SHAPES = ("azure", "openai")


def score_severity(score: float) -> Severity:
    if score >= 0.8:
        return Severity.HIGH
    if score >= 0.5:
        return Severity.MEDIUM
    if score >= 0.2:
        return Severity.LOW
    return Severity.SAFE


def parse_azure(body: Mapping[str, Any]) -> SafetyResult:
    levels: dict[Category, Severity] = {}
    for entry in body["categoriesAnalysis"]:
        category = AZURE_CATEGORIES.get(str(entry["category"]))
        if category is not None:
            level = Severity.parse(min(6, int(entry["severity"]) // 2 * 2))
            levels[category] = max(level, levels.get(category, Severity.SAFE))
    return SafetyResult.of(levels, evidence=[f"external.azure.{c.value}" for c in levels])


def parse_openai(body: Mapping[str, Any]) -> SafetyResult:
    (result,) = body["results"]
    levels: dict[Category, Severity] = {}
    for key, score in result["category_scores"].items():
        category = OPENAI_CATEGORIES.get(key)
        if category is None:
            continue
        level = score_severity(float(score))
        if key == "sexual/minors" and result["categories"].get(key):
            level = Severity.HIGH
        levels[category] = max(level, levels.get(category, Severity.SAFE))
    return SafetyResult.of(levels, evidence=[f"external.openai.{c.value}" for c in levels])


class ExternalModerationClassifier:
    """Calls an external moderation service (see the module docstring); thread-safe."""

    name = "external"

    def __init__(
        self,
        *,
        url: str,
        api_key: str,
        shape: str = "azure",
        timeout: float | str = 5.0,
        model: str = "omni-moderation-latest",
        transport: httpx.BaseTransport | None = None,
        **_: Any,
    ) -> None:
        if shape not in SHAPES:
            raise ValueError(f"unknown moderation shape {shape!r}; expected one of {SHAPES}")
        self.shape = shape
        self._model = model
        headers = (
            {"Ocp-Apim-Subscription-Key": api_key}
            if shape == "azure"
            else {"Authorization": f"Bearer {api_key}"}
        )
        self._client = httpx.Client(
            base_url=url.rstrip("/"), headers=headers, timeout=float(timeout), transport=transport
        )

    def classify(self, text: str) -> SafetyResult:
        if not text.strip():
            return SafetyResult()
        if self.shape == "azure":
            response = self._client.post(
                "/contentsafety/text:analyze",
                params={"api-version": AZURE_API_VERSION},
                json={
                    "text": text[:10_000],
                    "categories": list(AZURE_CATEGORIES),
                    "outputType": "FourSeverityLevels",
                },
            )
            response.raise_for_status()
            return parse_azure(response.json())
        response = self._client.post("/v1/moderations", json={"model": self._model, "input": text})
        response.raise_for_status()
        return parse_openai(response.json())

    def close(self) -> None:
        self._client.close()
