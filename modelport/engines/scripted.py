"""A scripted engine: deterministic canonical events without a model (unit tests, benchmarks).

Each call answers with the next queued reply (or the default), one ``TextDelta`` per word, then
``ChoiceEnd`` and ``Usage`` (prompt = whitespace-separated words of the prompt or messages),
like llm's MockModel. ``delay`` sleeps between tokens so that tests can disconnect mid-stream.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator

from modelport.engines.base import EngineState
from modelport.engines.openai_wire import bound_extra
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    InferenceRequest,
    RequestKind,
    TextDelta,
    Usage,
)


class ScriptedEngine:
    def __init__(
        self,
        default: str = "Hello from the scripted engine.",
        delay: float = 0.0,
        context: int = 8192,
    ) -> None:
        self.default = default
        self.delay = delay
        self.context = context
        self.replies: deque[str] = deque()
        self.generated = 0  # tokens produced, across calls

    @property
    def state(self) -> EngineState:
        return EngineState.READY

    @property
    def last_error(self) -> str | None:
        return None

    def describe(self) -> dict[str, object]:
        return {"state": "ready", "engine": "scripted"}

    async def start(self) -> None:
        return None

    def bound_extra(self, request: InferenceRequest) -> InferenceRequest:
        return bound_extra(request)

    async def stop(self) -> None:
        return None

    async def count_tokens(self, text: str) -> int:
        return len(text.split())

    async def count_prompt_tokens(self, request: InferenceRequest) -> int:
        if request.kind is RequestKind.CHAT:
            text = " ".join(m.content or "" for m in request.messages)
        else:
            text = request.prompt or ""
        return await self.count_tokens(text)

    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        prompt = await self.count_prompt_tokens(request)
        words = (self.replies.popleft() if self.replies else self.default).split()
        limit = request.sampling.max_tokens
        n = max(1, request.sampling.n)
        total = 0
        for index in range(n):
            emitted = words if limit is None else words[:limit]
            for i, word in enumerate(emitted):
                if self.delay:
                    await asyncio.sleep(self.delay)
                self.generated += 1
                yield TextDelta(index, word if i == 0 else " " + word)
            total += len(emitted)
            truncated = limit is not None and len(words) > limit
            yield ChoiceEnd(index, FinishReason.LENGTH if truncated else FinishReason.STOP)
        yield Usage(prompt, total)
