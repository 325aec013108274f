"""The engine interface: what the pipeline needs from any inference server it drives.

Adapters (llama.cpp worker processes, vLLM servers, a bring-your-own OpenAI-compatible URL) are
discovered through the ``modelport.engines`` entry point group; each one turns canonical
requests into its server's wire format and the server's output back into canonical events.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from modelport.errors import EngineUnavailable
from modelport.inference.types import Event, InferenceRequest


class EngineState(StrEnum):
    STOPPED = "stopped"
    STARTING = "starting"
    READY = "ready"
    RESTARTING = "restarting"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class EngineSpec:
    """Everything needed to start an engine for one deployment."""

    deployment: str
    model_path: Path
    chat_template: str
    slots: int = 4
    threads: int = 2
    context: int = 8192
    start_timeout: float = 120.0
    restart_backoff: float = 0.5
    request_timeout: float = 600.0
    # Adapter-specific settings (e.g. a bring-your-own engine's URL and key): kept out of repr
    # because they may hold secrets.
    extra: dict[str, str] = field(default_factory=dict, repr=False)


class Engine(Protocol):
    @property
    def state(self) -> EngineState: ...

    @property
    def last_error(self) -> str | None: ...

    def describe(self) -> dict[str, object]:
        """Operator-facing status: state, process id, restarts, last error."""
        ...

    async def start(self) -> None:
        """Start and wait until ready; raise ``EngineStartError`` with a clear reason if not."""

    async def stop(self) -> None: ...

    def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        """Yield canonical events; ``Usage`` events are additive. Closing the iterator cancels
        the generation in the engine."""
        ...

    async def count_tokens(self, text: str) -> int: ...

    async def count_prompt_tokens(self, request: InferenceRequest) -> int:
        """Prompt tokens of a request as the engine will count them (a chat is rendered with
        its template first, so the template's tokens count too)."""
        ...


class EngineStartError(RuntimeError):
    """The engine could not be started; the message says why and what to do."""


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
