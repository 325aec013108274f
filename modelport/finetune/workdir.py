"""A fine-tuning job's directory, as its worker process reads it: the training and validation
examples (one JSON object per line, already checked) and the job's configuration (base weights,
chat template, hyper-parameters, threads and device)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from modelport.domain.catalog import Offer
from modelport.domain.fine_tuning import FineTuningJob
from modelport.errors import OfferNotDeployable
from modelport.finetune import protocol
from modelport.finetune.dataset import examples_as_json, parse_training_file
from modelport.models.formats import get_format
from modelport.models.gguf_meta import GGUFError, read_gguf_info
from modelport.models.weights import WeightsUnavailable, resolve_weights, store_path
from modelport.settings import Settings


@dataclass(frozen=True, slots=True)
class BaseWeights:
    """Where the base model is: a GGUF file (and the cache of its dequantised copy) or a
    Hugging Face checkpoint directory; the chat template the examples are rendered with."""

    gguf: Path | None
    cache_dir: Path | None
    hf_dir: Path | None
    chat_template: str | None


def base_files(offer: Offer, model_store: Path) -> tuple[Path | None, Path | None]:
    """The base's GGUF file and its pulled hub checkpoint (either may be missing, not both):
    the worker trains on the checkpoint when there is one, else on the GGUF dequantized; the
    GGUF adapter needs the GGUF's tensor names."""
    hub_dir = store_path(model_store, offer)
    checkpoint = hub_dir if (hub_dir / "config.json").is_file() else None
    try:
        return resolve_weights(offer, model_store), checkpoint
    except WeightsUnavailable as exc:
        if checkpoint is None:
            raise OfferNotDeployable(str(exc), param="model") from exc
        return None, checkpoint


def base_weights(
    offer: Offer, model_store: Path, cache_of: Callable[[str, Path], Path]
) -> BaseWeights:
    """Where the job's base model is, with the chat template its examples are rendered with
    (the GGUF's own, else the offer's chat format's); ``cache_of(offer id, gguf)`` is where a
    dequantized copy of the GGUF is kept."""
    gguf, checkpoint = base_files(offer, model_store)
    try:
        template = read_gguf_info(gguf).chat_template if gguf is not None else None
    except (GGUFError, OSError) as exc:
        raise ValueError(f"cannot read the weights file {gguf}: {exc}") from exc
    if not template and offer.chat_format:
        template = get_format(offer.chat_format).jinja_template()
    return BaseWeights(
        gguf=gguf,
        cache_dir=cache_of(offer.id, gguf) if gguf else None,
        hf_dir=checkpoint,
        chat_template=template,
    )


def write_job_dir(
    job_dir: Path,
    job: FineTuningJob,
    offer: Offer,
    *,
    train: bytes,
    validation: bytes | None,
    base: BaseWeights,
    settings: Settings,
) -> None:
    for name, content in ((protocol.TRAIN_DATA, train), (protocol.VALIDATION_DATA, validation)):
        examples = parse_training_file(content) if content is not None else []
        lines = b"".join(orjson.dumps(e) + b"\n" for e in examples_as_json(examples))
        (job_dir / name).write_bytes(lines)
    config = {
        "job_id": job.id,
        "fine_tuned_model": job.fine_tuned_model,
        "seed": job.seed,
        "hyperparameters": job.hyperparameters.as_json(),
        "base": {
            "gguf": str(base.gguf) if base.gguf else None,
            "cache_dir": str(base.cache_dir) if base.cache_dir else None,
            "hf_dir": str(base.hf_dir) if base.hf_dir else None,
            "chat_template": base.chat_template,
        },
        "default_system_prompt": offer.default_system_prompt,
        "threads": settings.finetune_threads,
        "device": settings.finetune_device,
        "qlora": settings.finetune_qlora,
        "max_tokens": min(settings.finetune_max_example_tokens, offer.context_length),
    }
    (job_dir / protocol.JOB_CONFIG).write_bytes(orjson.dumps(config))
