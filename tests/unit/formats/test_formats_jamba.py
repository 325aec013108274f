"""Jamba 1.5 prompt rendering and tool-call parsing.

Expected prompts are written out by hand from AI21's chat template (tokenizer_config.json of
AI21-Jamba-1.5-Mini) and the model card, not computed by the code under test.
"""

from __future__ import annotations

from typing import Literal

import pytest

from modelport.inference.types import Document, Message, ResponseFormat, ToolCall, ToolSpec
from modelport.models.formats import JambaFormat, ParsedOutput, sequential_ids

WEATHER = ToolSpec(
    name="get_current_weather",
    description="Get the current weather",
    parameters={
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
)

WEATHER_DEFINITIONS = """<tool_definitions>
# Tools

## Functions

{
  "name": "get_current_weather",
  "description": "Get the current weather",
  "parameters": {
    "type": "object",
    "properties": {
      "location": {
        "type": "string"
      }
    },
    "required": [
      "location"
    ]
  }
}
</tool_definitions>"""


@pytest.fixture
def jamba() -> JambaFormat:
    return JambaFormat(id_factory=sequential_ids())


def test_attributes(jamba: JambaFormat) -> None:
    assert jamba.name == "jamba-1.5"
    assert jamba.bos_token == "<|startoftext|>"
    assert jamba.stop_sequences == ("<|eom|>",)
    assert (jamba.supports_tools, jamba.supports_documents, jamba.supports_json_knob) == (
        True,
        True,
        True,
    )
    assert jamba.tool_call_marker == "<tool_calls>"


def test_system_and_user(jamba: JambaFormat) -> None:
    prompt = jamba.render(
        [
            Message("system", "You are a helpful assistant."),
            Message("user", "What is the capital of France?"),
        ]
    )
    assert prompt == (
        "<|startoftext|><|bom|><|system|> You are a helpful assistant.<|eom|>"
        "<|bom|><|user|> What is the capital of France?<|eom|><|bom|><|assistant|>"
    )


def test_empty_system_turn_when_no_system_message(jamba: JambaFormat) -> None:
    prompt = jamba.render([Message("user", "Hello!")])
    assert prompt == (
        "<|startoftext|><|bom|><|system|> <|eom|><|bom|><|user|> Hello!<|eom|><|bom|><|assistant|>"
    )


def test_multi_turn_without_generation_prompt(jamba: JambaFormat) -> None:
    prompt = jamba.render(
        [
            Message("system", "Be brief."),
            Message("user", "I want a new car"),
            Message("assistant", "What kind?"),
            Message("user", "A corvette"),
            Message("assistant", "Great choice!"),
        ],
        add_generation_prompt=False,
    )
    assert prompt == (
        "<|startoftext|><|bom|><|system|> Be brief.<|eom|>"
        "<|bom|><|user|> I want a new car<|eom|>"
        "<|bom|><|assistant|> What kind?<|eom|>"
        "<|bom|><|user|> A corvette<|eom|>"
        "<|bom|><|assistant|> Great choice!<|eom|>"
    )


def test_tools_without_system_message(jamba: JambaFormat) -> None:
    prompt = jamba.render([Message("user", "Weather in Jerusalem?")], tools=[WEATHER])
    assert prompt == (
        "<|startoftext|><|bom|><|system|> "
        + WEATHER_DEFINITIONS
        + "<|eom|><|bom|><|user|> Weather in Jerusalem?<|eom|><|bom|><|assistant|>"
    )


def test_tools_appended_to_system_message(jamba: JambaFormat) -> None:
    tools = [WEATHER, ToolSpec(name="now")]
    prompt = jamba.render([Message("system", "Be helpful."), Message("user", "Hi")], tools=tools)
    assert prompt == (
        "<|startoftext|><|bom|><|system|> Be helpful.\n\n"
        + WEATHER_DEFINITIONS.removesuffix("\n</tool_definitions>")
        + '\n\n{\n  "name": "now"\n}\n</tool_definitions>'
        + "<|eom|><|bom|><|user|> Hi<|eom|><|bom|><|assistant|>"
    )


def test_tool_calls_and_results_in_call_order(jamba: JambaFormat) -> None:
    calls = (
        ToolCall("call_a", "get_current_weather", '{"location":"Jerusalem","format":"celsius"}'),
        ToolCall("call_b", "get_current_weather", '{"location": "London"}'),
    )
    prompt = jamba.render(
        [
            Message("user", "Jerusalem and London?"),
            Message("assistant", None, tool_calls=calls),
            # sent out of order: rendered in the order of the calls
            Message("tool", "8 degrees", tool_call_id="call_b"),
            Message("tool", "18 degrees", tool_call_id="call_a"),
        ],
        tools=[WEATHER],
    )
    assert prompt == (
        "<|startoftext|><|bom|><|system|> "
        + WEATHER_DEFINITIONS
        + "<|eom|><|bom|><|user|> Jerusalem and London?<|eom|>"
        "<|bom|><|assistant|> <tool_calls>[\n"
        '    {"name": "get_current_weather", "arguments": '
        '{"location": "Jerusalem", "format": "celsius"}},\n'
        '    {"name": "get_current_weather", "arguments": {"location": "London"}}\n'
        "]</tool_calls><|eom|>"
        "<|bom|><|tool|> 18 degrees<|eom|>"
        "<|bom|><|tool|> 8 degrees<|eom|>"
        "<|bom|><|assistant|>"
    )


def test_assistant_content_before_tool_calls_and_named_message(jamba: JambaFormat) -> None:
    prompt = jamba.render(
        [
            Message("user", "Weather?", name="alice"),
            Message("assistant", "Let me check.", tool_calls=(ToolCall("c", "now", "{}"),)),
            Message("tool", "noon", tool_call_id="c"),
        ],
        add_generation_prompt=False,
    )
    assert prompt == (
        "<|startoftext|><|bom|><|system|> <|eom|>"
        "<|bom|><|user|> (alice)Weather?<|eom|>"
        '<|bom|><|assistant|> Let me check.<tool_calls>[\n    {"name": "now", "arguments": {}}\n'
        "]</tool_calls><|eom|>"
        "<|bom|><|tool|> noon<|eom|>"
    )


DOCUMENTS = [
    Document(
        "Harry Potter is a series of seven fantasy novels written by British author J. K. Rowling.",
        id="hp",
        metadata=(("title", "Harry Potter"),),
    ),
    Document(
        "The Great Gatsby is a novel by American writer F. Scott Fitzgerald.",
        metadata=(("country", "United States"), ("title", "The Great Gatsby"), ("genre", "Novel")),
    ),
]

DOCUMENTS_SECTION = """<documents>
# Documents

You can use the following documents for reference:

## Document ID: 0
Title: Harry Potter
Text: Harry Potter is a series of seven fantasy novels written by British author J. K. Rowling.

## Document ID: 1
Title: The Great Gatsby
Country: United States
Genre: Novel
Text: The Great Gatsby is a novel by American writer F. Scott Fitzgerald.
</documents>"""

JSON_KNOB = """<active_output_modes>
# Active Modes

The following modes configure the format or style of your responses. You should adhere to all \
currently active modes simultaneously.

## JSON Mode

Provide your response in JSON format. Adhere strictly to any schema given by the user. If an \
appropriate JSON format exists, use it without modification.
</active_output_modes>"""


def test_documents_in_system_turn_before_final_user_turn(jamba: JambaFormat) -> None:
    prompt = jamba.render(
        [
            Message("system", "Answer from the documents."),
            Message("user", "Hi"),
            Message("assistant", "Hello."),
            Message("user", "Who wrote Harry Potter?"),
        ],
        documents=DOCUMENTS,
    )
    assert prompt == (
        "<|startoftext|><|bom|><|system|> Answer from the documents.<|eom|>"
        "<|bom|><|user|> Hi<|eom|><|bom|><|assistant|> Hello.<|eom|>"
        "<|bom|><|system|> " + DOCUMENTS_SECTION + "<|eom|>"
        "<|bom|><|user|> Who wrote Harry Potter?<|eom|><|bom|><|assistant|>"
    )


@pytest.mark.parametrize("kind", ["json_object", "json_schema"])
def test_json_mode_knob(jamba: JambaFormat, kind: Literal["json_object", "json_schema"]) -> None:
    response_format = ResponseFormat(type=kind, json_schema={"type": "object"})
    prompt = jamba.render(
        [Message("user", "Describe Washington.")], response_format=response_format
    )
    assert prompt == (
        "<|startoftext|><|bom|><|system|> <|eom|>"
        "<|bom|><|system|> " + JSON_KNOB + "<|eom|>"
        "<|bom|><|user|> Describe Washington.<|eom|><|bom|><|assistant|>"
    )


def test_documents_and_json_knob_share_one_system_turn(jamba: JambaFormat) -> None:
    prompt = jamba.render(
        [Message("user", "Who wrote Harry Potter?")],
        documents=DOCUMENTS[:1],
        response_format=ResponseFormat(type="json_object"),
    )
    assert prompt == (
        "<|startoftext|><|bom|><|system|> <|eom|><|bom|><|system|> <documents>\n"
        "# Documents\n\n"
        "You can use the following documents for reference:\n\n"
        "## Document ID: 0\n"
        "Title: Harry Potter\n"
        "Text: Harry Potter is a series of seven fantasy novels written by British author "
        "J. K. Rowling.\n"
        "</documents>\n\n" + JSON_KNOB + "<|eom|>"
        "<|bom|><|user|> Who wrote Harry Potter?<|eom|><|bom|><|assistant|>"
    )


# -- parsing -------------------------------------------------------------------------------


def test_parse_plain_text_drops_the_role_space(jamba: JambaFormat) -> None:
    assert jamba.parse_output(" The capital of France is Paris.") == ParsedOutput(
        "The capital of France is Paris."
    )
    assert jamba.parse_output("") == ParsedOutput(None)


def test_parse_tool_calls_from_model_card(jamba: JambaFormat) -> None:
    output = (
        "<tool_calls>[\n"
        '    {"name": "get_current_weather", "arguments": '
        '{"location": "Jerusalem", "format": "celsius"}},\n'
        '    {"name": "get_current_weather", "arguments": {"location": "London", "format": '
        '"celsius"}}\n'
        "]</tool_calls>"
    )
    assert jamba.parse_output(output) == ParsedOutput(
        None,
        (
            ToolCall(
                "call_0", "get_current_weather", '{"location": "Jerusalem", "format": "celsius"}'
            ),
            ToolCall(
                "call_1", "get_current_weather", '{"location": "London", "format": "celsius"}'
            ),
        ),
    )


def test_parse_content_around_calls_whitespace_and_missing_close_tag(jamba: JambaFormat) -> None:
    output = ' Let me check.\n<tool_calls>  [ {"name":"now",\n"arguments":{}} ]  '
    assert jamba.parse_output(output) == ParsedOutput(
        "Let me check.", (ToolCall("call_0", "now", "{}"),)
    )


def test_parse_arguments_given_as_json_string(jamba: JambaFormat) -> None:
    output = '<tool_calls>[{"name": "f", "arguments": "{\\"x\\":1}"}]</tool_calls>'
    assert jamba.parse_output(output) == ParsedOutput(None, (ToolCall("call_0", "f", '{"x": 1}'),))


@pytest.mark.parametrize(
    "output",
    [
        ' <tool_calls>[{"name": "f", "arguments": {</tool_calls>',
        ' <tool_calls>[{"arguments": {}}]</tool_calls>',
        ' <tool_calls>"f"</tool_calls>',
        ' <tool_calls>[{"name": "f", "arguments": "not json"}]</tool_calls>',
        ' <tool_calls>[{"name": "f", "arguments": [1, 2]}]</tool_calls>',
        " <tool_calls>[",
    ],
)
def test_parse_malformed_calls_are_content(jamba: JambaFormat, output: str) -> None:
    assert jamba.parse_output(output) == ParsedOutput(output[1:])


def test_parse_keeps_malformed_block_next_to_valid_one(jamba: JambaFormat) -> None:
    output = '<tool_calls>[oops]</tool_calls> and <tool_calls>[{"name": "f"}]</tool_calls>'
    assert jamba.parse_output(output) == ParsedOutput(
        "<tool_calls>[oops]</tool_calls> and", (ToolCall("call_0", "f", "{}"),)
    )


def test_random_ids_by_default() -> None:
    parsed = JambaFormat().parse_output('<tool_calls>[{"name": "f", "arguments": {}}]</tool_calls>')
    (call,) = parsed.tool_calls
    assert call.id.startswith("call_")
    assert len(call.id) == len("call_") + 24
    int(call.id.removeprefix("call_"), 16)


def test_round_trip_rendered_calls_parse_back(jamba: JambaFormat) -> None:
    calls = (
        ToolCall("call_0", "get_current_weather", '{"location": "Jerusalem"}'),
        ToolCall("call_1", "search", '{"query": "caf\u00e9", "limit": 3, "exact": true}'),
    )
    prompt = jamba.render(
        [Message("user", "Go"), Message("assistant", "Sure.", tool_calls=calls)],
        add_generation_prompt=False,
    )
    generated = prompt.split("<|bom|><|assistant|>", 1)[1].removesuffix("<|eom|>")
    assert generated == (
        " Sure.<tool_calls>[\n"
        '    {"name": "get_current_weather", "arguments": {"location": "Jerusalem"}},\n'
        '    {"name": "search", "arguments": {"query": "caf\u00e9", "limit": 3, "exact": true}}\n'
        "]</tool_calls>"
    )
    assert jamba.parse_output(generated) == ParsedOutput("Sure.", calls)
