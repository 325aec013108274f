"""The llama.cpp engine adapter: a supervised worker process driven over HTTP with httpx.

Streaming, ``n`` fan-out and error mapping are the shared OpenAI-compatible client's; this adapter
adds what only llama.cpp's native API offers: tokenize/detokenize, its chat template, and the
single-step completions beam search is built on.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import httpx
import orjson

from modelport.engines.base import EngineSpec, EngineState, engine_unavailable
from modelport.engines.llamacpp.beam import beam_search
from modelport.engines.llamacpp.process import WorkerProcess
from modelport.engines.openai_client import OpenAICompatClient, engine_error
from modelport.engines.openai_wire import request_body
from modelport.errors import EngineFailed
from modelport.inference.types import Event, InferenceRequest, RequestKind


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
            raise engine_unavailable()
        return self.worker.base_url

    async def count_tokens(self, text: str) -> int:
        return await self.client.count_tokens(text)

    async def count_prompt_tokens(self, request: InferenceRequest) -> int:
        return await self.client.count_prompt_tokens(request)

    async def tokenize(self, text: str, *, add_special: bool = True) -> list[int]:
        """Token ids of ``text`` (special tokens parsed), as the engine would feed them."""
        data = await self.post_json("/tokenize", {"content": text, "add_special": add_special})
        return [int(t) for t in data.get("tokens", [])]

    async def detokenize(self, tokens: list[int]) -> str:
        data = await self.post_json("/detokenize", {"tokens": tokens})
        return str(data.get("content", ""))

    async def prompt_text(self, request: InferenceRequest) -> str:
        """The prompt exactly as the engine sees it (chat requests through its template)."""
        if request.kind is RequestKind.COMPLETION:
            return request.prompt or ""
        body = request_body(request)
        fields: dict[str, Any] = {k: body[k] for k in ("tools", "tool_choice") if k in body}
        data = await self.post_json("/apply-template", {"messages": body["messages"], **fields})
        return str(data.get("prompt", ""))

    async def eog_ids(self) -> set[int]:
        """Ids of the model's end-of-generation token (its ``eos_token``)."""
        props = await self.get_json("/props")
        eos = props.get("eos_token")
        return set(await self.tokenize(eos, add_special=False)) if isinstance(eos, str) else set()

    async def get_json(self, path: str) -> dict[str, Any]:
        return await self._call("GET", path, None)

    async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """One non-streamed call to the engine's native API (tokenizer, beam-search steps)."""
        return await self._call("POST", path, body)

    async def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        base = self._ready_base()
        headers = {"Authorization": f"Bearer {self.worker.api_key}"}
        try:
            response = await self.client.http.request(
                method,
                base + path,
                content=orjson.dumps(body) if body is not None else None,
                headers=headers,
            )
        except httpx.TransportError as exc:
            raise engine_unavailable() from exc
        if response.status_code != 200:
            raise await engine_error(response)
        data = orjson.loads(response.content)
        if not isinstance(data, dict):
            raise EngineFailed(f"the model engine answered {path} with an unexpected body")
        return data

    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        if request.sampling.use_beam_search:
            async for event in beam_search(self, request):
                yield event
            return
        async for event in self.client.generate(request):
            yield event


class LlamaCppEngineFactory:
    """Entry point ``modelport.engines: llamacpp``."""

    name = "llamacpp"

    def __call__(self, spec: EngineSpec) -> LlamaCppEngine:
        return LlamaCppEngine(spec)
