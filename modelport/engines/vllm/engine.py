"""The vLLM engine adapter: ``vllm serve`` supervised as a local process, driven over its OpenAI
routes. It starts only where vLLM and enough GPUs are present; otherwise ``start`` fails at once
saying what is missing."""

from __future__ import annotations

import secrets
from collections.abc import AsyncGenerator, Callable

from modelport.engines.base import EngineSpec, EngineStartError, EngineState, engine_unavailable
from modelport.engines.gpus import Gpu, detect_gpus
from modelport.engines.openai_client import OpenAICompatClient
from modelport.engines.supervised import SupervisedServer
from modelport.engines.vllm.config import (
    MISSING_VLLM,
    VllmConfig,
    build_command,
    build_env,
    vllm_launcher,
)
from modelport.inference.types import Event, InferenceRequest


def check_vllm_host(config: VllmConfig, gpus: list[Gpu], launcher: list[str] | None) -> list[str]:
    """The launcher, if this machine can run ``config``; EngineStartError saying what is missing
    otherwise."""
    if launcher is None:
        raise EngineStartError(MISSING_VLLM)
    fitting = [g for g in gpus if g.has_memory_gb(config.gpu_memory_gb)]
    if len(fitting) < config.tensor_parallel_size:
        found = ", ".join(f"{g.name} ({g.memory_mib} MiB)" for g in gpus) or "no NVIDIA GPU"
        each = f" with {config.gpu_memory_gb} GB each" if config.gpu_memory_gb else ""
        raise EngineStartError(
            f"vLLM needs {config.tensor_parallel_size} GPU(s){each} for this deployment "
            f"(tensor parallel size {config.tensor_parallel_size}); nvidia-smi reports: {found}"
        )
    return launcher


class VllmEngine:
    def __init__(
        self,
        spec: EngineSpec,
        *,
        gpus: Callable[[], list[Gpu]] = detect_gpus,
        launcher: Callable[[], list[str] | None] = vllm_launcher,
    ) -> None:
        self.spec = spec
        self.config = VllmConfig.from_extra(spec.extra)
        self._gpus = gpus
        self._launcher = launcher
        self.api_key = secrets.token_urlsafe(24)
        self.server: SupervisedServer | None = None
        self.client = OpenAICompatClient(
            self._ready_base,
            api_key=self.api_key,
            model=self.config.served_model_name,
            tokenize="vllm",
            request_timeout=spec.request_timeout,
            max_connections=256,
        )
        self._state = EngineState.STOPPED
        self._error: str | None = None

    @property
    def state(self) -> EngineState:
        return self.server.state if self.server else self._state

    @property
    def last_error(self) -> str | None:
        return self.server.last_error if self.server else self._error

    def describe(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "pid": self.server.pid if self.server else None,
            "restarts": self.server.restarts if self.server else 0,
            "last_error": self.last_error,
            "model": self.config.served_model_name,
            "tensor_parallel_size": self.config.tensor_parallel_size,
            "quantization": self.config.quantization,
        }

    async def start(self) -> None:
        try:
            launcher = check_vllm_host(self.config, self._gpus(), self._launcher())
        except EngineStartError as exc:
            self._state, self._error = EngineState.FAILED, str(exc)
            raise
        self.server = SupervisedServer(
            self.spec.deployment,
            lambda port: build_command(self.config, launcher, host="127.0.0.1", port=port),
            build_env(self.config, self.api_key),
            api_key=self.api_key,
            model=self.config.served_model_name,
            start_timeout=self.spec.start_timeout,
            restart_backoff=self.spec.restart_backoff,
        )
        await self.server.start()

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
        self._state = EngineState.STOPPED
        await self.client.aclose()

    def _ready_base(self) -> str:
        server = self.server
        if server is None or server.state is not EngineState.READY or server.base_url is None:
            raise engine_unavailable()
        return server.base_url

    async def count_tokens(self, text: str) -> int:
        return await self.client.count_tokens(text)

    async def count_prompt_tokens(self, request: InferenceRequest) -> int:
        return await self.client.count_prompt_tokens(request)

    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        async for event in self.client.generate(request):
            yield event


class VllmEngineFactory:
    """Entry point ``modelport.engines: vllm``. The spec comes from
    :func:`modelport.engines.vllm.config.vllm_spec`."""

    name = "vllm"

    def __call__(self, spec: EngineSpec) -> VllmEngine:
        return VllmEngine(spec)
