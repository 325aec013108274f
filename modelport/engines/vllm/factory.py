"""The vLLM engine plug-in (entry point ``modelport.engines: vllm``): vLLM's OpenAI server on this
machine's GPUs, with the model card's settings (:mod:`.config`).

- Availability: vLLM installed (``vllm`` on PATH, an importable ``vllm``, or the launcher in the
  engine's settings), GPUs that hold the model at one of its card's settings, and the hub weights
  on this machine (``modelport models pull OFFER --engine vllm``, or the offer's ``local_path``).
- Weights: the catalog's ``hub_repo`` (safetensors, config and tokenizer files).
- Options: ``context`` (at most what the card's setting allows on these GPUs).
- Operator settings (``MODELPORT_ENGINE_SETTINGS='{"vllm": {...}}'``): ``launcher``, ``gpus``
  (when ``nvidia-smi`` cannot see them), ``env`` (extra environment of the server),
  ``start_timeout`` (loading a large model takes minutes).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from modelport.domain.catalog import Offer
from modelport.domain.replicas import Endpoint
from modelport.engines.base import Engine, EngineSpec, EngineStartError
from modelport.engines.gpus import Gpu
from modelport.engines.host import EngineHost
from modelport.engines.plugin import EngineCheck, EngineOptions, HubWeights, started
from modelport.engines.spawned import ReplicaServer
from modelport.engines.supervisor import ProcessPlan
from modelport.engines.vllm.config import MISSING_VLLM, VllmConfig, config_for, vllm_launcher
from modelport.engines.vllm.engine import VllmEngine, server_plan
from modelport.models.weights import WeightsUnavailable

SUBDIR = "hf"  # the offer's hub snapshot inside its model store directory
FILES = ("*.json", "*.safetensors", "*.bin", "tokenizer*", "*.model", "*.tiktoken", "*.jinja")


class VllmOptions(EngineOptions):
    pass


class DeclaredGpu(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    memory_mib: int = Field(gt=0)


class VllmSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    launcher: list[str] | None = Field(None, min_length=1)
    gpus: list[DeclaredGpu] | None = None
    env: dict[str, str] = Field(default_factory=dict)
    start_timeout: float = Field(1800.0, gt=0)


class VllmEngineFactory:
    name = "vllm"
    label = "vLLM"
    attaches = False
    options = VllmOptions
    settings = VllmSettings

    def _settings(self, host: EngineHost) -> VllmSettings:
        return host.settings_for(self.name, VllmSettings)

    def _gpus(self, host: EngineHost) -> list[Gpu]:
        declared = self._settings(host).gpus
        if declared is not None:
            return [Gpu(i, g.name, g.memory_mib) for i, g in enumerate(declared)]
        return host.gpus()

    def _launcher(self, host: EngineHost) -> list[str] | None:
        return self._settings(host).launcher or vllm_launcher()

    @staticmethod
    def local_model(offer: Offer, host: EngineHost) -> Path | None:
        """The offer's hub weights on this machine: pulled into the store, or its local path."""
        candidates = [host.model_store / offer.id / SUBDIR]
        if offer.weights.local_path:
            candidates.append(Path(offer.weights.local_path).expanduser())
        for directory in candidates:
            if (directory / "config.json").is_file():
                return directory
        return None

    def availability(self, offer: Offer, host: EngineHost) -> EngineCheck:
        missing: list[str] = []
        if self._launcher(host) is None:
            missing.append(MISSING_VLLM)
        try:
            config_for(offer, self._gpus(host), model=offer.id)
        except EngineStartError as exc:
            missing.append(str(exc))
        weights_missing = self.local_model(offer, host) is None
        if weights_missing:
            missing.append(self._no_weights(offer))
        return EngineCheck(self.name, tuple(missing), weights_missing)

    @staticmethod
    def _no_weights(offer: Offer) -> str:
        if offer.weights.hub_repo:
            return (
                f"the hub weights of {offer.id!r} are not on this machine: run `modelport "
                f"models pull {offer.id} --engine vllm` ({offer.weights.hub_repo})"
            )
        return (
            f"{offer.id!r} names no hub weights: point its local_path (in a catalog override) "
            "at a directory with the model's config.json and safetensors"
        )

    def weights(self, offer: Offer) -> HubWeights:
        if not offer.weights.hub_repo:
            raise WeightsUnavailable(self._no_weights(offer))
        return HubWeights(
            repo=offer.weights.hub_repo,
            revision=offer.weights.hub_revision,
            include=FILES,
            exclude=("original/*",),
            subdir=SUBDIR,
            gated=offer.weights.gated,
        )

    def spec(
        self, deployment: str, offer: Offer, options: EngineOptions, host: EngineHost
    ) -> EngineSpec:
        settings = self._settings(host)
        launcher = self._launcher(host)
        if launcher is None:
            raise EngineStartError(MISSING_VLLM)
        model = self.local_model(offer, host)
        if model is None:
            raise EngineStartError(self._no_weights(offer))
        config = config_for(offer, self._gpus(host), model=str(model))
        limit = config.max_model_len or offer.context_length
        if options.context is not None:
            if options.context > limit:
                raise EngineStartError(
                    f"a context of {options.context} tokens is more than vLLM can give "
                    f"{offer.id} on these GPUs ({limit})"
                )
            limit = options.context
        config = replace(
            config,
            max_model_len=limit,
            launcher=tuple(launcher),
            env={**config.env, **settings.env},
        )
        return EngineSpec(
            deployment=deployment,
            engine=self.name,
            model=str(model),
            context=limit,
            start_timeout=host.timeout(settings.start_timeout),
            restart_backoff=host.restart_backoff,
            restart_backoff_max=host.restart_backoff_max,
            kill_grace=max(host.kill_grace, 30.0),  # its workers free GPU memory on SIGTERM
            request_timeout=host.request_timeout,
            config=VllmConfig.to_dict(config),
        )

    async def start(self, spec: EngineSpec) -> Engine:
        return await started(VllmEngine(spec))

    def process(self, spec: EngineSpec) -> ProcessPlan:
        return server_plan(spec, VllmConfig.from_dict(spec.config))

    def connect(self, spec: EngineSpec, endpoint: Endpoint) -> Engine:
        return VllmEngine(spec, server=ReplicaServer(endpoint))
