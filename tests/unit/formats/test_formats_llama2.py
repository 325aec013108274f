"""Llama 2 chat rendering; expected prompts written out by hand from Meta's format."""

from __future__ import annotations

import pytest

from modelport.inference.types import Document, Message, ToolCall, ToolSpec
from modelport.models.formats import Llama2Format, ParsedOutput, PromptFormatError


@pytest.fixture
def llama2() -> Llama2Format:
    return Llama2Format()


def test_attributes(llama2: Llama2Format) -> None:
    assert llama2.name == "llama-2"
    assert llama2.bos_token == "<s>"
    assert llama2.stop_sequences == ("</s>",)
    assert not llama2.supports_tools
    assert not llama2.supports_json_knob


def test_system_folded_into_first_user_turn(llama2: Llama2Format) -> None:
    prompt = llama2.render(
        [
            Message("system", "You are a helpful assistant."),
            Message("user", "Hi"),
            Message("assistant", " Hello! "),
            Message("user", "What is the capital of France?"),
        ]
    )
    assert prompt == (
        "<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nHi [/INST]"
        " Hello! </s>"
        "<s>[INST] What is the capital of France? [/INST]"
    )


def test_no_system_no_sys_block(llama2: Llama2Format) -> None:
    prompt = llama2.render([Message("user", "Hi")])
    assert prompt == "<s>[INST] Hi [/INST]"


def test_generation_prompt_flag_changes_nothing(llama2: Llama2Format) -> None:
    messages = [Message("user", "Hi"), Message("assistant", "Hello")]
    expected = "<s>[INST] Hi [/INST] Hello </s>"
    assert llama2.render(messages) == expected
    assert llama2.render(messages, add_generation_prompt=False) == expected


def test_documents_join_the_system_block(llama2: Llama2Format) -> None:
    prompt = llama2.render(
        [Message("system", "Use the documents."), Message("user", "Who?")],
        documents=[Document("Rowling wrote it.")],
    )
    assert prompt == (
        "<s>[INST] <<SYS>>\nUse the documents.\n\n"
        "# Documents\n\n"
        "You can use the following documents for reference:\n\n"
        "## Document ID: 0\n"
        "Text: Rowling wrote it.\n"
        "<</SYS>>\n\nWho? [/INST]"
    )


@pytest.mark.parametrize(
    "messages",
    [
        [Message("user", "a"), Message("user", "b")],
        [Message("assistant", "a")],
        [Message("system", "a"), Message("system", "b"), Message("user", "c")],
        [Message("system", "only")],
        [],
    ],
)
def test_bad_role_sequences_are_rejected(llama2: Llama2Format, messages: list[Message]) -> None:
    with pytest.raises(PromptFormatError):
        llama2.render(messages)


def test_tools_are_rejected(llama2: Llama2Format) -> None:
    with pytest.raises(PromptFormatError) as info:
        llama2.render([Message("user", "Hi")], tools=[ToolSpec("f")])
    assert info.value.param == "tools"
    assert info.value.status == 400
    with pytest.raises(PromptFormatError):
        llama2.render(
            [
                Message("user", "Hi"),
                Message("assistant", None, tool_calls=(ToolCall("c", "f", "{}"),)),
            ]
        )


def test_parse_is_content_only(llama2: Llama2Format) -> None:
    assert llama2.parse_output(" Paris.") == ParsedOutput(" Paris.")
    assert llama2.parse_output("") == ParsedOutput(None)
