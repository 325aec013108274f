"""The in-memory view of deployments the data plane serves from (no database on the hot path).

The deployment service keeps it in step with the store: it is loaded at start-up and updated by
every lifecycle change (deploy, delete, key rotation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modelport.domain.catalog import Offer
from modelport.domain.deployments import Deployment, KeySlot
from modelport.domain.keys import KeyVault
from modelport.engines.base import Engine
from modelport.policy.safety.policy import SafetyPolicy


@dataclass
class LiveDeployment:
    deployment: Deployment
    offer: Offer
    fingerprints: dict[KeySlot, str] = field(default_factory=dict)
    engine: Engine | None = None
    progress: str = ""  # what provisioning is doing now, for operators watching a deploy
    # Content safety of this deployment (control/content_safety.py keeps it in step with the
    # store). Every deployment is serverless today: on, mandatory, block medium and above.
    safety: SafetyPolicy = field(default_factory=SafetyPolicy.serverless)

    @property
    def name(self) -> str:
        return self.deployment.name

    def key_slot(self, vault: KeyVault, presented: str) -> KeySlot | None:
        """Which slot the presented key opens, compared in constant time; None if neither."""
        return self.slot_of(vault.fingerprint(presented))

    def slot_of(self, fingerprint: str) -> KeySlot | None:
        """Which slot a key's fingerprint opens, compared in constant time; None if neither."""
        found: KeySlot | None = None
        for slot, stored in self.fingerprints.items():
            if KeyVault.same(fingerprint, stored):
                found = slot
        return found


class DeploymentRegistry:
    def __init__(self) -> None:
        self._by_region: dict[str, dict[str, LiveDeployment]] = {}

    def put(self, live: LiveDeployment) -> None:
        self._by_region.setdefault(live.deployment.region, {})[live.deployment.name] = live

    def get(self, region: str, name: str) -> LiveDeployment | None:
        return self._by_region.get(region, {}).get(name)

    def remove(self, region: str, name: str) -> LiveDeployment | None:
        return self._by_region.get(region, {}).pop(name, None)

    def all(self) -> list[LiveDeployment]:
        return [live for region in self._by_region.values() for live in region.values()]

    def named(self, name: str) -> list[LiveDeployment]:
        """Every deployment called ``name``, one per region at most."""
        return [r[name] for r in self._by_region.values() if name in r]
