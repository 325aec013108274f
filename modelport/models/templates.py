"""The chat template an engine applies to a deployment's conversations."""

from __future__ import annotations

from modelport.domain.catalog import Offer, Task
from modelport.engines.base import EngineStartError
from modelport.models.formats import get_format


def engine_chat_template(offer: Offer, model_template: str | None) -> str:
    """The model's own template when its weights carry one, otherwise the Jinja template of the
    catalog's named prompt format (``chat_format``); none for a completions-only (base) model."""
    if model_template is not None and model_template.strip():
        return model_template
    try:
        fmt = get_format(offer.chat_format) if offer.chat_format else None
    except LookupError as exc:
        raise EngineStartError(f"the catalog entry of {offer.id!r}: {exc}") from exc
    template = fmt.jinja_template() if fmt is not None else None
    if not template and offer.task is Task.TEXT_COMPLETION:
        return ""  # a base model serves completions: no chat template needed
    if not template:
        raise EngineStartError(
            f"the weights of {offer.id!r} carry no chat template and the catalog names no "
            "prompt format (chat_format) to use instead"
        )
    return template
