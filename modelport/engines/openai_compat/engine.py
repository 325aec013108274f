"""Bring-your-own engine: a deployment attached to an OpenAI-compatible server that someone else
runs (a vLLM or llama.cpp server on a GPU box, TGI, ...), by URL and optional API key.

Modelport does not supervise the server. ``start`` checks that it answers ``/v1/models`` (and
serves the configured model, or picks the one it serves), and finds out how it counts tokens;
afterwards an unreachable server makes requests fail with 503 until it is back.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from pathlib import Path

import httpx

from modelport.engines.base import EngineSpec, EngineStartError, EngineState, engine_unavailable
from modelport.engines.openai_client import OpenAICompatClient, TokenizeStyle
from modelport.errors import EngineFailed
from modelport.inference.types import Event, InferenceRequest

URL = "openai_compat.url"
API_KEY = "openai_compat.api_key"
MODEL = "openai_compat.model"


def external_spec(
    deployment: str,
    url: str,
    *,
    api_key: str | None = None,
    model: str | None = None,
    start_timeout: float = 30.0,
    request_timeout: float = 600.0,
) -> EngineSpec:
    """The spec the deployment service passes to the ``openai_compat`` factory. ``url`` is the
    server's base URL without ``/v1``; ``model`` the name it serves (default: its only model)."""
    if not url.startswith(("http://", "https://")):
        raise EngineStartError(f"the engine URL must be http(s)://..., got {url!r}")
    extra = {URL: url.rstrip("/").removesuffix("/v1")}
    if api_key:
        extra[API_KEY] = api_key
    if model:
        extra[MODEL] = model
    return EngineSpec(
        deployment=deployment,
        model_path=Path(),
        chat_template="",
        start_timeout=start_timeout,
        request_timeout=request_timeout,
        extra=extra,
    )


class ExternalEngine:
    def __init__(self, spec: EngineSpec) -> None:
        if URL not in spec.extra:
            raise EngineStartError(f"deployment {spec.deployment!r} names no engine URL")
        self.spec = spec
        self.url = spec.extra[URL]
        self._api_key = spec.extra.get(API_KEY)
        self._state = EngineState.STOPPED
        self._error: str | None = None
        self._tokenize: TokenizeStyle | None = None
        self.client = OpenAICompatClient(
            self._ready_base,
            api_key=self._api_key,
            model=spec.extra.get(MODEL),
            request_timeout=spec.request_timeout,
            max_connections=256,
        )

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
            served = [str(m["id"]) for m in response.json().get("data", [])]
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


class ExternalEngineFactory:
    """Entry point ``modelport.engines: openai_compat``; the spec comes from
    :func:`external_spec`."""

    name = "openai_compat"

    def __call__(self, spec: EngineSpec) -> ExternalEngine:
        return ExternalEngine(spec)
