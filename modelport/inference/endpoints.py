"""The in-memory view of managed endpoints the data plane routes from: each endpoint with the
fingerprints of its keys, its traffic and its mirror (no database on the hot path).

The endpoint service updates it at once for changes made in this process; the registry sync
reloads it whenever an endpoint changes anywhere (change kind ``endpoint``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modelport.domain.deployments import KeySlot
from modelport.domain.endpoints import ManagedEndpoint
from modelport.domain.keys import KeyVault


@dataclass
class LiveEndpoint:
    endpoint: ManagedEndpoint
    fingerprints: dict[KeySlot, str] = field(default_factory=dict)

    def slot_of(self, fingerprint: str) -> KeySlot | None:
        """Which slot a key's fingerprint opens, compared in constant time; None if neither."""
        found: KeySlot | None = None
        for slot, stored in self.fingerprints.items():
            if KeyVault.same(fingerprint, stored):
                found = slot
        return found


class EndpointRegistry:
    def __init__(self) -> None:
        self._by_region: dict[str, dict[str, LiveEndpoint]] = {}

    def put(self, live: LiveEndpoint) -> None:
        self._by_region.setdefault(live.endpoint.region, {})[live.endpoint.name] = live

    def get(self, region: str, name: str) -> LiveEndpoint | None:
        return self._by_region.get(region, {}).get(name)

    def remove(self, region: str, name: str) -> None:
        self._by_region.get(region, {}).pop(name, None)

    def replace_all(self, items: list[LiveEndpoint]) -> None:
        fresh: dict[str, dict[str, LiveEndpoint]] = {}
        for live in items:
            fresh.setdefault(live.endpoint.region, {})[live.endpoint.name] = live
        self._by_region = fresh

    def all(self) -> list[LiveEndpoint]:
        return [live for region in self._by_region.values() for live in region.values()]
