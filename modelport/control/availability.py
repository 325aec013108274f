"""Can this machine deploy an offer? Which engine would run it, or what is missing and how to
provide it. Checked before a deployment is created, so deploying an offer whose engine or weights
are absent fails fast (412 ``offer_not_deployable``) instead of leaving a failed deployment.

Weight formats are a fact of each engine: llama.cpp loads one GGUF file (resolved on this
machine now); the others (vLLM) load a hub repo or a local directory when they start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from modelport.domain.catalog import Offer
from modelport.engines.base import EngineStartError
from modelport.engines.hardware import check_hardware
from modelport.engines.registry import EngineFactories
from modelport.models.weights import WeightsUnavailable, resolve_weights

INSTALL_HINTS = {
    "vllm": "install vLLM on a GPU machine (`pip install vllm`) and the modelport vLLM engine",
    "llamacpp": "reinstall modelport (the llama.cpp engine ships with it)",
}


@dataclass(frozen=True)
class Availability:
    offer_id: str
    engine: str | None  # the first of the offer's engines that can run it here
    missing: list[str] = field(default_factory=list)  # why each other engine cannot

    @property
    def deployable(self) -> bool:
        return self.engine is not None

    def message(self) -> str:
        return f"{self.offer_id!r} cannot be deployed on this machine: " + "; ".join(self.missing)


def _hardware_needs(offer: Offer, engine: str) -> str:
    needs = [o.describe() for o in offer.hardware.options if o.engine == engine]
    return f"; it needs {' or '.join(needs)}" if needs else ""


def check_offer(offer: Offer, engines: EngineFactories, model_store: Path) -> Availability:
    missing: list[str] = []
    for engine in offer.engines:
        if engines.get(engine) is None:
            hint = INSTALL_HINTS.get(engine, f"install the {engine} engine plug-in")
            missing.append(
                f"engine {engine} is not installed ({hint}{_hardware_needs(offer, engine)})"
            )
            continue
        try:
            check_hardware(offer, engine)
        except EngineStartError as exc:
            missing.append(f"engine {engine}: {exc}{_hardware_needs(offer, engine)}")
            continue
        if engine == "llamacpp":
            try:
                resolve_weights(offer, model_store)
            except WeightsUnavailable as exc:
                missing.append(f"engine llamacpp: {exc}")
                continue
        elif not (offer.weights.hub_repo or offer.weights.local_path):
            missing.append(f"engine {engine}: the offer names no weights (hub repo or local path)")
            continue
        return Availability(offer.id, engine, missing)
    return Availability(offer.id, None, missing)
