"""Llama 3 instruct rendering (with Llama 3.1 JSON tool calling) and tool-call parsing.

Expected prompts are written out by hand from Meta's prompt-format documentation and chat
templates, not computed by the code under test.
"""

from __future__ import annotations

import pytest

from modelport.inference.types import Document, Message, ToolCall, ToolSpec
from modelport.models.formats import Llama3Format, ParsedOutput, sequential_ids

WEATHER = ToolSpec(
    name="get_weather",
    description="Get the weather in a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}},
)

SYSTEM_WITH_TOOLS = (
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
    "Environment: ipython\n"
    "Cutting Knowledge Date: December 2023\n"
    "Today Date: 26 Jul 2024\n\n"
)

TOOLS_USER_PREFIX = """<|start_header_id|>user<|end_header_id|>

Given the following functions, please respond with a JSON for a function call with its proper \
arguments that best answers the given prompt.

Respond in the format {"name": function name, "parameters": dictionary of argument name and its \
value}.Do not use variables.

{
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {
                    "type": "string"
                }
            }
        }
    }
}

"""


@pytest.fixture
def llama() -> Llama3Format:
    return Llama3Format(id_factory=sequential_ids())


def test_attributes(llama: Llama3Format) -> None:
    assert llama.name == "llama-3"
    assert llama.bos_token == "<|begin_of_text|>"
    assert "<|eot_id|>" in llama.stop_sequences
    assert (llama.supports_tools, llama.supports_documents, llama.supports_json_knob) == (
        True,
        True,
        False,
    )


def test_system_and_multi_turn(llama: Llama3Format) -> None:
    prompt = llama.render(
        [
            Message("system", "You are a helpful assistant."),
            Message("user", "Hi! "),
            Message("assistant", "Hello, how can I help?"),
            Message("user", "What is the capital of France?"),
        ]
    )
    assert prompt == (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        "You are a helpful assistant.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nHello, how can I help?<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )


def test_no_system_turn_invented_and_no_generation_prompt(llama: Llama3Format) -> None:
    prompt = llama.render([Message("user", "Hi")], add_generation_prompt=False)
    assert prompt == ("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>")


def test_tools_go_in_first_user_message(llama: Llama3Format) -> None:
    prompt = llama.render(
        [Message("system", "Be brief."), Message("user", "Weather in Paris?")], tools=[WEATHER]
    )
    assert prompt == (
        SYSTEM_WITH_TOOLS
        + "Be brief.<|eot_id|>"
        + TOOLS_USER_PREFIX
        + "Weather in Paris?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )


def test_tool_call_and_ipython_result(llama: Llama3Format) -> None:
    prompt = llama.render(
        [
            Message("user", "Weather in Paris?"),
            Message(
                "assistant", None, tool_calls=(ToolCall("c1", "get_weather", '{"city":"Paris"}'),)
            ),
            Message("tool", '{"temperature": 18}', tool_call_id="c1"),
        ],
        tools=[WEATHER],
    )
    assert prompt == (
        SYSTEM_WITH_TOOLS + "<|eot_id|>" + TOOLS_USER_PREFIX + "Weather in Paris?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
        '{"name": "get_weather", "parameters": {"city": "Paris"}}<|eot_id|>'
        "<|start_header_id|>ipython<|end_header_id|>\n\n"
        '{"temperature": 18}<|eot_id|>'
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )


def test_several_calls_become_consecutive_turns_results_in_call_order(llama: Llama3Format) -> None:
    calls = (
        ToolCall("a", "get_weather", '{"city": "Paris"}'),
        ToolCall("b", "get_weather", '{"city": "Rome"}'),
    )
    prompt = llama.render(
        [
            Message("user", "Paris and Rome?"),
            Message("assistant", "Checking.", tool_calls=calls),
            Message("tool", "rome: 25", tool_call_id="b"),
            Message("tool", "paris: 18", tool_call_id="a"),
        ],
        tools=[WEATHER],
        add_generation_prompt=False,
    )
    assert prompt.endswith(
        "Paris and Rome?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nChecking.<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
        '{"name": "get_weather", "parameters": {"city": "Paris"}}<|eot_id|>'
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
        '{"name": "get_weather", "parameters": {"city": "Rome"}}<|eot_id|>'
        "<|start_header_id|>ipython<|end_header_id|>\n\nparis: 18<|eot_id|>"
        "<|start_header_id|>ipython<|end_header_id|>\n\nrome: 25<|eot_id|>"
    )


def test_tools_with_no_user_message_first_get_their_own_user_turn() -> None:
    prompt = Llama3Format(date_string="01 Jan 2025").render(
        [Message("assistant", "Hello.")], tools=[WEATHER], add_generation_prompt=False
    )
    assert prompt == (
        SYSTEM_WITH_TOOLS.replace("26 Jul 2024", "01 Jan 2025")
        + "<|eot_id|>"
        + TOOLS_USER_PREFIX
        + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
    )


def test_documents_in_system_message(llama: Llama3Format) -> None:
    documents = [Document("Paris is the capital of France.", metadata=(("title", "France"),))]
    prompt = llama.render([Message("user", "Capital?")], documents=documents)
    assert prompt == (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        "# Documents\n\n"
        "You can use the following documents for reference:\n\n"
        "## Document ID: 0\n"
        "Title: France\n"
        "Text: Paris is the capital of France.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nCapital?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )


# -- parsing -------------------------------------------------------------------------------


def test_parse_single_call(llama: Llama3Format) -> None:
    output = '{"name": "get_weather", "parameters": {"city": "Paris"}}'
    assert llama.parse_output(output, tools=[WEATHER]) == ParsedOutput(
        None, (ToolCall("call_0", "get_weather", '{"city": "Paris"}'),)
    )


def test_parse_python_tag_and_several_calls(llama: Llama3Format) -> None:
    output = (
        '<|python_tag|>{"name": "get_weather", "arguments": {"city": "Paris"}}; '
        '{"type": "function", "name": "get_weather", "parameters": {"city": "Rome"}}'
    )
    assert llama.parse_output(output) == ParsedOutput(
        None,
        (
            ToolCall("call_0", "get_weather", '{"city": "Paris"}'),
            ToolCall("call_1", "get_weather", '{"city": "Rome"}'),
        ),
    )


def test_parse_round_trip(llama: Llama3Format) -> None:
    call = ToolCall("call_0", "get_weather", '{"city": "S\u00e3o Paulo"}')
    prompt = llama.render(
        [Message("user", "Weather?"), Message("assistant", None, tool_calls=(call,))],
        tools=[WEATHER],
        add_generation_prompt=False,
    )
    generated = prompt.rsplit("<|end_header_id|>\n\n", 1)[1].removesuffix("<|eot_id|>")
    assert llama.parse_output(generated, tools=[WEATHER]) == ParsedOutput(None, (call,))


@pytest.mark.parametrize(
    ("output", "tools"),
    [
        ("The capital of France is Paris.", None),
        ('{"name": "get_weather", "parameters": {"city": "Paris"}', None),  # truncated JSON
        ('{"name": "Bob", "age": 3}', ()),  # JSON answer, no tools offered
        ('{"name": "unknown", "parameters": {}}', (WEATHER,)),  # not an offered tool
        ('{"name": "get_weather", "parameters": "x"} trailing words', None),
        ('Sure: {"name": "get_weather", "parameters": {}}', None),
    ],
)
def test_parse_non_calls_are_content(
    llama: Llama3Format, output: str, tools: tuple[ToolSpec, ...] | None
) -> None:
    assert llama.parse_output(output, tools=tools) == ParsedOutput(output)


def test_parse_empty_output(llama: Llama3Format) -> None:
    assert llama.parse_output("  ") == ParsedOutput(None)
