"""Meta Llama 3 instruct (3, 3.1, 3.2, 3.3): header-delimited turns ending in ``<|eot_id|>``.

Plain conversations render in the Llama 3 shape, which every 3.x instruct model accepts::

    <|begin_of_text|><|start_header_id|>ROLE<|end_header_id|>\\n\\nCONTENT<|eot_id|>...
    <|start_header_id|>assistant<|end_header_id|>\\n\\n

Content is stripped of surrounding whitespace, as Meta's templates do (tool results are not).
No system turn is invented when the conversation has none.

Tools follow Meta's Llama 3.1 JSON tool-calling convention, as its official chat template renders
it with the defaults (``tools_in_user_message=True``):

* the system turn starts ``Environment: ipython\\nCutting Knowledge Date: December 2023\\nToday
  Date: DATE\\n\\n`` (``DATE`` is the template's default ``26 Jul 2024`` unless given);
* the tool definitions (OpenAI-shaped JSON, 4-space indent) and Meta's instructions are
  prepended to the first user message (a user turn holding only them is added when the first
  non-system message is not from the user);
* an assistant tool call is ``{"name": "NAME", "parameters": {...}}`` alone in an assistant turn.
  Meta's template accepts one call per turn; several calls become consecutive assistant turns.
  Text content of such a message, if any, is its own assistant turn before the calls;
* tool results are ``ipython`` turns, in the order of the calls they answer, with their text
  as is (Meta's 3.1 template JSON-quotes string results, a known template bug; Meta's
  prompt-format documentation shows them raw).

Documents have no trained section: they are appended to the system message as plain text (see
:func:`~.parts.documents_text`). There is no JSON knob; JSON mode relies on constrained sampling.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from modelport.inference.types import Document, Message, ResponseFormat, ToolCall, ToolSpec
from modelport.models.formats import jinja
from modelport.models.formats.base import (
    IdFactory,
    ParsedOutput,
    PromptFormat,
    content_or_none,
)
from modelport.models.formats.parts import (
    arguments_value,
    documents_text,
    join_blocks,
    order_tool_results,
    split_system,
    to_json,
    tool_object,
)

BOS = "<|begin_of_text|>"
EOT = "<|eot_id|>"
EOM = "<|eom_id|>"
PYTHON_TAG = "<|python_tag|>"
DEFAULT_DATE = "26 Jul 2024"

TOOLS_PREAMBLE = (
    "Given the following functions, please respond with a JSON for a function call "
    "with its proper arguments that best answers the given prompt.\n\n"
    'Respond in the format {"name": function name, "parameters": dictionary of argument name '
    "and its value}."
    "Do not use variables.\n\n"
)
"""Meta's instructions before the tool list (sic: no space before "Do not use variables")."""


def header(role: str) -> str:
    """The header that opens a turn."""
    return f"<|start_header_id|>{role}<|end_header_id|>\n\n"


def _call_json(call: ToolCall) -> str:
    parameters = to_json(arguments_value(call.arguments))
    return f'{{"name": {to_json(call.name)}, "parameters": {parameters}}}'


class Llama3Format(PromptFormat):
    """Llama 3.x instruct chat format, with Llama 3.1 JSON tool calling."""

    name = "llama-3"
    bos_token = BOS
    stop_sequences = (EOT, EOM)
    supports_tools = True
    supports_documents = True
    supports_json_knob = False
    tool_call_marker = None

    def jinja_template(self) -> str:
        return jinja.LLAMA_3

    def __init__(
        self, *, id_factory: IdFactory | None = None, date_string: str = DEFAULT_DATE
    ) -> None:
        super().__init__(id_factory=id_factory)
        self.date_string = date_string

    def _render(
        self,
        messages: list[Message],
        *,
        tools: list[ToolSpec],
        documents: list[Document],
        response_format: ResponseFormat,
        add_generation_prompt: bool,
    ) -> str:
        del response_format  # no knob: JSON is enforced by sampling
        system, rest = split_system(messages)
        system_prompt = join_blocks(
            (system.content or "").strip() if system is not None else "",
            documents_text(documents) if documents else "",
        )
        parts = [BOS]
        if tools:
            environment = (
                "Environment: ipython\nCutting Knowledge Date: December 2023\n"
                f"Today Date: {self.date_string}\n\n"
            )
            parts.append(header("system") + environment + system_prompt + EOT)
            definitions = "".join(f"{to_json(tool_object(t), indent=4)}\n\n" for t in tools)
            first_user = ""
            if rest and rest[0].role == "user":
                first_user = (rest.pop(0).content or "").strip()
            parts.append(header("user") + TOOLS_PREAMBLE + definitions + first_user + EOT)
        elif system is not None or documents:
            parts.append(header("system") + system_prompt + EOT)

        for message in order_tool_results(rest):
            parts.extend(self._turns(message))
        if add_generation_prompt:
            parts.append(header("assistant"))
        return "".join(parts)

    @staticmethod
    def _turns(message: Message) -> list[str]:
        content = message.content or ""
        if message.role == "tool":
            return [header("ipython") + content + EOT]
        if message.role == "assistant" and message.tool_calls:
            turns = [header("assistant") + content.strip() + EOT] if content.strip() else []
            turns.extend(header("assistant") + _call_json(c) + EOT for c in message.tool_calls)
            return turns
        return [header(message.role) + content.strip() + EOT]

    def parse_output(self, text: str, *, tools: Sequence[ToolSpec] | None = None) -> ParsedOutput:
        """Recognise an output that consists only of JSON tool calls.

        Accepted: ``{"name": ..., "parameters": {...}}`` (``arguments`` is accepted for
        ``parameters``), optionally after ``<|python_tag|>``, several separated by whitespace or
        ``;``, or a JSON list of them. With ``tools=()`` nothing is parsed (a JSON answer is just
        content); with tools given, every name must be one of them. Anything else is content.
        """
        if tools is not None and not tools:
            return ParsedOutput(content_or_none(text))
        allowed = {tool.name for tool in tools} if tools else None
        specs = _json_calls(text.strip().removeprefix(PYTHON_TAG).strip())
        if not specs or (allowed is not None and any(n not in allowed for n, _ in specs)):
            return ParsedOutput(content_or_none(text))
        calls = tuple(ToolCall(id=self._new_id(), name=n, arguments=a) for n, a in specs)
        return ParsedOutput(None, calls)


def _json_calls(text: str) -> list[tuple[str, str]] | None:
    """Parse a run of JSON call objects; ``None`` unless the whole text is calls."""
    if not text.startswith(("{", "[")):
        return None
    decoder = json.JSONDecoder()
    values: list[Any] = []
    position = 0
    while position < len(text):
        try:
            value, position = decoder.raw_decode(text, position)
        except ValueError:
            return None
        values.extend(value if isinstance(value, list) else [value])
        while position < len(text) and (text[position].isspace() or text[position] == ";"):
            position += 1
    specs: list[tuple[str, str]] = []
    for value in values:
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            return None
        arguments = value.get("parameters", value.get("arguments", {}))
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except ValueError:
                return None
        if not isinstance(arguments, dict):
            return None
        specs.append((value["name"], to_json(arguments)))
    return specs
