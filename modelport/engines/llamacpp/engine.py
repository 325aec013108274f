"""The llama.cpp engine adapter: a supervised worker process driven over HTTP with httpx."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from modelport.engines.base import EngineSpec, EngineState
from modelport.engines.llamacpp.process import WorkerProcess
from modelport.engines.openai_client import OpenAICompatClient
from modelport.errors import EngineUnavailable
from modelport.inference.types import Event, InferenceRequest


class LlamaCppEngine:
    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        self.worker = WorkerProcess(spec)
        self.client = OpenAICompatClient(
            self._ready_base,
            api_key=self.worker.api_key,
            tokenize="llamacpp",
            request_timeout=spec.request_timeout,
            max_connections=spec.slots * 8,
        )

    @property
    def state(self) -> EngineState:
        return self.worker.state

    @property
    def last_error(self) -> str | None:
        return self.worker.last_error

    def describe(self) -> dict[str, object]:
        return {
            "state": self.worker.state.value,
            "pid": self.worker.pid,
            "restarts": self.worker.restarts,
            "last_error": self.worker.last_error,
        }

    async def start(self) -> None:
        await self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()
        await self.client.aclose()

    def _ready_base(self) -> str:
        if self.worker.state is not EngineState.READY or self.worker.base_url is None:
            raise EngineUnavailable(
                f"the model engine of deployment {self.spec.deployment!r} is "
                f"{self.worker.state.value}; retry shortly",
                retry_after=2,
            )
        return self.worker.base_url

    async def count_tokens(self, text: str) -> int:
        return await self.client.count_tokens(text)

    async def count_prompt_tokens(self, request: InferenceRequest) -> int:
        return await self.client.count_prompt_tokens(request)

    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        async for event in self.client.generate(request):
            yield event


class LlamaCppEngineFactory:
    """Entry point ``modelport.engines: llamacpp``."""

    name = "llamacpp"

    def __call__(self, spec: EngineSpec) -> LlamaCppEngine:
        return LlamaCppEngine(spec)
