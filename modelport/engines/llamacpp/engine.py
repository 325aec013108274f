"""The llama.cpp engine adapter: a supervised worker process driven over HTTP with httpx."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import httpx
import orjson

from modelport.engines.base import EngineSpec, EngineState
from modelport.engines.llamacpp.beam import beam_search
from modelport.engines.llamacpp.process import WorkerProcess
from modelport.engines.llamacpp.wire import (
    chunk_events,
    request_body,
    route_for,
    sampled_token_ids,
)
from modelport.errors import (
    ContextLengthExceeded,
    EngineFailed,
    EngineUnavailable,
    InvalidRequest,
    ModelportError,
)
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    InferenceRequest,
    RequestKind,
    TextDelta,
    Usage,
)

_DONE = object()


class LlamaCppEngine:
    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        self.worker = WorkerProcess(spec)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(spec.request_timeout, connect=5.0),
            limits=httpx.Limits(max_connections=spec.slots * 8, max_keepalive_connections=64),
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
        await self._client.aclose()

    def _ready_base(self) -> str:
        if self.worker.state is not EngineState.READY or self.worker.base_url is None:
            raise EngineUnavailable(
                f"the model engine of deployment {self.spec.deployment!r} is "
                f"{self.worker.state.value}; retry shortly",
                retry_after=2,
            )
        return self.worker.base_url

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.worker.api_key}"}

    async def count_tokens(self, text: str) -> int:
        base = self._ready_base()
        try:
            response = await self._client.post(
                f"{base}/tokenize", json={"content": text}, headers=self._headers()
            )
        except httpx.TransportError as exc:
            raise EngineUnavailable("the model engine is not reachable", retry_after=2) from exc
        response.raise_for_status()
        return len(response.json().get("tokens", []))

    async def tokenize(self, text: str, *, add_special: bool = True) -> list[int]:
        """Token ids of ``text`` (special tokens parsed), as the engine would feed them."""
        data = await self._post_json("/tokenize", {"content": text, "add_special": add_special})
        return [int(t) for t in data.get("tokens", [])]

    async def detokenize(self, tokens: list[int]) -> str:
        data = await self._post_json("/detokenize", {"tokens": tokens})
        return str(data.get("content", ""))

    async def prompt_text(self, request: InferenceRequest) -> str:
        """The prompt exactly as the engine sees it (chat requests through its template)."""
        if request.kind is RequestKind.COMPLETION:
            return request.prompt or ""
        body = request_body(request)
        data = await self._post_json(
            "/apply-template", {"messages": body["messages"], **_template_fields(body)}
        )
        return str(data.get("prompt", ""))

    async def _prompt_tokens(self, request: InferenceRequest) -> int:
        return len(await self.tokenize(await self.prompt_text(request)))

    async def eog_ids(self) -> set[int]:
        """Ids of the model's end-of-generation token (its ``eos_token``)."""
        base = self._ready_base()
        try:
            response = await self._client.get(f"{base}/props", headers=self._headers())
        except httpx.TransportError as exc:
            raise EngineUnavailable("the model engine is not reachable", retry_after=2) from exc
        eos = response.json().get("eos_token") if response.status_code == 200 else None
        return set(await self.tokenize(eos, add_special=False)) if eos else set()

    async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """One non-streamed call to the engine's native API (used by beam search)."""
        return await self._post_json(path, body)

    async def _post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        base = self._ready_base()
        try:
            response = await self._client.post(
                base + path, content=orjson.dumps(body), headers=self._headers()
            )
        except httpx.TransportError as exc:
            raise EngineUnavailable("the model engine is not reachable", retry_after=2) from exc
        if response.status_code != 200:
            raise await _engine_error(response)
        data = orjson.loads(response.content)
        if not isinstance(data, dict):
            raise EngineFailed(f"the model engine answered {path} with an unexpected body")
        return data

    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        if request.sampling.use_beam_search:
            async for event in beam_search(self, request):
                yield event
            return
        n = max(1, request.sampling.n)
        if n == 1:
            async for event in self._one(request, 0):
                yield event
            return
        async for event in self._fan_out(request, n):
            yield event

    async def _fan_out(self, request: InferenceRequest, n: int) -> AsyncIterator[Event]:
        """``n`` choices as ``n`` concurrent engine calls merged into one stream. The prompt is
        counted once (it is the same prompt); completion tokens of every choice are summed."""
        queue: asyncio.Queue[Any] = asyncio.Queue()

        async def pump(i: int) -> None:
            try:
                async for event in self._one(request, i):
                    if isinstance(event, Usage) and i > 0:
                        event = Usage(0, event.completion_tokens)
                    await queue.put(event)
            except BaseException as exc:
                await queue.put(exc)
                raise
            finally:
                await queue.put(_DONE)

        tasks = [asyncio.create_task(pump(i)) for i in range(n)]
        try:
            remaining = n
            while remaining:
                item = await queue.get()
                if item is _DONE:
                    remaining -= 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    yield item
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task

    async def _one(self, request: InferenceRequest, index: int) -> AsyncIterator[Event]:
        base = self._ready_base()
        body = request_body(request, seed_offset=index)
        url = base + route_for(request)
        try:
            async with self._client.stream(
                "POST", url, content=orjson.dumps(body), headers=self._headers()
            ) as response:
                if response.status_code != 200:
                    raise await _engine_error(response)
                stop_ids = set(request.sampling.stop_token_ids)
                generated = 0
                async for line in response.aiter_lines():
                    if not line.startswith("data: "):
                        continue
                    payload = line[6:]
                    if payload == "[DONE]":
                        break
                    chunk = orjson.loads(payload)
                    if "error" in chunk:
                        raise EngineFailed(_error_message(chunk["error"]))
                    events = chunk_events(chunk, index)
                    if stop_ids:
                        sampled = sampled_token_ids(chunk)
                        generated += len(sampled)
                        if stop_ids.intersection(sampled):
                            # llama.cpp has no stop-token-id option: stop here (leaving the
                            # stream cancels the generation), keeping the stop token's text.
                            for event in events:
                                if isinstance(event, TextDelta):
                                    yield event
                            yield ChoiceEnd(index, FinishReason.STOP)
                            prompt = await self._prompt_tokens(request) if index == 0 else 0
                            yield Usage(prompt, generated)
                            return
                    for event in events:
                        yield event
        except httpx.TransportError as exc:
            raise EngineUnavailable(
                "the model engine stopped answering; retry shortly", retry_after=2
            ) from exc


def _template_fields(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in ("tools", "tool_choice") if k in body}


def _error_message(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error.get("type") or "engine error")
    return str(error)


async def _engine_error(response: httpx.Response) -> ModelportError:
    raw = await response.aread()
    try:
        message = _error_message(orjson.loads(raw).get("error"))
    except (orjson.JSONDecodeError, AttributeError):
        message = raw.decode(errors="replace")[:200]
    if response.status_code == 400:
        if "context" in message and ("exceed" in message or "size" in message):
            return ContextLengthExceeded(f"the request does not fit the model's context: {message}")
        return InvalidRequest(message)
    if response.status_code == 503:
        return EngineUnavailable("the model engine is loading; retry shortly", retry_after=2)
    return EngineFailed(f"the model engine failed ({response.status_code}): {message}")


class LlamaCppEngineFactory:
    """Entry point ``modelport.engines: llamacpp``."""

    name = "llamacpp"

    def __call__(self, spec: EngineSpec) -> LlamaCppEngine:
        return LlamaCppEngine(spec)
