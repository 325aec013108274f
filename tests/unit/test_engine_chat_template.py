"""Which chat template a deployment's engine gets: the model's own when its weights carry one,
otherwise the Jinja template of the catalog's named prompt format."""

from __future__ import annotations

import pytest

from modelport.domain.catalog import Catalog, Offer, builtin_offers_dir
from modelport.engines.base import EngineStartError
from modelport.models.formats import get_format
from modelport.models.templates import engine_chat_template

OWN = "{% for m in messages %}{{ m['content'] }}{% endfor %}"


def _offer(offer_id: str) -> Offer:
    offer = Catalog.load(builtin_offers_dir()).get(offer_id)
    assert offer is not None
    return offer


def test_the_models_own_template_wins() -> None:
    assert engine_chat_template(_offer("Meta-Llama-3-8B-Instruct"), OWN) == OWN


@pytest.mark.parametrize(
    ("offer_id", "fmt"),
    [
        ("Meta-Llama-3-8B-Instruct", "llama-3"),
        ("Llama-2-7b-chat", "llama-2"),
        ("jamba-1.5-mini", "jamba-1.5"),
        ("smollm2-135m-instruct", "chatml"),
    ],
)
@pytest.mark.parametrize("model_template", [None, "", "  \n"])
def test_without_one_the_catalog_format_is_used(
    offer_id: str, fmt: str, model_template: str | None
) -> None:
    template = engine_chat_template(_offer(offer_id), model_template)
    assert template == get_format(fmt).jinja_template()


def test_neither_is_a_clear_start_error() -> None:
    base = _offer("Meta-Llama-3-8B")  # a base model: completions only, no chat format
    assert base.chat_format is None and engine_chat_template(base, None) == ""
    offer = _offer("Meta-Llama-3-8B-Instruct").model_copy(update={"chat_format": None})
    with pytest.raises(EngineStartError, match=r"no chat template.*names no prompt format"):
        engine_chat_template(offer, None)
    unknown = offer.model_copy(update={"chat_format": "vicuna"})
    with pytest.raises(EngineStartError, match="unknown prompt format 'vicuna'"):
        engine_chat_template(unknown, None)
