"""AI21 Jamba 1.5: messages between ``<|bom|>``/``<|eom|>``, trained sections for tools,
documents and output modes, and tool calls as a JSON list inside ``<tool_calls>`` tags.

The rendering follows AI21's own chat template (the one shipped in the model's
``tokenizer_config.json``) as it renders through Hugging Face ``apply_chat_template``:

* ``<|startoftext|>``, then one turn per message: ``<|bom|><|ROLE|> CONTENT<|eom|>`` (one space
  after the role token). A message with a ``name`` becomes ``<|ROLE|> (NAME)CONTENT``.
* The first turn is always a system turn, empty (``<|bom|><|system|> <|eom|>``) when the
  conversation has no system message. Tool definitions are appended to it after a blank line::

      <tool_definitions>
      # Tools

      ## Functions

      {pretty-printed function JSON, 2-space indent}
      </tool_definitions>

* Documents and the JSON-mode knob go in one extra system turn right before the *last* user
  message (that is where the model's template puts them, and so where the model was trained to
  find them): ``<documents>`` ... ``</documents>`` (see :func:`~.parts.documents_text`), then,
  after a blank line, ``<active_output_modes>`` ... ``</active_output_modes>``.
* The JSON knob text is the exact "JSON Mode" section of AI21's template (what it writes for
  ``knobs={"response_format": "json_object"}``), because that is the text the model was trained
  to honour. It is used for both ``json_object`` and ``json_schema``; the template has no
  schema knob, so the schema itself is not put in the prompt: enforce it while sampling.
* An assistant turn with tool calls is its content followed by::

      <tool_calls>[
          {"name": "NAME", "arguments": {...}},
          {"name": "NAME", "arguments": {...}}
      ]</tool_calls>

  Arguments are re-serialised in ``json.dumps`` style when they are valid JSON.
* Tool results are ``<|tool|>`` turns, put in the order of the calls they answer.
* The generation prompt is ``<|bom|><|assistant|>`` with no space: the model writes the space.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from modelport.inference.types import Document, Message, ResponseFormat, ToolCall, ToolSpec
from modelport.models.formats.base import (
    ForcedToolCalls,
    ParsedOutput,
    PromptFormat,
    content_or_none,
)
from modelport.models.formats.parts import (
    arguments_json,
    documents_text,
    join_blocks,
    order_tool_results,
    split_system,
    to_json,
    tool_function,
)

BOS = "<|startoftext|>"
BOM = "<|bom|>"
EOM = "<|eom|>"
TOOL_CALLS_OPEN = "<tool_calls>"
TOOL_CALLS_CLOSE = "</tool_calls>"

JSON_MODE_KNOB = (
    "<active_output_modes>\n"
    "# Active Modes\n\n"
    "The following modes configure the format or style of your responses. You should adhere to "
    "all currently active modes simultaneously.\n\n"
    "## JSON Mode\n\n"
    "Provide your response in JSON format. Adhere strictly to any schema given by the user. "
    "If an appropriate JSON format exists, use it without modification.\n"
    "</active_output_modes>"
)


def tool_definitions(tools: Sequence[ToolSpec]) -> str:
    """The ``<tool_definitions>`` section listing the functions the model may call."""
    functions = "".join(f"\n\n{to_json(tool_function(tool), indent=2)}" for tool in tools)
    return f"<tool_definitions>\n# Tools\n\n## Functions{functions}\n</tool_definitions>"


def tool_calls_block(calls: Sequence[ToolCall]) -> str:
    """The ``<tool_calls>`` list that an assistant turn with tool calls ends with."""
    items = ",\n".join(
        f'    {{"name": {to_json(call.name)}, "arguments": {arguments_json(call.arguments)}}}'
        for call in calls
    )
    return f"{TOOL_CALLS_OPEN}[\n{items}\n]{TOOL_CALLS_CLOSE}"


def _turn(role: str, content: str, name: str | None = None) -> str:
    label = f"({name})" if name else ""
    return f"{BOM}<|{role}|> {label}{content}{EOM}"


class JambaFormat(PromptFormat):
    """Jamba 1.5 (Mini and Large) chat format."""

    name = "jamba-1.5"
    bos_token = BOS
    stop_sequences = (EOM,)
    supports_tools = True
    supports_documents = True
    supports_json_knob = True
    tool_call_marker = TOOL_CALLS_OPEN
    leading_space = True

    def forced_tool_calls(self, tools: Sequence[ToolSpec]) -> ForcedToolCalls | None:
        """Open the ``<tool_calls>`` block in the prompt and constrain its body to a JSON list of
        ``{"name", "arguments"}`` objects, one shape per offered function."""
        if not tools:
            return None
        shapes = [
            {
                "type": "object",
                "properties": {
                    "name": {"const": tool.name},
                    "arguments": tool.parameters or {"type": "object"},
                },
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
            for tool in tools
        ]
        item = shapes[0] if len(shapes) == 1 else {"anyOf": shapes}
        # At most one call per offered function: small models otherwise repeat a call until
        # max_tokens, and a cut-off list is no tool call at all.
        schema = {"type": "array", "items": item, "minItems": 1, "maxItems": len(tools)}
        return ForcedToolCalls(" " + TOOL_CALLS_OPEN, schema, TOOL_CALLS_CLOSE)

    def _render(
        self,
        messages: list[Message],
        *,
        tools: list[ToolSpec],
        documents: list[Document],
        response_format: ResponseFormat,
        add_generation_prompt: bool,
    ) -> str:
        system, rest = split_system(messages)
        system_prompt = (system.content or "") if system is not None else ""
        if tools:
            system_prompt = join_blocks(system_prompt, tool_definitions(tools))
        parts = [BOS, _turn("system", system_prompt)]

        extra_system = join_blocks(
            f"<documents>\n{documents_text(documents)}\n</documents>" if documents else "",
            JSON_MODE_KNOB if response_format.type != "text" else "",
        )
        rest = order_tool_results(rest)
        last_user = max((i for i, m in enumerate(rest) if m.role == "user"), default=0)
        for index, message in enumerate(rest):
            if index == last_user and extra_system:
                parts.append(_turn("system", extra_system))
            content = message.content or ""
            if message.role == "assistant" and message.tool_calls:
                content += tool_calls_block(message.tool_calls)
            parts.append(_turn(message.role, content, message.name))
        if add_generation_prompt:
            parts.append(f"{BOM}<|assistant|>")
        return "".join(parts)

    def parse_output(self, text: str, *, tools: Sequence[ToolSpec] | None = None) -> ParsedOutput:
        """Extract ``<tool_calls>[...]</tool_calls>`` blocks; the rest is the content.

        The space the model writes after the role token is dropped. A block may lack its closing
        tag at the end of the text. A block that is not a JSON list of ``{"name", "arguments"}``
        objects (a single object is accepted too) stays in the content verbatim. When calls were
        found, the remaining content is stripped. ``tools`` is not needed: the tags are explicit.
        """
        del tools
        text = text.removeprefix(" ")
        content: list[str] = []
        calls: list[ToolCall] = []
        found = False
        position = 0
        while (start := text.find(TOOL_CALLS_OPEN, position)) >= 0:
            body_start = start + len(TOOL_CALLS_OPEN)
            close = text.find(TOOL_CALLS_CLOSE, body_start)
            body_end = close if close >= 0 else len(text)
            after = close + len(TOOL_CALLS_CLOSE) if close >= 0 else len(text)
            parsed = self._parse_calls(text[body_start:body_end])
            if parsed is None:
                content.append(text[position:after])
            else:
                content.append(text[position:start])
                calls.extend(parsed)
                found = True
            position = after
        content.append(text[position:])
        if not found:
            return ParsedOutput(content_or_none(text))
        return ParsedOutput(content_or_none("".join(content).strip()), tuple(calls))

    def _parse_calls(self, body: str) -> list[ToolCall] | None:
        """Parse the JSON inside one ``<tool_calls>`` block, or return ``None`` if malformed."""
        try:
            value: Any = json.loads(body)
        except ValueError:
            return None
        items = [value] if isinstance(value, dict) else value
        if not isinstance(items, list):
            return None
        specs: list[tuple[str, str]] = []
        for item in items:
            spec = _call_spec(item)
            if spec is None:
                return None
            specs.append(spec)
        return [ToolCall(id=self._new_id(), name=name, arguments=args) for name, args in specs]


def _call_spec(item: Any) -> tuple[str, str] | None:
    """Return ``(name, arguments as JSON text)`` for one generated call, or ``None``."""
    if not isinstance(item, dict):
        return None
    name = item.get("name")
    if not isinstance(name, str) or not name:
        return None
    arguments = item.get("arguments", item.get("parameters", {}))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return None
    if not isinstance(arguments, dict):
        return None
    return name, to_json(arguments)
