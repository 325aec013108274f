"""Pieces of prompt text shared by several formats: JSON as chat templates write it, tool
definitions, grounding documents, the system message, and the order of tool results.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from jinja2.filters import do_title

from modelport.inference.types import Document, Message, ToolSpec


def to_json(value: Any, *, indent: int | None = None) -> str:
    """Serialise like the ``tojson`` filter of Hugging Face chat templates.

    That is ``json.dumps`` with non-ASCII characters kept and the default ``", "``/``": "``
    separators, so prompts match what the model saw in training (not jinja2's HTML-safe tojson).
    """
    return json.dumps(value, ensure_ascii=False, indent=indent)


def tool_function(tool: ToolSpec) -> dict[str, Any]:
    """The function object of a tool: ``name``, then ``description`` and ``parameters`` if set."""
    function: dict[str, Any] = {"name": tool.name}
    if tool.description is not None:
        function["description"] = tool.description
    if tool.parameters is not None:
        function["parameters"] = tool.parameters
    return function


def tool_object(tool: ToolSpec) -> dict[str, Any]:
    """A tool in the OpenAI/Hugging Face shape: ``{"type": "function", "function": {...}}``."""
    return {"type": "function", "function": tool_function(tool)}


def arguments_value(arguments: str) -> Any:
    """Decode a tool call's JSON arguments; text that is not JSON is returned unchanged."""
    try:
        return json.loads(arguments)
    except ValueError:
        return arguments


def arguments_json(arguments: str) -> str:
    """Re-serialise a tool call's arguments with :func:`to_json` (unchanged if not JSON)."""
    try:
        return to_json(json.loads(arguments))
    except ValueError:
        return arguments


def metadata_key(key: str) -> str:
    """Title-case a document metadata key the way Jinja's ``title`` filter does (``Url``)."""
    return do_title(key)


def documents_text(documents: Sequence[Document]) -> str:
    """The documents section used by Jamba 1.5 (without its tags) and by the plain formats.

    ``## Document ID: N`` numbers documents from 0 in request order, as Jamba's own template
    does; citations (``<citations>[0, 2]</citations>``) refer to these numbers, so a caller maps
    them back to ``Document.id`` by position. ``Document.id`` itself is not rendered. A ``title``
    metadata entry comes first as ``Title: ...``; every other key except ``text`` follows in order
    as ``Key: value``; ``Text: ...`` is last.
    """
    parts = ["# Documents\n\nYou can use the following documents for reference:"]
    for index, document in enumerate(documents):
        lines = [f"## Document ID: {index}"]
        lines.extend(f"Title: {value}" for key, value in document.metadata if key == "title")
        lines.extend(
            f"{metadata_key(key)}: {value}"
            for key, value in document.metadata
            if key not in ("title", "text")
        )
        lines.append(f"Text: {document.content}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def join_blocks(*blocks: str) -> str:
    """Join the non-empty blocks with a blank line between them."""
    return "\n\n".join(block for block in blocks if block)


def split_system(messages: Sequence[Message]) -> tuple[Message | None, list[Message]]:
    """Return the leading system message (if the conversation starts with one) and the rest."""
    if messages and messages[0].role == "system":
        return messages[0], list(messages[1:])
    return None, list(messages)


def with_documents_in_system(
    messages: Sequence[Message], documents: Sequence[Document]
) -> list[Message]:
    """Fold documents, as plain text, into the leading system message (creating one if needed).

    For formats with no trained documents section: the text is :func:`documents_text`, after the
    system prompt and a blank line.
    """
    if not documents:
        return list(messages)
    system, rest = split_system(messages)
    prompt = (system.content or "") if system is not None else ""
    return [Message(role="system", content=join_blocks(prompt, documents_text(documents))), *rest]


def order_tool_results(messages: Sequence[Message]) -> list[Message]:
    """Put each run of tool results in the order of the assistant's calls they answer.

    Models are trained on results in call order; clients may send them in any order. Results
    whose ``tool_call_id`` matches no call of the preceding assistant message keep their relative
    order after the matched ones.
    """
    ordered: list[Message] = []
    call_order: dict[str, int] = {}
    index = 0
    while index < len(messages):
        message = messages[index]
        if message.role != "tool":
            if message.role == "assistant":
                call_order = {call.id: n for n, call in enumerate(message.tool_calls)}
            ordered.append(message)
            index += 1
            continue
        end = index
        while end < len(messages) and messages[end].role == "tool":
            end += 1
        run = list(messages[index:end])
        unmatched = len(call_order)
        run.sort(key=lambda m: call_order.get(m.tool_call_id or "", unmatched))
        ordered.extend(run)
        index = end
    return ordered
