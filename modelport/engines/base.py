"""The engine interface: what the pipeline needs from any inference server it drives.

Engines are plug-ins (``modelport.engines`` entry points, see :mod:`modelport.engines.plugin`):
each one turns canonical requests into its server's wire format and the server's output back into
canonical events. :class:`EngineSpec` is everything one engine instance needs to run one
deployment; it is plain data (JSON-able ``config``), so that a runtime other than this process
(a Ray actor, a managed node) can receive it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from modelport.errors import EngineUnavailable, OperatorError
from modelport.inference.types import Event, InferenceRequest


class EngineState(StrEnum):
    STOPPED = "stopped"
    STARTING = "starting"
    READY = "ready"
    RESTARTING = "restarting"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class EngineSpec:
    """Everything needed to start an engine for one deployment.

    ``model`` is what the engine loads (a GGUF file, a weights directory, or the name a remote
    server serves); ``context`` the tokens one request may use (prompt + completion). ``config``
    holds the engine's own resolved settings (its factory writes and reads them); ``secret`` a
    credential the engine needs (a bring-your-own server's key), kept out of ``repr``.
    ``adapter`` is an optional fine-tuned (LoRA) adapter; an engine that cannot load one refuses
    the spec.
    """

    deployment: str
    engine: str
    model: str
    context: int
    slots: int = 4
    threads: int = 2
    chat_template: str = ""
    start_timeout: float = 120.0
    restart_backoff: float = 0.5
    restart_backoff_max: float = 30.0
    kill_grace: float = 10.0
    request_timeout: float = 600.0
    adapter: Path | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    secret: str | None = field(default=None, repr=False)


class Engine(Protocol):
    @property
    def state(self) -> EngineState: ...

    @property
    def last_error(self) -> str | None: ...

    @property
    def context(self) -> int:
        """Tokens one request may use: its prompt plus everything it generates."""
        ...

    def describe(self) -> dict[str, object]:
        """Operator-facing status: state, process id, restarts, last error."""
        ...

    async def start(self) -> None:
        """Start and wait until ready; raise ``EngineStartError`` with a clear reason if not."""

    async def stop(self) -> None: ...

    def bound_extra(self, request: InferenceRequest) -> InferenceRequest:
        """Apply the engine's rules to pass-through parameters (``request.extra``): refuse those
        that would multiply the work, bound its native length knobs by ``max_tokens``. Called
        before admission, so a refused request costs nothing."""
        ...

    def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        """Yield canonical events; ``Usage`` events are additive. Closing the iterator cancels
        the generation in the engine."""
        ...

    async def count_tokens(self, text: str) -> int: ...

    async def count_prompt_tokens(self, request: InferenceRequest) -> int:
        """Prompt tokens of a request as the engine will count them (a chat is rendered with
        its template first, so the template's tokens count too)."""
        ...


class EngineStartError(OperatorError, RuntimeError):
    """The engine could not be started; the message says why and what to do."""


class EngineStopped(EngineStartError):
    """The engine was stopped while it was starting (shutdown, delete, restart): not a failure
    of the deployment, and never recorded as one."""


ENGINE_RETRY_AFTER = 2.0


def engine_unavailable() -> EngineUnavailable:
    """The one answer to a request its engine cannot take now: 503 with ``Retry-After`` and a
    retry hint, the same whether the engine's supervisor has already noticed (the engine is
    starting or restarting) or not yet (the connection is refused, or drops before an answer)."""
    return EngineUnavailable(
        "the model engine is not available right now (starting, restarting or unreachable); "
        "retry shortly",
        retry_after=ENGINE_RETRY_AFTER,
    )
