"""An engine Modelport runs itself: one supervised process (:mod:`modelport.engines.supervisor`)
driven over its OpenAI-compatible HTTP routes (:mod:`modelport.engines.openai_client`).

The llama.cpp and vLLM adapters are this plus what is particular to them (the process plan, and
llama.cpp's native tokenizer and beam-search routes).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Protocol

from modelport.domain.replicas import Endpoint
from modelport.engines.base import EngineSpec, EngineState, engine_unavailable
from modelport.engines.openai_client import OpenAICompatClient, TokenizeStyle
from modelport.engines.openai_wire import Wire, bound_extra, refuse_unsupported
from modelport.engines.supervisor import ProcessPlan, Supervisor
from modelport.inference.types import Event, InferenceRequest


class EngineServer(Protocol):
    """Where the engine's server runs: a process supervised here, or a replica placed by a
    runtime elsewhere (:class:`ReplicaServer`)."""

    state: EngineState
    last_error: str | None
    restarts: int
    base_url: str | None

    @property
    def api_key(self) -> str: ...

    @property
    def pid(self) -> int | None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class ReplicaServer:
    """A server that a runtime placed (a Ray actor's engine): known by its endpoint only. Its
    health is the replica's, which the router reads from the store."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.state = EngineState.READY
        self.last_error: str | None = None
        self.restarts = 0
        self.base_url: str | None = endpoint.url

    @property
    def api_key(self) -> str:
        return self.endpoint.api_key

    @property
    def pid(self) -> int | None:
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self.state = EngineState.STOPPED


class SpawnedEngine:
    beam_search = False  # whether ``generate`` runs beam search itself (``use_beam_search``)

    def __init__(
        self,
        spec: EngineSpec,
        plan: ProcessPlan | None,
        *,
        wire: Wire,
        model: str | None,
        tokenize: TokenizeStyle,
        max_connections: int,
        server: EngineServer | None = None,
    ) -> None:
        self.spec = spec
        if server is None:
            assert plan is not None, "a process plan or a running server"
            server = Supervisor(spec.deployment, plan)
        self.worker: EngineServer = server
        self.client = OpenAICompatClient(
            self._ready_base,
            wire=wire,
            api_key=server.api_key,
            model=model,
            tokenize=tokenize,
            request_timeout=spec.request_timeout,
            max_connections=max_connections,
        )

    @property
    def state(self) -> EngineState:
        return self.worker.state

    @property
    def last_error(self) -> str | None:
        return self.worker.last_error

    @property
    def context(self) -> int:
        return self.spec.context

    def describe(self) -> dict[str, object]:
        return {
            "state": self.worker.state.value,
            "pid": self.worker.pid,
            "restarts": self.worker.restarts,
            "last_error": self.worker.last_error,
            "context": self.spec.context,
        }

    @property
    def endpoint(self) -> Endpoint | None:
        """Where the server listens and its key, for gateways in other processes."""
        base = self.worker.base_url
        return Endpoint(base, self.worker.api_key) if base else None

    async def start(self) -> None:
        await self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()
        await self.client.aclose()

    def _ready_base(self) -> str:
        if self.worker.state is not EngineState.READY or self.worker.base_url is None:
            raise engine_unavailable()
        return self.worker.base_url

    def bound_extra(self, request: InferenceRequest) -> InferenceRequest:
        refuse_unsupported(request, self.client.wire, beam_search=self.beam_search)
        return bound_extra(request)

    async def count_tokens(self, text: str) -> int:
        return await self.client.count_tokens(text)

    async def count_prompt_tokens(self, request: InferenceRequest) -> int:
        return await self.client.count_prompt_tokens(request)

    def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        return self.client.generate(request)  # no extra hop per event
