"""What engine plug-ins may ask about this machine and its operator's settings.

Built once at start-up from :class:`~modelport.settings.Settings`; plug-ins read the defaults
(slots, threads, context cap, timeouts), the model store, the memory available, the GPUs (asked
of ``nvidia-smi`` at most once a minute) and their own operator settings
(``MODELPORT_ENGINE_SETTINGS='{"<engine>": {...}}'``, validated by the plug-in's own model).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from modelport.engines.gpus import Gpu, detect_gpus
from modelport.errors import OperatorError
from modelport.settings import Settings

M = TypeVar("M", bound=BaseModel)


class EngineSettingsError(OperatorError, ValueError):
    """An engine's operator settings are invalid (reported at start-up)."""


def _meminfo_available(path: Path = Path("/proc/meminfo")) -> int | None:
    try:
        for line in path.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room(root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """What the cgroup (v2) this process runs in still allows, when it sets a limit."""
    try:
        limit = (root / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return int(limit) - int((root / "memory.current").read_text().strip())
    except (OSError, ValueError):
        return None


def available_memory() -> int:
    """Bytes of memory a new engine process can use: MemAvailable, within the cgroup's limit."""
    found = [m for m in (_meminfo_available(), _cgroup_room()) if m is not None]
    if found:
        return max(0, min(found))
    pages, size = os.sysconf("SC_AVPHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    return int(pages * size)


class CachedGpus:
    """``detect_gpus()`` at most once per ``ttl`` seconds (nvidia-smi takes a while)."""

    def __init__(self, detect: Callable[[], list[Gpu]] = detect_gpus, ttl: float = 60.0) -> None:
        self._detect = detect
        self._ttl = ttl
        self._at = -ttl
        self._gpus: list[Gpu] = []

    def __call__(self) -> list[Gpu]:
        if time.monotonic() - self._at >= self._ttl:
            self._gpus = self._detect()
            self._at = time.monotonic()
        return list(self._gpus)


@dataclass(frozen=True)
class EngineHost:
    model_store: Path
    slots: int = 4
    threads: int = 2
    context_cap: int | None = None  # the operator's cap on any deployment's context
    memory_fraction: float = 0.9  # of the memory available, what one engine may plan to use
    start_timeout: float | None = None  # None: each engine's own default
    restart_backoff: float = 0.5
    restart_backoff_max: float = 30.0
    kill_grace: float = 10.0
    request_timeout: float = 600.0
    engine_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    memory_available: Callable[[], int] = available_memory
    gpus: Callable[[], list[Gpu]] = field(default_factory=CachedGpus)

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineHost:
        return cls(
            model_store=settings.data_dir / "models",
            slots=settings.engine_slots,
            threads=settings.engine_threads,
            context_cap=settings.engine_context,
            memory_fraction=settings.engine_memory_fraction,
            start_timeout=settings.engine_start_timeout,
            restart_backoff=settings.engine_restart_backoff,
            restart_backoff_max=settings.engine_restart_backoff_max,
            kill_grace=settings.engine_kill_grace,
            request_timeout=settings.engine_request_timeout,
            engine_settings=settings.engine_settings,
        )

    def sized(self, cpus: int) -> EngineHost:
        """This host with ``cpus`` engine threads (a managed deployment's instance type)."""
        return replace(self, threads=cpus)

    def settings_for(self, engine: str, model: type[M]) -> M:
        """The operator's settings of ``engine``, validated by the engine's own model."""
        raw = self.engine_settings.get(engine, {})
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or engine}: {e['msg']}"
                for e in exc.errors(include_url=False)
            )
            raise EngineSettingsError(
                f"MODELPORT_ENGINE_SETTINGS of the {engine} engine: {problems}"
            ) from exc

    def timeout(self, default: float) -> float:
        return self.start_timeout if self.start_timeout is not None else default


def gib(size: float) -> str:
    return f"{size / 2**30:.1f} GiB"
