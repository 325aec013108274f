"""The in-memory view of deployments the data plane serves from (no database on the hot path).

The deployment service updates it at once for changes made in this process; the registry sync
(:mod:`modelport.cluster.sync`) keeps it in step with the store for changes made anywhere
(another gateway, the controller placing replicas), within a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from modelport.domain.catalog import Offer
from modelport.domain.deployments import Deployment, DeploymentState, KeySlot
from modelport.domain.keys import KeyVault
from modelport.domain.replicas import Replica
from modelport.engines.base import Engine, EngineState
from modelport.policy.safety.policy import SafetyPolicy

# What the controller's progress says while an engine is being started for a deployment.
_ATTEMPTING = ("queued", "restarting", "resolving", "starting")


class Readiness(StrEnum):
    """What a deployment can do now, apart from its stored state: a deployment stored as
    ``succeeded`` is ``starting`` again after a restart of Modelport until its engine is up."""

    STARTING = "starting"
    READY = "ready"
    RESTARTING = "restarting"
    FAILED = "failed"
    STOPPED = "stopped"
    DELETING = "deleting"
    IDLE = "idle"  # scaled to zero: the next request starts a replica (and waits for it)


@dataclass
class LiveDeployment:
    deployment: Deployment
    offer: Offer
    fingerprints: dict[KeySlot, str] = field(default_factory=dict)
    engine: Engine | None = None
    progress: str = ""  # what provisioning is doing now, for operators watching a deploy
    starting: bool = False  # an engine is being started for it (first start, retry, restart)
    # Content safety of this deployment (control/content_safety.py keeps it in step with the
    # store): serverless ones on and mandatory, managed ones on unless their owner opted out.
    safety: SafetyPolicy = field(default_factory=SafetyPolicy.serverless)
    # Its replicas as the store has them (the registry sync keeps them), and the requests of
    # this gateway in flight on it.
    replicas: list[Replica] = field(default_factory=list)
    in_flight: int = 0
    last_request: float = 0.0  # unix time of the last request here (scale-to-zero idleness)
    # A fine-tuned model's LoRA adapter (GGUF), run on the base offer's weights.
    adapter: Path | None = None

    @property
    def name(self) -> str:
        return self.deployment.name

    def readiness(self) -> tuple[Readiness, str | None]:
        """The engine's state as callers meet it, and the reason when it is not ready."""
        if self.deployment.state is DeploymentState.DELETING:
            return Readiness.DELETING, None
        engine = self.engine
        if engine is not None:
            state = engine.state
            if state is EngineState.READY:
                return Readiness.READY, None
            if state is EngineState.RESTARTING:
                return Readiness.RESTARTING, engine.last_error
            if state is EngineState.FAILED:
                return Readiness.FAILED, engine.last_error
            if state is EngineState.STOPPED:
                if self.deployment.scale.scales_to_zero and not self.replicas:
                    return Readiness.IDLE, None
                return Readiness.STOPPED, None
            return Readiness.STARTING, None
        if self.starting or self.progress.startswith(_ATTEMPTING):
            return Readiness.STARTING, None
        if self.deployment.state is DeploymentState.FAILED:
            return Readiness.FAILED, self.deployment.failure_reason
        return Readiness.STARTING, None

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
    """The live deployments by region and name, and which of them were changed here since a
    reader of the store began its read (see :meth:`mark`)."""

    def __init__(self) -> None:
        self._by_region: dict[str, dict[str, LiveDeployment]] = {}
        self._changes = 0  # changes made to entries so far
        self._changed: dict[tuple[str, str], int] = {}  # (region, name) -> its last change

    def put(self, live: LiveDeployment) -> None:
        self._by_region.setdefault(live.deployment.region, {})[live.deployment.name] = live
        self.touch(live.deployment.region, live.deployment.name)

    def get(self, region: str, name: str) -> LiveDeployment | None:
        return self._by_region.get(region, {}).get(name)

    def remove(self, region: str, name: str) -> LiveDeployment | None:
        self.touch(region, name)
        return self._by_region.get(region, {}).pop(name, None)

    # -- changes made here while the store is read ------------------------------------------
    # A reader of the store (the registry sync) must not apply what it read over a change this
    # process stored and applied after its read began: the read is older than that change (a
    # regenerated key's predecessor would open the deployment again, a deleted deployment
    # would come back). It takes a mark before reading and asks ``changed_since`` before
    # applying; one reader at a time (the sync's lock), which settles its mark when done.
    def touch(self, region: str, name: str) -> None:
        """The entry of ``name`` in ``region`` was changed here (put, removed, or changed in
        place after its change was stored)."""
        self._changes += 1
        self._changed[(region, name)] = self._changes

    def mark(self) -> int:
        return self._changes

    def changed_since(self, mark: int, region: str, name: str) -> bool:
        return self._changed.get((region, name), 0) > mark

    def settle(self, mark: int) -> None:
        """The reader that took ``mark`` is done: changes up to it concern no read any more."""
        self._changed = {where: n for where, n in self._changed.items() if n > mark}

    def all(self) -> list[LiveDeployment]:
        return [live for region in self._by_region.values() for live in region.values()]

    def named(self, name: str) -> list[LiveDeployment]:
        """Every deployment called ``name``, one per region at most."""
        return [r[name] for r in self._by_region.values() if name in r]
