"""A model's own Jinja chat template, rendered in the sandbox."""

from __future__ import annotations

import pytest

from modelport.inference.types import Document, Message, ResponseFormat, ToolCall, ToolSpec
from modelport.models.formats import (
    ChatMLFormat,
    ChatTemplateError,
    JambaFormat,
    ParsedOutput,
    PromptFormatError,
    TemplateFormat,
    sequential_ids,
)

# SmolLM2-135M-Instruct's chat template, as shipped in its tokenizer_config.json / GGUF.
SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
    "Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + "
    "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)

CONVERSATION = [
    Message("system", "You are a helpful assistant."),
    Message("user", "What is the capital of France?"),
    Message("assistant", "The capital of France is Paris."),
    Message("user", "And of Italy?"),
]


def test_smollm2_template_matches_chatml_renderer() -> None:
    template = TemplateFormat(SMOLLM2_TEMPLATE)
    expected = (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
        "<|im_start|>assistant\nThe capital of France is Paris.<|im_end|>\n"
        "<|im_start|>user\nAnd of Italy?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert template.render(CONVERSATION) == expected
    assert ChatMLFormat().render(CONVERSATION) == expected
    assert template.render(CONVERSATION, add_generation_prompt=False) == ChatMLFormat().render(
        CONVERSATION, add_generation_prompt=False
    )


def test_smollm2_template_inserts_its_default_system_message() -> None:
    prompt = TemplateFormat(SMOLLM2_TEMPLATE).render([Message("user", "Hi")])
    assert prompt == (
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
        "<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )


def test_template_variables() -> None:
    source = (
        "{{ bos_token }}{% for m in messages %}[{{ m.role }}"
        "{% if m.name is defined %}:{{ m.name }}{% endif %}]{{ m.content }}"
        "{% if 'tool_calls' in m %}{% for c in m.tool_calls %}"
        "<{{ c.id }} {{ c.function.name }} {{ c.function.arguments | tojson }}>"
        "{% endfor %}{% endif %}"
        "{% if m.tool_call_id is defined %}({{ m.tool_call_id }}){% endif %}{% endfor %}"
        "{% if tools is not none %}{% for t in tools %}{{ t | tojson }}{% endfor %}{% endif %}"
        "{% if documents is not none %}{% for d in documents %}{{ d | tojson }}{% endfor %}"
        "{% endif %}{% if knobs is defined %}{{ knobs | tojson }}{% endif %}"
        "{% if add_generation_prompt %}{{ eos_token }}{% endif %}{{ today }}"
    )
    template = TemplateFormat(
        source,
        family=JambaFormat(),
        bos_token="<s>",
        eos_token="</s>",
        extra_context={"today": "!"},
    )
    assert template.supports_tools
    assert template.supports_json_knob
    prompt = template.render(
        [
            Message("user", "Caf\u00e9 <b>?", name="al"),
            Message("assistant", None, tool_calls=(ToolCall("c1", "f", '{"x": 1}'),)),
            Message("tool", "ok", tool_call_id="c1"),
        ],
        tools=[ToolSpec("f", "Does f", {"type": "object"})],
        documents=[Document("Body", id="d1", metadata=(("title", "T"), ("text", "ignored")))],
        response_format=ResponseFormat(type="json_object"),
    )
    assert prompt == (
        '<s>[user:al]Caf\u00e9 <b>?[assistant]<c1 f {"x": 1}>[tool]ok(c1)'
        '{"type": "function", "function": {"name": "f", "description": "Does f", '
        '"parameters": {"type": "object"}}}'
        '{"title": "T", "text": "Body"}'
        '{"response_format": "json_object", "is_set": true}'
        "</s>!"
    )


def test_empty_tools_and_documents_are_none_and_no_knobs() -> None:
    source = "{{ tools is none }} {{ documents is none }} {{ knobs is defined }}"
    assert TemplateFormat(source).render([Message("user", "x")]) == "True True False"


def test_documents_fold_into_system_message_when_template_ignores_them() -> None:
    template = TemplateFormat(SMOLLM2_TEMPLATE)
    assert template.supports_documents
    prompt = template.render([Message("user", "Q")], documents=[Document("D")])
    assert prompt == (
        "<|im_start|>system\n# Documents\n\nYou can use the following documents for reference:"
        "\n\n## Document ID: 0\nText: D<|im_end|>\n"
        "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n"
    )


def test_raise_exception_is_a_bad_request() -> None:
    source = "{% if messages[0].role != 'user' %}{{ raise_exception('user first!') }}{% endif %}"
    with pytest.raises(PromptFormatError, match="user first!"):
        TemplateFormat(source).render([Message("assistant", "x")])


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ messages.append(1) }}",
        "{% set d = {} %}{{ d.update(a=1) }}",
        "{{ raise_exception.__globals__['__builtins__'] }}",
    ],
)
def test_sandbox_rejects_unsafe_access(source: str) -> None:
    with pytest.raises(ChatTemplateError, match="unsafe"):
        TemplateFormat(source).render([Message("user", "x")])


def test_invalid_template_fails_at_construction() -> None:
    with pytest.raises(ChatTemplateError):
        TemplateFormat("{% for message in messages %}")


def test_render_errors_become_chat_template_errors() -> None:
    with pytest.raises(ChatTemplateError):
        TemplateFormat("{{ messages[0]['content'] + 1 }}").render([Message("user", "x")])


def test_without_family_tools_are_refused_and_output_is_content() -> None:
    template = TemplateFormat("{% for t in tools %}{% endfor %}", eos_token="<|im_end|>")
    assert not template.supports_tools
    assert template.stop_sequences == ("<|im_end|>",)
    with pytest.raises(PromptFormatError):
        template.render([Message("user", "x")], tools=[ToolSpec("f")])
    output = '<tool_calls>[{"name": "f", "arguments": {}}]</tool_calls>'
    assert template.parse_output(output) == ParsedOutput(output)


def test_family_parses_output_and_gives_stop_sequences() -> None:
    template = TemplateFormat(
        SMOLLM2_TEMPLATE, family=JambaFormat(id_factory=sequential_ids("id-"))
    )
    assert template.stop_sequences == ("<|eom|>",)
    assert template.tool_call_marker == "<tool_calls>"
    assert not template.supports_tools  # this template does not render tools
    parsed = template.parse_output('<tool_calls>[{"name": "f", "arguments": {}}]</tool_calls>')
    assert parsed == ParsedOutput(None, (ToolCall("id-0", "f", "{}"),))
    assert TemplateFormat(SMOLLM2_TEMPLATE, stop_sequences=["x"]).stop_sequences == ("x",)
