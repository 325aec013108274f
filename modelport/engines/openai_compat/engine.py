"""Bring-your-own engine: a deployment attached to an OpenAI-compatible server that someone else
runs (a vLLM or llama.cpp server on a GPU box, TGI, ...), by URL and optional API key.

Modelport does not supervise the server. ``start`` checks that it answers ``/v1/models`` (and
serves the configured model, or picks the one it serves), finds out how it counts tokens and,
unless the deployment sets one, the context the server gives a request; afterwards an unreachable
server makes requests fail with 503 until it is back. Requests go out in the server's declared
wire (OpenAI's standard fields unless the operator declares llama.cpp's or vLLM's); one that
needs more than that wire carries is refused before it is admitted. The spec comes from
:mod:`modelport.engines.openai_compat.factory`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator

import httpx

from modelport.domain.replicas import Endpoint
from modelport.engines.base import EngineSpec, EngineStartError, EngineState, engine_unavailable
from modelport.engines.openai_client import OpenAICompatClient, TokenizeStyle
from modelport.engines.openai_wire import Wire, bound_extra, refuse_unsupported
from modelport.errors import EngineFailed
from modelport.inference.types import Event, InferenceRequest


class ExternalEngine:
    def __init__(self, spec: EngineSpec) -> None:
        url = spec.config.get("url")
        if not isinstance(url, str) or not url:
            raise EngineStartError(f"deployment {spec.deployment!r} names no engine URL")
        self.spec = spec
        self.url = url
        self._api_key = spec.secret
        self._state = EngineState.STOPPED
        self._error: str | None = None
        self._tokenize: TokenizeStyle | None = None
        self._context = spec.context
        self.client = OpenAICompatClient(
            self._ready_base,
            wire=Wire(spec.config.get("wire", Wire.OPENAI)),
            api_key=self._api_key,
            model=spec.model or None,
            request_timeout=spec.request_timeout,
            max_connections=256,
        )

    @property
    def context(self) -> int:
        return self._context

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.url, self._api_key or "")

    @property
    def state(self) -> EngineState:
        return self._state

    @property
    def last_error(self) -> str | None:
        return self._error

    def describe(self) -> dict[str, object]:
        return {
            "state": self._state.value,
            "url": self.url,
            "model": self.client.model,
            "wire": self.client.wire.value,
            "context": self._context,
            "last_error": self._error,
        }

    async def start(self) -> None:
        self._state = EngineState.STARTING
        try:
            await self._attach()
        except EngineStartError as exc:
            self._state, self._error = EngineState.FAILED, str(exc)
            raise
        self._state, self._error = EngineState.READY, None

    async def _attach(self) -> None:
        http = self.client.http
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            response = await http.get(
                f"{self.url}/v1/models", headers=headers, timeout=self.spec.start_timeout
            )
        except httpx.HTTPError as exc:
            raise EngineStartError(
                f"cannot reach the engine at {self.url} ({type(exc).__name__}); is it running?"
            ) from exc
        if response.status_code in (401, 403):
            raise EngineStartError(f"the engine at {self.url} refused the API key")
        if response.status_code != 200:
            raise EngineStartError(
                f"the engine at {self.url} answered {response.status_code} to /v1/models"
            )
        try:
            listed = response.json().get("data", [])
            served = [str(m["id"]) for m in listed]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EngineStartError(f"{self.url}/v1/models is not an OpenAI model list") from exc
        if self.client.model is None:
            if len(served) != 1:
                raise EngineStartError(
                    f"the engine at {self.url} serves {served or 'no models'}; name one"
                )
            self.client.model = served[0]
        elif self.client.model not in served:
            raise EngineStartError(
                f"the engine at {self.url} does not serve {self.client.model!r} (it serves "
                f"{served})"
            )
        self._tokenize = await self._tokenize_style(headers)
        if not self.spec.config.get("context_given"):
            found = await self._server_context(listed, headers)
            if found:
                self._context = min(self._context, found)

    async def _server_context(
        self, listed: list[dict[str, object]], headers: dict[str, str]
    ) -> int | None:
        """The context one request gets on the server: vLLM lists ``max_model_len`` with its
        models; llama.cpp tells its per-slot ``n_ctx`` in ``/props``."""
        for model in listed:
            length = model.get("max_model_len")
            if model.get("id") == self.client.model and isinstance(length, int) and length > 0:
                return length
        with contextlib.suppress(httpx.HTTPError, ValueError, AttributeError):
            response = await self.client.http.get(f"{self.url}/props", headers=headers, timeout=10)
            if response.status_code == 200:
                n_ctx = response.json().get("default_generation_settings", {}).get("n_ctx")
                if isinstance(n_ctx, int) and n_ctx > 0:
                    return n_ctx
        return None

    async def _tokenize_style(self, headers: dict[str, str]) -> TokenizeStyle | None:
        """llama.cpp's ``/tokenize`` takes ``content``; vLLM's takes ``prompt`` and ``model``."""
        probes: list[tuple[TokenizeStyle, dict[str, str]]] = [
            ("llamacpp", {"content": "hello"}),
            ("vllm", {"prompt": "hello", "model": self.client.model or ""}),
        ]
        for style, body in probes:
            with contextlib.suppress(httpx.HTTPError, ValueError):
                response = await self.client.http.post(
                    f"{self.url}/tokenize", json=body, headers=headers, timeout=10
                )
                data = response.json() if response.status_code == 200 else {}
                if isinstance(data, dict) and isinstance(data.get("tokens"), list):
                    return style
        return None

    async def stop(self) -> None:
        self._state = EngineState.STOPPED
        await self.client.aclose()

    def bound_extra(self, request: InferenceRequest) -> InferenceRequest:
        # Beam search needs llama.cpp's native API on a worker of ours, even on the llamacpp wire.
        refuse_unsupported(request, self.client.wire, beam_search=False)
        return bound_extra(request)

    def _ready_base(self) -> str:
        if self._state is not EngineState.READY:
            raise engine_unavailable()
        return self.url

    async def count_tokens(self, text: str) -> int:
        if self._tokenize is None:
            raise EngineFailed(f"the engine at {self.url} cannot count tokens (no /tokenize)")
        self.client.tokenize_style = self._tokenize
        return await self.client.count_tokens(text)

    async def count_prompt_tokens(self, request: InferenceRequest) -> int:
        if self._tokenize is None:
            # No tokenizer on that server: reserve a conservative estimate (~3 characters a
            # token); billing still uses the usage the engine reports.
            text = request.prompt or "".join(m.content or "" for m in request.messages)
            return len(text) // 3 + 8 * len(request.messages) + 1
        self.client.tokenize_style = self._tokenize
        return await self.client.count_prompt_tokens(request)

    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        async for event in self.client.generate(request):
            yield event
