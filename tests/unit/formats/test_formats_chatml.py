"""ChatML (SmolLM2) rendering; expected prompts written out by hand."""

from __future__ import annotations

import pytest

from modelport.inference.types import Document, Message, ToolSpec
from modelport.models.formats import ChatMLFormat, ParsedOutput, PromptFormatError


@pytest.fixture
def chatml() -> ChatMLFormat:
    return ChatMLFormat()


def test_attributes(chatml: ChatMLFormat) -> None:
    assert chatml.name == "chatml"
    assert chatml.bos_token == ""
    assert chatml.stop_sequences == ("<|im_end|>",)
    assert not chatml.supports_tools


def test_system_and_multi_turn(chatml: ChatMLFormat) -> None:
    prompt = chatml.render(
        [
            Message("system", "You are a helpful assistant."),
            Message("user", "Hi"),
            Message("assistant", "Hello!"),
            Message("user", "What is the capital of France?"),
        ]
    )
    assert prompt == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello!<|im_end|>\n"
        "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


def test_no_default_system_message(chatml: ChatMLFormat) -> None:
    prompt = chatml.render([Message("user", "Hi")], add_generation_prompt=False)
    assert prompt == "<|im_start|>user\nHi<|im_end|>\n"


def test_documents_create_a_system_message(chatml: ChatMLFormat) -> None:
    prompt = chatml.render(
        [Message("user", "Capital?")],
        documents=[Document("Paris.", metadata=(("title", "France"), ("url", "https://x")))],
    )
    assert prompt == (
        "<|im_start|>system\n"
        "# Documents\n\n"
        "You can use the following documents for reference:\n\n"
        "## Document ID: 0\n"
        "Title: France\n"
        "Url: https://x\n"
        "Text: Paris.<|im_end|>\n"
        "<|im_start|>user\nCapital?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


def test_tools_and_tool_results_are_rejected(chatml: ChatMLFormat) -> None:
    with pytest.raises(PromptFormatError):
        chatml.render([Message("user", "Hi")], tools=[ToolSpec("f")])
    with pytest.raises(PromptFormatError):
        chatml.render([Message("user", "Hi"), Message("tool", "x", tool_call_id="c")])


def test_parse_is_content_only(chatml: ChatMLFormat) -> None:
    assert chatml.parse_output("The capital of France is Paris.") == ParsedOutput(
        "The capital of France is Paris."
    )
    assert chatml.parse_output("\n") == ParsedOutput(None)
