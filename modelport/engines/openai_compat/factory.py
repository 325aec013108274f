"""The bring-your-own engine plug-in (entry point ``modelport.engines: openai_compat``): a
serverless deployment whose engine is an OpenAI-compatible server someone already runs (vLLM on a
GPU box, another llama.cpp, TGI ...), attached by URL.

It ``attaches``: only the platform operator may deploy with it, and it is never picked by default.
The URL is validated (http or https, a host, no credentials, no query); the server's key is an
option typed ``SecretStr``, so the control plane stores it encrypted and never shows it again.
``wire`` declares what the server takes beyond OpenAI's standard fields (see docs/engines.md).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from modelport.domain.catalog import Offer
from modelport.engines.base import Engine, EngineSpec
from modelport.engines.host import EngineHost
from modelport.engines.openai_compat.engine import ExternalEngine
from modelport.engines.openai_wire import Wire
from modelport.engines.plugin import (
    EngineCheck,
    EngineOptions,
    HubWeights,
    NoSettings,
    started,
)
from modelport.models.weights import WeightsUnavailable

START_TIMEOUT = 30.0


def normalize_url(value: str) -> str:
    """``http(s)://host[:port][/path]`` without a trailing ``/`` or ``/v1``; ValueError (whose
    message never repeats the URL, which may hold credentials) otherwise."""
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError("the engine URL is not a valid URL") from exc
    if parts.scheme not in ("http", "https"):
        raise ValueError("the engine URL must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "the engine URL must not carry credentials (user:password@); give the server's key "
            "as the engine key instead"
        )
    if not parts.hostname:
        raise ValueError("the engine URL names no host")
    if parts.query or parts.fragment:
        raise ValueError("the engine URL must not have a query or a fragment")
    path = parts.path.rstrip("/").removesuffix("/v1")
    return f"{parts.scheme}://{parts.netloc}{path}"


class OpenAICompatOptions(EngineOptions):
    url: str = Field(
        description="Base URL of the server (http(s)://host:port, with or without /v1)."
    )
    api_key: SecretStr | None = Field(None, description="The server's API key (stored encrypted).")
    model: str | None = Field(
        None, min_length=1, description="The model name the server serves (default: its only one)."
    )
    wire: Wire = Field(
        Wire.OPENAI,
        description="What the server takes beyond OpenAI's standard fields: openai (nothing: "
        "top_k and ignore_eos are refused, JSON mode is response_format), llamacpp or vllm "
        "(their sampling extensions, and JSON mode in their own form).",
    )

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        return normalize_url(value)


class ExternalEngineFactory:
    name = "openai_compat"
    label = "OpenAI-compatible server"
    attaches = True
    options = OpenAICompatOptions
    settings = NoSettings

    def availability(self, offer: Offer, host: EngineHost) -> EngineCheck:
        return EngineCheck(self.name)  # it brings its own hardware and weights

    def weights(self, offer: Offer) -> HubWeights:
        raise WeightsUnavailable(
            "an attached server loads its own weights: nothing to pull on this machine"
        )

    def spec(
        self, deployment: str, offer: Offer, options: EngineOptions, host: EngineHost
    ) -> EngineSpec:
        assert isinstance(options, OpenAICompatOptions)
        return EngineSpec(
            deployment=deployment,
            engine=self.name,
            model=options.model or "",
            context=options.context or offer.context_length,
            start_timeout=host.timeout(START_TIMEOUT),
            request_timeout=host.request_timeout,
            config={
                "url": options.url,
                "context_given": options.context is not None,
                "wire": options.wire.value,
            },
            secret=options.api_key.get_secret_value() if options.api_key else None,
        )

    async def start(self, spec: EngineSpec) -> Engine:
        return await started(ExternalEngine(spec))
