"""Shared prompt pieces: tool-result ordering and documents text."""

from __future__ import annotations

from modelport.inference.types import Document, Message, ToolCall
from modelport.models.formats.parts import documents_text, order_tool_results


def _tool(call_id: str | None, content: str) -> Message:
    return Message("tool", content, tool_call_id=call_id)


def test_results_follow_call_order_unknown_ids_last() -> None:
    calls = (ToolCall("a", "f", "{}"), ToolCall("b", "f", "{}"), ToolCall("c", "f", "{}"))
    messages = [
        Message("user", "go"),
        Message("assistant", None, tool_calls=calls),
        _tool("x", "stray"),
        _tool("c", "3"),
        _tool(None, "anonymous"),
        _tool("a", "1"),
        _tool("b", "2"),
        Message("user", "again"),
        _tool("b", "late"),
    ]
    assert [m.content for m in order_tool_results(messages)] == [
        "go",
        None,
        "1",
        "2",
        "3",
        "stray",
        "anonymous",
        "again",
        "late",
    ]


def test_documents_text_numbers_from_zero_and_orders_keys() -> None:
    documents = [
        Document("First.", id="doc-a"),
        Document("Second.", metadata=(("author", "Ann"), ("title", "Two"), ("text", "dropped"))),
    ]
    assert documents_text(documents) == (
        "# Documents\n\n"
        "You can use the following documents for reference:\n\n"
        "## Document ID: 0\n"
        "Text: First.\n\n"
        "## Document ID: 1\n"
        "Title: Two\n"
        "Author: Ann\n"
        "Text: Second."
    )
