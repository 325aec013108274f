"""Format registry and the choice between a model's template and its catalog format."""

from __future__ import annotations

import pytest

from modelport.inference.types import Message, ToolCall
from modelport.models.formats import (
    ChatMLFormat,
    JambaFormat,
    Llama2Format,
    Llama3Format,
    ParsedOutput,
    TemplateFormat,
    format_names,
    get_format,
    select_format,
    sequential_ids,
)

SIMPLE_TEMPLATE = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"


def test_names() -> None:
    assert format_names() == ("jamba-1.5", "llama-3", "llama-2", "chatml")
    assert isinstance(get_format("jamba-1.5"), JambaFormat)
    assert isinstance(get_format("llama-3"), Llama3Format)
    assert isinstance(get_format("llama-2"), Llama2Format)
    assert isinstance(get_format("chatml"), ChatMLFormat)
    assert get_format("chatml") is not get_format("chatml")


def test_unknown_name() -> None:
    with pytest.raises(LookupError, match="llama-3"):
        get_format("mistral")


def test_id_factory_is_passed_on() -> None:
    jamba = get_format("jamba-1.5", id_factory=sequential_ids("t"))
    parsed = jamba.parse_output('<tool_calls>[{"name": "f", "arguments": {}}]</tool_calls>')
    assert parsed == ParsedOutput(None, (ToolCall("t0", "f", "{}"),))


def test_model_template_wins_over_catalog_format() -> None:
    chosen = select_format(SIMPLE_TEMPLATE, "jamba-1.5", bos_token="B", eos_token="E")
    assert isinstance(chosen, TemplateFormat)
    assert isinstance(chosen.family, JambaFormat)
    assert chosen.bos_token == "B"
    assert chosen.stop_sequences == ("<|eom|>",)
    assert chosen.render([Message("user", "hi")]) == "<user>hi"


def test_model_template_without_catalog_format() -> None:
    chosen = select_format(SIMPLE_TEMPLATE, None, eos_token="E")
    assert isinstance(chosen, TemplateFormat)
    assert chosen.family is None
    assert chosen.stop_sequences == ("E",)


@pytest.mark.parametrize("template", [None, "", "  \n"])
def test_catalog_format_when_model_has_no_template(template: str | None) -> None:
    assert isinstance(select_format(template, "llama-3"), Llama3Format)


def test_neither() -> None:
    with pytest.raises(LookupError):
        select_format(None, None)
    with pytest.raises(LookupError):
        select_format(SIMPLE_TEMPLATE, "no-such-format")
