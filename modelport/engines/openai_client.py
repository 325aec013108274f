"""Driving an OpenAI-compatible inference server over HTTP: streamed generation (with ``n``
fanned out as concurrent calls), token counting, and the server's errors mapped onto ours.

Used by the llama.cpp worker engine, the vLLM engine and the bring-your-own engine; what differs
between them (where the server is, its key, the name it serves the model under, the fields it
takes beyond OpenAI's (its :class:`~modelport.engines.openai_wire.Wire`), the shape of its
``/tokenize`` route) is passed in.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any, Literal, Protocol

import httpx
import orjson

from modelport.engines.base import engine_unavailable
from modelport.engines.http import EngineHTTPError, EnginePool, EngineResponse
from modelport.engines.openai_wire import (
    Wire,
    chunk_events,
    refuse_unsupported,
    request_body,
    route_for,
    sampled_token_ids,
)
from modelport.errors import (
    ContextLengthExceeded,
    EngineFailed,
    EngineTimedOut,
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

TokenizeStyle = Literal["llamacpp", "vllm"]
_DONE = object()


class OpenAICompatClient:
    """``base_url`` is called per request: it returns the server's base URL while the server is
    ready and raises ``EngineUnavailable`` otherwise."""

    def __init__(
        self,
        base_url: Callable[[], str],
        *,
        wire: Wire,
        api_key: str | None,
        model: str | None = None,
        tokenize: TokenizeStyle = "llamacpp",
        request_timeout: float = 600.0,
        max_connections: int = 32,
    ) -> None:
        self._base_url = base_url
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.wire = wire
        self.model = model
        self.tokenize_style: TokenizeStyle = tokenize
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(request_timeout, connect=5.0),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=64),
        )
        self.request_timeout = request_timeout
        self.max_connections = max_connections
        # Generation streams go through the lean client (one pool per server address; a
        # restarted engine listens elsewhere); https servers through httpx.
        self._pools: dict[str, EnginePool] = {}

    async def aclose(self) -> None:
        await self.http.aclose()
        for pool in self._pools.values():
            pool.close_idle()
        self._pools.clear()

    def _pool(self, base: str) -> EnginePool | None:
        pool = self._pools.get(base)
        if pool is None and base.startswith("http://"):
            for stale in self._pools.values():  # the server moved (restarted): drop the old
                stale.close_idle()
            self._pools.clear()
            pool = self._pools[base] = EnginePool(
                base, max_connections=self.max_connections, read_timeout=self.request_timeout
            )
        return pool

    async def count_tokens(self, text: str) -> int:
        base = self._base_url()
        body: dict[str, Any] = (
            {"content": text} if self.tokenize_style == "llamacpp" else {"prompt": text}
        )
        if self.model is not None and self.tokenize_style == "vllm":
            body["model"] = self.model
        try:
            response = await self.http.post(f"{base}/tokenize", json=body, headers=self._headers)
        except httpx.TransportError as exc:
            raise engine_unavailable() from exc
        if response.status_code != 200:
            raise await engine_error(response)
        data = response.json()
        if isinstance(data.get("count"), int):
            return int(data["count"])
        return len(data.get("tokens", []))

    async def count_prompt_tokens(self, request: InferenceRequest) -> int:
        """Tokens the engine will process for this prompt, chat template included."""
        base = self._base_url()
        try:
            if self.tokenize_style == "vllm":
                body: dict[str, Any] = {"model": self.model}
                if request.kind is RequestKind.CHAT:
                    chat = request_body(request, self.wire)
                    body["messages"] = chat["messages"]
                else:
                    body["prompt"] = request.prompt or ""
                response = await self.http.post(
                    f"{base}/tokenize", json=body, headers=self._headers
                )
            else:
                if request.kind is RequestKind.CHAT:
                    chat = request_body(request, self.wire)
                    chat.pop("stream", None)
                    chat.pop("stream_options", None)
                    rendered = await self.http.post(
                        f"{base}/apply-template", content=orjson.dumps(chat), headers=self._headers
                    )
                    if rendered.status_code != 200:
                        raise await engine_error(rendered)
                    prompt = str(rendered.json().get("prompt", ""))
                else:
                    prompt = request.prompt or ""
                response = await self.http.post(
                    f"{base}/tokenize",
                    content=orjson.dumps({"content": prompt, "add_special": True}),
                    headers=self._headers,
                )
        except httpx.TransportError as exc:
            raise engine_unavailable() from exc
        if response.status_code != 200:
            raise await engine_error(response)
        data = response.json()
        if isinstance(data.get("count"), int):
            return int(data["count"])
        return len(data.get("tokens", []))

    def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        n = max(1, request.sampling.n)
        return self._one(request, 0) if n == 1 else self._fan_out(request, n)

    async def _fan_out(self, request: InferenceRequest, n: int) -> AsyncGenerator[Event, None]:
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

    async def _open(self, base: str, path: str, content: bytes) -> _Stream:
        """Send a generation request; the response once its status line has arrived.

        llama.cpp's HTTP server closes a keep-alive connection after a few requests without
        always saying so; a request sent on it fails before any response byte, so the server
        never saw it and sending it again on a fresh connection is safe (both clients do).
        """
        pool = self._pool(base)
        if pool is not None:
            return _PooledStream(await pool.request("POST", path, content, self._headers))
        for attempt in range(3):
            request = self.http.build_request(
                "POST", base + path, content=content, headers=self._headers
            )
            try:
                return _HttpxStream(await self.http.send(request, stream=True))
            except httpx.RemoteProtocolError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _one(self, request: InferenceRequest, index: int) -> AsyncGenerator[Event, None]:
        # Engines refuse beam search before admission unless they run it themselves (before
        # calling this); sent from here, it would be sampled instead, silently.
        refuse_unsupported(request, self.wire)
        base = self._base_url()
        body = request_body(request, self.wire, seed_offset=index, model=self.model)
        try:
            response = await self._open(base, route_for(request), orjson.dumps(body))
        except (httpx.TimeoutException, EngineHTTPError) as exc:
            if isinstance(exc, httpx.TimeoutException) or exc.timeout:
                raise EngineTimedOut("the model engine did not answer in time") from exc
            raise engine_unavailable() from exc
        except httpx.TransportError as exc:
            raise engine_unavailable() from exc
        try:
            try:
                if response.status != 200:
                    raise error_of(response.status, await response.read())
                stop_ids = set(request.sampling.stop_token_ids)
                generated = 0
                async for payload in _sse_payloads(response):
                    if payload == b"[DONE]":
                        # Read the body's end, so that the connection can serve the next call.
                        await response.read()
                        break
                    chunk = orjson.loads(payload)
                    if "error" in chunk:
                        raise EngineFailed(_error_message(chunk["error"]))
                    events = chunk_events(chunk, index)
                    if stop_ids:
                        sampled = sampled_token_ids(chunk)
                        generated += len(sampled)
                        if stop_ids.intersection(sampled):
                            # No engine option stops on token ids: stop here (leaving the
                            # stream cancels the generation), keeping the stop token's text.
                            for event in events:
                                if isinstance(event, TextDelta):
                                    yield event
                            yield ChoiceEnd(index, FinishReason.STOP)
                            prompt = await self.count_prompt_tokens(request) if index == 0 else 0
                            yield Usage(prompt, generated)
                            return
                    for event in events:
                        yield event
            finally:
                await response.aclose()
        except (httpx.TimeoutException, EngineHTTPError) as exc:
            if isinstance(exc, httpx.TimeoutException) or exc.timeout:
                raise EngineTimedOut("the model engine stopped answering while generating") from exc
            raise EngineFailed("the model engine failed while generating") from exc
        except httpx.TransportError as exc:
            # The engine accepted the request and went away while generating (it crashed or
            # was stopped): a failure of this request, not "retry shortly".
            raise EngineFailed("the model engine failed while generating") from exc


class _Stream(Protocol):
    """A generation response: its status, its raw body as it arrives."""

    @property
    def status(self) -> int: ...

    def iter_raw(self) -> AsyncIterator[bytes]: ...

    async def read(self) -> bytes: ...

    async def aclose(self) -> None: ...


class _PooledStream:
    def __init__(self, response: EngineResponse) -> None:
        self.response = response
        self.status = response.status

    def iter_raw(self) -> AsyncIterator[bytes]:
        return self.response.iter_raw()

    async def read(self) -> bytes:
        return await self.response.read()

    async def aclose(self) -> None:
        await self.response.aclose()


class _HttpxStream:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.status = response.status_code

    def iter_raw(self) -> AsyncIterator[bytes]:
        return self.response.aiter_raw()

    async def read(self) -> bytes:
        return await self.response.aread()

    async def aclose(self) -> None:
        await self.response.aclose()


async def _sse_payloads(response: _Stream) -> AsyncIterator[bytes]:
    """The ``data:`` payloads of an SSE body, split on raw bytes (no text decoding per chunk)."""
    buffer = b""
    async for raw in response.iter_raw():
        buffer += raw
        while True:
            end = buffer.find(b"\n")
            if end < 0:
                break
            line, buffer = buffer[:end].rstrip(b"\r"), buffer[end + 1 :]
            if line.startswith(b"data: "):
                yield line[6:]
    if buffer.startswith(b"data: "):
        yield buffer[6:].rstrip()


def _error_message(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error.get("type") or "engine error")
    return str(error)


async def engine_error(response: httpx.Response) -> ModelportError:
    return error_of(response.status_code, await response.aread())


def error_of(status: int, raw: bytes) -> ModelportError:
    """The engine's error answer as an error of the tree."""
    try:
        data = orjson.loads(raw)
        # llama.cpp and OpenAI nest the error; vLLM's older servers put "message" at the top.
        message = _error_message(data.get("error") or data)
    except (orjson.JSONDecodeError, AttributeError):
        message = raw.decode(errors="replace")[:200]
    if status == 400:
        lowered = message.lower()
        if "context" in lowered and ("exceed" in lowered or "size" in lowered):
            return ContextLengthExceeded(f"the request does not fit the model's context: {message}")
        if "maximum context length" in lowered or "max_model_len" in lowered:
            return ContextLengthExceeded(f"the request does not fit the model's context: {message}")
        return InvalidRequest(message)
    if status == 503:
        return engine_unavailable()
    return EngineFailed(f"the model engine failed ({status}): {message}")
