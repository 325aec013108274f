"""Can this machine deploy an offer? Which engine would run it, or what is missing and how to
provide it. Each engine plug-in answers for itself (``EngineFactory.availability``); this module
only asks them, in the offer's order, so deploying an offer whose engine or weights are absent
fails fast (412 ``offer_not_deployable``) instead of leaving a failed deployment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modelport.domain.catalog import Offer
from modelport.engines.host import EngineHost, EngineSettingsError
from modelport.engines.plugin import EngineCheck
from modelport.engines.registry import EngineFactories, EnginePluginError


@dataclass(frozen=True)
class Availability:
    offer_id: str
    engine: str | None  # the first of the offer's engines that can run it here
    missing: list[str] = field(default_factory=list)  # why each other engine cannot
    checks: list[EngineCheck] = field(default_factory=list)

    @property
    def deployable(self) -> bool:
        return self.engine is not None

    def message(self) -> str:
        return f"{self.offer_id!r} cannot be deployed on this machine: " + "; ".join(self.missing)


def _hardware_needs(offer: Offer, engine: str) -> str:
    needs = [o.describe() for o in offer.hardware.options if o.engine == engine]
    return f" (it needs {' or '.join(needs)})" if needs else ""


def check_engine(
    offer: Offer, engine: str, engines: EngineFactories, host: EngineHost
) -> EngineCheck:
    try:
        return engines.load(engine).availability(offer, host)
    except (EnginePluginError, EngineSettingsError) as exc:
        return EngineCheck(engine, (str(exc),))


def check_offer(offer: Offer, engines: EngineFactories, host: EngineHost) -> Availability:
    checks = [check_engine(offer, name, engines, host) for name in offer.engines]
    chosen = next((c.engine for c in checks if c.ok), None)
    missing = [
        f"engine {c.engine}: {'; '.join(c.missing)}{_hardware_needs(offer, c.engine)}"
        for c in checks
        if not c.ok
    ]
    return Availability(offer.id, chosen, missing, checks)
