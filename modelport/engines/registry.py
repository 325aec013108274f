"""Engine adapters discovered through the ``modelport.engines`` entry point group."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Protocol

from modelport.engines.base import Engine, EngineSpec


class EngineFactory(Protocol):
    name: str

    def __call__(self, spec: EngineSpec) -> Engine: ...


class EngineFactories:
    def __init__(self, factories: dict[str, EngineFactory]) -> None:
        self._factories = factories

    @classmethod
    def discover(cls) -> EngineFactories:
        found: dict[str, EngineFactory] = {}
        for ep in entry_points(group="modelport.engines"):
            found[ep.name] = ep.load()()
        return cls(found)

    def get(self, name: str) -> EngineFactory | None:
        return self._factories.get(name)

    def names(self) -> list[str]:
        return sorted(self._factories)
