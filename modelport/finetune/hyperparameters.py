"""A fine-tuning job's hyper-parameters: the request's values (or "auto") made concrete and
checked, with the OpenAI API's defaults and bounds."""

from __future__ import annotations

from modelport.dialects.openai.fine_tuning import HyperparametersIn, LoraIn
from modelport.domain.fine_tuning import (
    BASE_LEARNING_RATE,
    DEFAULT_TARGET_MODULES,
    Hyperparameters,
)
from modelport.errors import InvalidRequest

DEFAULT_EPOCHS = 3
# Embedding and output layers: PEFT adapts them differently (lora_embedding_A/B), and their
# GGUF adapter layout differs; not offered.
NOT_ADAPTABLE = frozenset({"embed_tokens", "lm_head", "wte", "word_embeddings"})


def resolve_hyperparameters(
    examples: int,
    top: HyperparametersIn | None,
    method_hp: HyperparametersIn | None,
    lora: LoraIn | None,
) -> Hyperparameters:
    hp = method_hp or top or HyperparametersIn()
    epochs = DEFAULT_EPOCHS if hp.n_epochs == "auto" else hp.n_epochs
    batch = max(1, min(8, examples // 10)) if hp.batch_size == "auto" else hp.batch_size
    if not 1 <= epochs <= 50:
        raise InvalidRequest("n_epochs must be between 1 and 50", param="n_epochs")
    if not 1 <= batch <= 256:
        raise InvalidRequest("batch_size must be between 1 and 256", param="batch_size")
    if hp.learning_rate is not None:
        rate = hp.learning_rate
    elif hp.learning_rate_multiplier == "auto":
        rate = BASE_LEARNING_RATE
    elif 0 < hp.learning_rate_multiplier <= 100:
        rate = BASE_LEARNING_RATE * hp.learning_rate_multiplier
    else:
        raise InvalidRequest(
            "learning_rate_multiplier must be above 0 and at most 100",
            param="learning_rate_multiplier",
        )
    lora = lora or LoraIn()
    unsupported = sorted(set(lora.target_modules or ()) & NOT_ADAPTABLE)
    if unsupported:
        raise InvalidRequest(
            f"LoRA on {', '.join(unsupported)} is not supported (the GGUF adapter llama.cpp "
            "loads covers linear projections): choose attention, MLP or Mamba projections",
            param="target_modules",
        )
    return Hyperparameters(
        n_epochs=epochs,
        batch_size=batch,
        learning_rate=rate,
        lora_rank=lora.rank,
        lora_alpha=lora.alpha if lora.alpha is not None else 2.0 * lora.rank,
        lora_dropout=lora.dropout,
        target_modules=tuple(lora.target_modules or DEFAULT_TARGET_MODULES),
        checkpoint_steps=hp.checkpoint_steps or 0,
    )
