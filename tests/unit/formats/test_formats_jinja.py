"""Each named format's Jinja template (given to engines when a model's weights carry none)
renders exactly what the format's Python renderer renders, for conversations without tools."""

from __future__ import annotations

import pytest

from modelport.inference.types import Message
from modelport.models.formats import PromptFormatError, TemplateFormat, format_names, get_format

SYSTEM = Message(role="system", content="You are a helpful assistant.")
USER = Message(role="user", content="What is the capital of France?")
ANSWER = Message(role="assistant", content=" Paris. \n")
FOLLOW_UP = Message(role="user", content="  And of Italy?  ")

CONVERSATIONS = {
    "system+user": [SYSTEM, USER],
    "user only": [USER],
    "multi-turn": [SYSTEM, USER, ANSWER, FOLLOW_UP],
    "multi-turn without system": [USER, ANSWER, FOLLOW_UP],
    "empty content": [SYSTEM, Message(role="user", content="")],
    "multiline": [Message(role="user", content="line one\nline two\n\n- a list item")],
    "ends with the assistant": [SYSTEM, USER, ANSWER],
}


def _as_template(name: str) -> TemplateFormat:
    template = get_format(name).jinja_template()
    assert template
    return TemplateFormat(template, family=get_format(name))


@pytest.mark.parametrize("name", format_names())
@pytest.mark.parametrize("conversation", list(CONVERSATIONS))
@pytest.mark.parametrize("generation_prompt", [True, False])
def test_jinja_template_renders_what_the_python_renderer_renders(
    name: str, conversation: str, generation_prompt: bool
) -> None:
    messages = CONVERSATIONS[conversation]
    expected = get_format(name).render(messages, add_generation_prompt=generation_prompt)
    rendered = _as_template(name).render(messages, add_generation_prompt=generation_prompt)
    assert rendered == expected


def test_the_templates_render_the_expected_text() -> None:
    """The exact strings, written out (the shapes the model families were trained on)."""
    messages = [SYSTEM, USER]
    assert _as_template("chatml").render(messages) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
    )
    assert _as_template("jamba-1.5").render(messages[1:]) == (
        "<|startoftext|><|bom|><|system|> <|eom|>"
        "<|bom|><|user|> What is the capital of France?<|eom|><|bom|><|assistant|>"
    )
    assert _as_template("llama-3").render(messages) == (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        "You are a helpful assistant.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    assert _as_template("llama-2").render(messages) == (
        "<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\n"
        "What is the capital of France? [/INST]"
    )


def test_jamba_template_renders_a_message_name() -> None:
    named = [SYSTEM, Message(role="user", content="Hi", name="ada")]
    expected = get_format("jamba-1.5").render(named)
    assert "<|user|> (ada)Hi<|eom|>" in expected
    assert _as_template("jamba-1.5").render(named) == expected


@pytest.mark.parametrize(
    "messages",
    [[SYSTEM], [SYSTEM, ANSWER], [USER, USER]],
    ids=["no user", "assistant first", "two users"],
)
def test_llama2_template_refuses_what_the_renderer_refuses(messages: list[Message]) -> None:
    with pytest.raises(PromptFormatError):
        get_format("llama-2").render(messages)
    with pytest.raises(PromptFormatError):
        _as_template("llama-2").render(messages)


def test_a_model_template_is_its_own_jinja_template() -> None:
    source = get_format("chatml").jinja_template()
    assert source is not None
    assert TemplateFormat(source).jinja_template() == source
