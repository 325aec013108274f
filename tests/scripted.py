"""A scripted engine for tests: records every request and replays queued events (llm's MockModel
idea). It stands in for the real engine only where the test is about what reaches an engine."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from modelport.engines.base import EngineState
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    InferenceRequest,
    TextDelta,
    Usage,
)


class ScriptedEngine:
    def __init__(self, *scripts: list[Event]) -> None:
        self.calls: list[InferenceRequest] = []
        self._scripts = list(scripts)

    @property
    def state(self) -> EngineState:
        return EngineState.READY

    @property
    def last_error(self) -> str | None:
        return None

    def describe(self) -> dict[str, object]:
        return {"state": "ready", "scripted": True}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def count_tokens(self, text: str) -> int:
        return len(text.split())

    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        self.calls.append(request)
        script = self._scripts.pop(0) if self._scripts else default_script()
        for event in script:
            yield event


def default_script(text: str = "ok") -> list[Event]:
    return [TextDelta(0, text), ChoiceEnd(0, FinishReason.STOP), Usage(3, 1)]
