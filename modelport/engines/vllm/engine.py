"""The vLLM engine adapter: ``vllm serve`` run by the shared supervisor (its own process group,
so tensor-parallel workers stop with it), driven over its OpenAI routes."""

from __future__ import annotations

import secrets

from modelport.domain.replicas import Resources
from modelport.engines.base import EngineSpec
from modelport.engines.openai_wire import Wire
from modelport.engines.spawned import EngineServer, SpawnedEngine
from modelport.engines.supervisor import (
    Backoff,
    KillPolicy,
    ProcessPlan,
    ServesModelProbe,
    engine_env,
)
from modelport.engines.vllm.config import VllmConfig, build_command


def server_plan(spec: EngineSpec, config: VllmConfig) -> ProcessPlan:
    """vLLM's OpenAI server on a port of ours; its key in ``VLLM_API_KEY`` (never in argv), the
    model card's environment and the operator's ``VLLM_*`` tuning in an otherwise minimal
    environment; ready once it lists the served model."""
    api_key = secrets.token_urlsafe(24)
    env = engine_env({**config.env, "VLLM_API_KEY": api_key}, prefixes=("VLLM_",))
    return ProcessPlan(
        label="vLLM",
        command=lambda port: build_command(config, host="127.0.0.1", port=port),
        bind=lambda host, port: build_command(config, host=host, port=port),
        resources=Resources(cpus=1.0, gpus=float(config.tensor_parallel_size)),
        probe=ServesModelProbe(config.served_model_name),
        env=env,
        api_key=api_key,
        start_timeout=spec.start_timeout,
        backoff=Backoff(spec.restart_backoff, spec.restart_backoff_max),
        kill=KillPolicy(spec.kill_grace),
    )


class VllmEngine(SpawnedEngine):
    """``server``: drive a vLLM server a runtime placed elsewhere instead of spawning one."""

    def __init__(self, spec: EngineSpec, server: EngineServer | None = None) -> None:
        self.config = VllmConfig.from_dict(spec.config)
        super().__init__(
            spec,
            server_plan(spec, self.config) if server is None else None,
            wire=Wire.VLLM,
            model=self.config.served_model_name,
            tokenize="vllm",
            max_connections=256,
            server=server,
        )

    def describe(self) -> dict[str, object]:
        return {
            **super().describe(),
            "model": self.config.served_model_name,
            "tensor_parallel_size": self.config.tensor_parallel_size,
            "quantization": self.config.quantization,
        }
