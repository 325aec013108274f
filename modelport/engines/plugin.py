"""What an engine plug-in is: a factory behind a ``modelport.engines`` entry point.

A factory owns everything about its engine; the control plane only asks it::

    [project.entry-points."modelport.engines"]
    llamacpp = "modelport.engines.llamacpp.factory:LlamaCppEngineFactory"

- ``availability(offer, host)``: can this machine run ``offer`` with this engine, and if not,
  what is missing and how to provide it (weights, GPUs, the engine's own software);
- ``weights(offer)``: what ``modelport models pull`` fetches for this engine (a GGUF file of a
  GGUF repo, or a hub repo's safetensors);
- ``options``: the typed per-deployment options it accepts (pydantic, ``extra="forbid"``; fields
  typed ``SecretStr`` are stored encrypted and never shown again); ``settings``: the model of its
  operator settings (``MODELPORT_ENGINE_SETTINGS``), checked at start-up;
- ``spec(deployment, offer, options, host)``: the :class:`~modelport.engines.base.EngineSpec` of
  one deployment, or ``EngineStartError`` saying what is missing;
- ``start(spec)``: the running engine (the caller owns it and stops it); an engine that fails or
  is cancelled while starting is stopped before the error propagates.

``attaches`` marks an engine that drives a server someone else runs, given by URL: only the
platform operator may deploy with it, and it is never picked by default. Engines that spawn a
local process do it through :mod:`modelport.engines.supervisor`.

Engines whose server a runtime may place elsewhere (:mod:`modelport.cluster.runtime`: a Ray
actor on another node) also have (:class:`PlacedEngineFactory`):

- ``process(spec)``: the :class:`~modelport.engines.supervisor.ProcessPlan` of its server;
- ``connect(spec, endpoint)``: an engine that drives such a server running at ``endpoint``
  (no process of its own; the replica router owns it).

An engine without them runs on the local runtime only (``start``).
"""

from __future__ import annotations

import asyncio
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from modelport.domain.catalog import Offer
from modelport.domain.replicas import Endpoint
from modelport.engines.base import Engine, EngineSpec
from modelport.engines.host import EngineHost
from modelport.engines.supervisor import ProcessPlan


class EngineOptions(BaseModel):
    """Per-deployment options every engine accepts; engines add their own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    context: int | None = Field(
        None,
        ge=256,
        description="Tokens per request (prompt + completion); default: the model's own, as the "
        "machine allows.",
    )


@dataclass(frozen=True, slots=True)
class EngineCheck:
    """Whether one engine can run one offer here; ``missing`` says what is not, and how to fix
    it."""

    engine: str
    missing: tuple[str, ...] = ()
    weights_missing: bool = False  # one of the missing things is the weights (pull or import)

    @property
    def ok(self) -> bool:
        return not self.missing

    @property
    def only_weights_missing(self) -> bool:
        return self.weights_missing and len(self.missing) == 1


@dataclass(frozen=True, slots=True)
class HubWeights:
    """What to fetch from a hub for an engine: a repo's files (exact names, or every file
    matching ``include`` and no ``exclude`` pattern), into ``subdir`` of the offer's store
    directory."""

    repo: str
    revision: str | None = None
    files: tuple[str, ...] = ()
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    subdir: str = ""
    gated: bool = False

    def wants(self, name: str) -> bool:
        from fnmatch import fnmatch

        if self.files:
            return name in self.files
        return any(fnmatch(name, p) for p in self.include) and not any(
            fnmatch(name, p) for p in self.exclude
        )


class NoSettings(BaseModel):
    """The operator settings of an engine that has none."""

    model_config = ConfigDict(extra="forbid")


class EngineFactory(Protocol):
    name: str
    label: str
    attaches: bool
    options: type[EngineOptions]
    settings: type[BaseModel]  # its operator settings (MODELPORT_ENGINE_SETTINGS)

    def availability(self, offer: Offer, host: EngineHost) -> EngineCheck: ...

    def weights(self, offer: Offer) -> HubWeights:
        """The hub files this engine loads for ``offer``; ``WeightsUnavailable`` (saying how to
        provide them otherwise) when the offer names none."""
        ...

    def spec(
        self, deployment: str, offer: Offer, options: EngineOptions, host: EngineHost
    ) -> EngineSpec: ...

    async def start(self, spec: EngineSpec) -> Engine: ...


class PlacedEngineFactory(EngineFactory, Protocol):
    def process(self, spec: EngineSpec) -> ProcessPlan: ...

    def connect(self, spec: EngineSpec, endpoint: Endpoint) -> Engine: ...


def placeable(factory: EngineFactory) -> PlacedEngineFactory | None:
    """The factory as one whose server a runtime can place, when it is one."""
    if callable(getattr(factory, "process", None)) and callable(getattr(factory, "connect", None)):
        return factory  # type: ignore[return-value]
    return None


E = TypeVar("E", bound=Engine)


async def started(engine: E) -> E:
    """``await engine.start()``; on failure or cancellation, stop it before propagating."""
    try:
        await engine.start()
    except BaseException:
        await asyncio.shield(engine.stop())
        raise
    return engine


def _is_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return any(_is_secret(arg) for arg in typing.get_args(annotation))
    return False


def secret_fields(options: type[BaseModel]) -> list[str]:
    """The option fields that hold secrets (typed ``SecretStr``)."""
    return [name for name, f in options.model_fields.items() if _is_secret(f.annotation)]


def public_options(options: BaseModel) -> dict[str, Any]:
    """The options that may be stored in clear and shown: everything set, secrets left out."""
    hidden = set(secret_fields(type(options)))
    return options.model_dump(mode="json", exclude=hidden, exclude_none=True)


def secret_options(options: BaseModel) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in secret_fields(type(options)):
        value = getattr(options, name)
        if isinstance(value, SecretStr):
            values[name] = value.get_secret_value()
    return values


SECRET_MARKER = "(stored encrypted, not shown)"  # noqa: S105 - a label, not a secret


def shown_options(options: Mapping[str, Any], secrets: list[str]) -> dict[str, Any]:
    """Options as operators see them: each secret only as the fact that one is stored."""
    return {**options, **dict.fromkeys(secrets, SECRET_MARKER)}
