"""A model's own Jinja chat template (GGUF ``tokenizer.chat_template`` or
``tokenizer_config.json``), rendered in jinja2's immutable sandbox.

The template gets the variables Hugging Face's ``apply_chat_template`` gives it, so templates
written for transformers render the same way here:

* ``messages``: dicts with ``role`` and ``content`` (``""`` when the message has none), plus
  ``tool_calls`` (``[{"id", "type": "function", "function": {"name", "arguments"}}]``, arguments
  decoded to a dict when they are JSON), ``tool_call_id`` and ``name`` only when set, because
  templates test for the keys. Tool results are put in the order of their calls first.
* ``tools``: OpenAI-shaped dicts, or ``None`` when there are none (templates test ``is none``).
* ``documents``: dicts with ``text``, the metadata keys (``title``, ...) before it, or ``None``.
  ``Document.id`` is not passed (templates number documents by position). When the template does
  not use ``documents``, they are appended to the system message as plain text instead.
* ``knobs``: ``{"response_format": "json_object", "is_set": True}`` when JSON output is asked
  for (Jamba's template reads it; others ignore it); absent otherwise.
* ``add_generation_prompt``, ``bos_token``, ``eos_token``, and any ``extra_context``.
* Helpers: ``raise_exception(message)`` (becomes :class:`~.base.PromptFormatError`, a 400),
  ``strftime_now(format)``, and a ``tojson`` filter that writes JSON like transformers does.

Options as in transformers: ``trim_blocks``, ``lstrip_blocks`` and the ``loopcontrols``
extension. Unsafe attribute access or mutation raises :class:`~.base.ChatTemplateError`.

A template only renders; it cannot say how the model writes tool calls. Give the catalog's named
format as ``family`` to parse outputs and supply stop sequences; without one, outputs are plain
content and tools are refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NoReturn

from jinja2 import TemplateError, meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from modelport.errors import ChatTemplateError, PromptFormatError
from modelport.inference.types import Document, Message, ResponseFormat, ToolSpec
from modelport.models.formats.base import ParsedOutput, PromptFormat
from modelport.models.formats.parts import (
    arguments_value,
    order_tool_results,
    tool_object,
    with_documents_in_system,
)


class _RaisedByTemplate(Exception):
    """``raise_exception`` was called by the template."""


def _raise_exception(message: str) -> NoReturn:
    raise _RaisedByTemplate(message)


def _strftime_now(format_string: str) -> str:
    return datetime.now().strftime(format_string)  # local time, as transformers gives


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"]
    )
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    return env


def message_dict(message: Message) -> dict[str, Any]:
    """A message as chat templates expect it (see the module documentation)."""
    data: dict[str, Any] = {"role": message.role, "content": message.content or ""}
    if message.tool_calls:
        data["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": arguments_value(call.arguments)},
            }
            for call in message.tool_calls
        ]
    if message.tool_call_id is not None:
        data["tool_call_id"] = message.tool_call_id
    if message.name is not None:
        data["name"] = message.name
    return data


def document_dict(document: Document) -> dict[str, str]:
    """A document as chat templates expect it: its metadata, then ``text``."""
    data = {key: value for key, value in document.metadata if key != "text"}
    data["text"] = document.content
    return data


class TemplateFormat(PromptFormat):
    """Renders with a model's own Jinja chat template; parses with its family's format."""

    def __init__(
        self,
        template: str,
        *,
        family: PromptFormat | None = None,
        bos_token: str = "",
        eos_token: str = "",
        stop_sequences: Sequence[str] | None = None,
        extra_context: Mapping[str, Any] | None = None,
        name: str = "model-template",
    ) -> None:
        super().__init__()
        env = _environment()
        try:
            variables = meta.find_undeclared_variables(env.parse(template))
            self._template = env.from_string(template)
        except TemplateError as exc:
            raise ChatTemplateError(f"the model's chat template is invalid: {exc}") from exc
        self.name = name
        self.source = template
        self.family = family
        self.bos_token = bos_token
        self.eos_token = eos_token
        self.extra_context = dict(extra_context or {})
        self.uses_documents = "documents" in variables
        self.supports_tools = "tools" in variables and family is not None and family.supports_tools
        self.supports_documents = True
        self.supports_json_knob = "knobs" in variables
        self.tool_call_marker = family.tool_call_marker if family is not None else None
        if stop_sequences is not None:
            self.stop_sequences = tuple(stop_sequences)
        elif family is not None:
            self.stop_sequences = family.stop_sequences
        else:
            self.stop_sequences = (eos_token,) if eos_token else ()

    def _render(
        self,
        messages: list[Message],
        *,
        tools: list[ToolSpec],
        documents: list[Document],
        response_format: ResponseFormat,
        add_generation_prompt: bool,
    ) -> str:
        if documents and not self.uses_documents:
            messages, documents = with_documents_in_system(messages, documents), []
        context: dict[str, Any] = {
            **self.extra_context,
            "messages": [message_dict(m) for m in order_tool_results(messages)],
            "tools": [tool_object(t) for t in tools] or None,
            "documents": [document_dict(d) for d in documents] or None,
            "add_generation_prompt": add_generation_prompt,
            "bos_token": self.bos_token,
            "eos_token": self.eos_token,
        }
        if response_format.type != "text":
            context["knobs"] = {"response_format": "json_object", "is_set": True}
        try:
            return self._template.render(context)
        except _RaisedByTemplate as exc:
            raise PromptFormatError(str(exc), param="messages") from exc
        except SecurityError as exc:
            raise ChatTemplateError(
                "the model's chat template attempted an unsafe operation"
            ) from exc
        except Exception as exc:
            raise ChatTemplateError(f"the model's chat template failed to render: {exc}") from exc

    def jinja_template(self) -> str:
        return self.source

    def parse_output(self, text: str, *, tools: Sequence[ToolSpec] | None = None) -> ParsedOutput:
        """Parse with the family's format; without one, everything is content."""
        if self.family is not None:
            return self.family.parse_output(text, tools=tools)
        return super().parse_output(text, tools=tools)
