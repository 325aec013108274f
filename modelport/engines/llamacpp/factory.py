"""The llama.cpp engine plug-in (entry point ``modelport.engines: llamacpp``): runs a GGUF file on
the CPU in a supervised worker process.

- Availability: the ``xllamacpp`` package, and the offer's GGUF file on this machine (installed
  package, local path, or the model store: ``modelport models pull|import``).
- Weights: the catalog's ``gguf_repo``/``gguf_file`` (one file of a GGUF repo).
- Options: ``context``, ``slots``, ``threads``.
- Spec: the GGUF's own chat template (or the catalog format's), its architecture checked against
  the offer's, and a context that is the model's own unless memory says otherwise
  (:mod:`.memory`).
"""

from __future__ import annotations

import importlib.util

from pydantic import Field

from modelport.domain.catalog import Offer
from modelport.domain.replicas import Endpoint
from modelport.engines.base import Engine, EngineSpec, EngineStartError
from modelport.engines.host import EngineHost
from modelport.engines.llamacpp.engine import LlamaCppEngine, worker_plan
from modelport.engines.llamacpp.memory import fit_context, memory_needs
from modelport.engines.plugin import (
    EngineCheck,
    EngineOptions,
    HubWeights,
    NoSettings,
    started,
)
from modelport.engines.spawned import ReplicaServer
from modelport.engines.supervisor import ProcessPlan
from modelport.models.gguf_meta import GGUFError, read_gguf_info
from modelport.models.templates import engine_chat_template
from modelport.models.weights import (
    WeightsUnavailable,
    check_architecture,
    resolve_weights,
)

START_TIMEOUT = 120.0


class LlamaCppOptions(EngineOptions):
    slots: int | None = Field(None, ge=1, le=64, description="Requests served in parallel.")
    threads: int | None = Field(None, ge=1, le=256, description="CPU threads of the engine.")


class LlamaCppEngineFactory:
    name = "llamacpp"
    label = "llama.cpp"
    attaches = False
    options = LlamaCppOptions
    settings = NoSettings

    def availability(self, offer: Offer, host: EngineHost) -> EngineCheck:
        missing: list[str] = []
        if importlib.util.find_spec("xllamacpp") is None:
            missing.append(
                "the llama.cpp engine's package xllamacpp is not installed (reinstall modelport)"
            )
        weights_missing = False
        try:
            resolve_weights(offer, host.model_store)
        except WeightsUnavailable as exc:
            missing.append(str(exc))
            weights_missing = True
        return EngineCheck(self.name, tuple(missing), weights_missing)

    def weights(self, offer: Offer) -> HubWeights:
        source = offer.weights
        if source.gguf_repo and source.gguf_file:
            return HubWeights(repo=source.gguf_repo, files=(source.gguf_file,))
        if source.package:
            raise WeightsUnavailable(
                f"the GGUF weights of {offer.id!r} ship in the Python package "
                f"{source.package!r}: install it instead of pulling"
            )
        raise WeightsUnavailable(
            f"no GGUF conversion of {offer.id!r} is published in the catalog: convert its hub "
            "weights with llama.cpp's convert_hf_to_gguf.py and register the file with "
            f"`modelport models import {offer.id} FILE`"
        )

    def spec(
        self, deployment: str, offer: Offer, options: EngineOptions, host: EngineHost
    ) -> EngineSpec:
        assert isinstance(options, LlamaCppOptions)
        try:
            path = resolve_weights(offer, host.model_store)
        except WeightsUnavailable as exc:
            raise EngineStartError(str(exc)) from exc
        try:
            info = read_gguf_info(path)
        except (GGUFError, OSError) as exc:
            raise EngineStartError(f"cannot read the weights file {path.name}: {exc}") from exc
        try:
            check_architecture(offer, info.architecture, path.name)
        except WeightsUnavailable as exc:
            raise EngineStartError(str(exc)) from exc
        template = engine_chat_template(offer, info.chat_template)
        slots = options.slots or host.slots
        own = info.context_length or offer.context_length
        if options.context is not None and options.context > own:
            raise EngineStartError(
                f"a context of {options.context} tokens is more than the model's own ({own})"
            )
        wanted = options.context or min(own, host.context_cap or own)
        needs = memory_needs(path, info)
        context = fit_context(
            needs,
            wanted=wanted,
            explicit=options.context is not None,
            slots=slots,
            available=host.memory_available(),
            fraction=host.memory_fraction,
        )
        return EngineSpec(
            deployment=deployment,
            engine=self.name,
            model=str(path),
            context=context,
            slots=slots,
            threads=options.threads or host.threads,
            chat_template=template,
            start_timeout=host.timeout(START_TIMEOUT),
            restart_backoff=host.restart_backoff,
            restart_backoff_max=host.restart_backoff_max,
            kill_grace=host.kill_grace,
            request_timeout=host.request_timeout,
            # What a runtime reserves for one replica (a Ray actor's memory).
            config={"memory_bytes": needs.total(context, slots)} if needs is not None else {},
        )

    async def start(self, spec: EngineSpec) -> Engine:
        return await started(LlamaCppEngine(spec))

    def process(self, spec: EngineSpec) -> ProcessPlan:
        return worker_plan(spec)

    def connect(self, spec: EngineSpec, endpoint: Endpoint) -> Engine:
        return LlamaCppEngine(spec, server=ReplicaServer(endpoint))
