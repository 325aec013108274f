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
    else:
        # The catalog's options for this engine say what it needs; without options, the
        # offer-wide minimum applies.
        options = [o for o in offer.hardware.options if o.engine == engine_name]
        needs = [(o.gpus, o.gpu_memory_gb) for o in options] or [
            (offer.hardware.gpus, offer.hardware.gpu_memory_gb)
        ]
        if any(count == 0 for count, _ in needs):
            return
        count, memory = min(needs)
        found = gpus()
        fitting = [g for g in found if g.has_memory_gb(memory)]
        if len(fitting) < count:
            raise EngineStartError(
                f"{offer.id} needs {count} GPU(s) with {memory} GB each on {engine_name} "
                f"({offer.hardware.summary}); this machine has {len(found)} NVIDIA GPU(s)"
            )
