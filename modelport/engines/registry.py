"""Engine plug-ins found through the ``modelport.engines`` entry point group, loaded lazily.

Discovery only lists the entry points; a plug-in is imported the first time it is asked for, and
one that cannot be imported (or is not an engine factory) becomes an :class:`EnginePluginError`
whose message names it and says why, like the content-safety plug-ins' loader.
"""

from __future__ import annotations

from importlib import metadata

from modelport.engines.host import EngineHost
from modelport.engines.plugin import EngineFactory
from modelport.errors import OperatorError

ENTRY_POINT_GROUP = "modelport.engines"
_INTERFACE = ("name", "options", "settings", "availability", "weights", "spec", "start")


class EnginePluginError(OperatorError, LookupError):
    """An engine plug-in is not installed or cannot be loaded; the message says which and why."""


class EngineFactories:
    def __init__(
        self,
        entry_points: dict[str, metadata.EntryPoint] | None = None,
        factories: dict[str, EngineFactory] | None = None,
    ) -> None:
        self._entry_points = dict(entry_points or {})
        self._loaded: dict[str, EngineFactory] = dict(factories or {})
        self._broken: dict[str, str] = {}

    @classmethod
    def discover(cls) -> EngineFactories:
        found: dict[str, metadata.EntryPoint] = {}
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            found.setdefault(ep.name, ep)
        return cls(found)

    def names(self) -> list[str]:
        return sorted(set(self._entry_points) | set(self._loaded))

    def load(self, name: str) -> EngineFactory:
        """The factory ``name``; EnginePluginError saying why when there is none."""
        if name in self._loaded:
            return self._loaded[name]
        if name in self._broken:
            raise EnginePluginError(self._broken[name])
        ep = self._entry_points.get(name)
        if ep is None:
            raise EnginePluginError(
                f"no engine plug-in named {name!r} is installed (installed: "
                f"{', '.join(self.names()) or 'none'})"
            )
        try:
            loaded = ep.load()
            factory = loaded() if isinstance(loaded, type) else loaded
        except Exception as exc:  # an import error of any kind: report it, do not crash
            self._broken[name] = (
                f"the engine plug-in {name!r} ({ep.value}) cannot be loaded: "
                f"{type(exc).__name__}: {exc}"
            )
            raise EnginePluginError(self._broken[name]) from exc
        if not all(hasattr(factory, a) for a in _INTERFACE):
            self._broken[name] = (
                f"the entry point {name!r} ({ep.value}) is not an engine factory "
                f"({', '.join(_INTERFACE)})"
            )
            raise EnginePluginError(self._broken[name])
        found: EngineFactory = factory
        self._loaded[name] = found
        return found

    def check_settings(self, host: EngineHost) -> None:
        """Every engine named in MODELPORT_ENGINE_SETTINGS exists and accepts its settings
        (raises EnginePluginError or EngineSettingsError, which stop the start with the
        reason)."""
        for name in host.engine_settings:
            host.settings_for(name, self.load(name).settings)

    def get(self, name: str) -> EngineFactory | None:
        try:
            return self.load(name)
        except EnginePluginError:
            return None

    def attaching(self) -> list[str]:
        """Engines that attach a server someone else runs (loaded to find out)."""
        return [n for n in self.names() if (f := self.get(n)) is not None and f.attaches]
