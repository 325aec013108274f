"""Catalog hardware requirements, checked before a deployment's engine is started."""

from __future__ import annotations

from collections.abc import Callable

from modelport.domain.catalog import Offer
from modelport.engines.base import EngineStartError
from modelport.engines.gpus import Gpu, detect_gpus
from modelport.engines.vllm.config import MISSING_VLLM, config_for, vllm_launcher

EXTERNAL = "openai_compat"  # brings its own hardware


def check_hardware(
    offer: Offer,
    engine_name: str,
    *,
    gpus: Callable[[], list[Gpu]] = detect_gpus,
    launcher: Callable[[], list[str] | None] = vllm_launcher,
) -> None:
    """Raise EngineStartError saying what is missing when ``offer`` cannot run on
    ``engine_name`` on this machine. A bring-your-own engine runs elsewhere: nothing to check."""
    if engine_name == EXTERNAL:
        return
    if engine_name not in offer.engines:
        raise EngineStartError(
            f"{offer.id} runs on the engines {list(offer.engines)}, not on {engine_name!r} "
            f"(or attach a server you run with the {EXTERNAL} engine)"
        )
    if engine_name == "vllm":
        if launcher() is None:
            raise EngineStartError(MISSING_VLLM)
        config_for(offer, gpus(), model=offer.weights.hub_repo or offer.id)
    elif offer.hardware.gpus:
        found = gpus()
        fitting = [g for g in found if g.has_memory_gb(offer.hardware.gpu_memory_gb)]
        if len(fitting) < offer.hardware.gpus:
            raise EngineStartError(
                f"{offer.id} needs {offer.hardware.gpus} GPU(s) with "
                f"{offer.hardware.gpu_memory_gb} GB each ({offer.hardware.summary}); "
                f"this machine has {len(found)} NVIDIA GPU(s)"
            )
