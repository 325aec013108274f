"""The prompt-format contract: how a model family turns a conversation into prompt text and back.

A :class:`PromptFormat` is a model adapter. It owns every quirk of one model family's chat
format: special tokens, where tools, documents and output-mode "knobs" go, and how the model writes
tool calls in its output. API dialects never see any of it; engines call :meth:`PromptFormat.render`
before generation and :meth:`PromptFormat.parse_output` after it.

Conventions shared by every format:

* ``render`` returns the *whole* prompt as text, special tokens included as text (the BOS token
  too, when the family has one; see :attr:`PromptFormat.bos_token`). Tokenize it with special-token
  parsing on and without letting the tokenizer add its own BOS, or strip ``bos_token`` first.
* ``parse_output`` takes the generated text with the stop sequence already cut off. Content that is
  empty or only whitespace comes back as ``None``.
* Tool-call ids are not produced by models; the format assigns them with an injectable
  :data:`IdFactory` (``call_<24 hex digits>`` by default, :func:`sequential_ids` in tests).
"""

from __future__ import annotations

import itertools
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from modelport.errors import PromptFormatError
from modelport.inference.types import (
    Document,
    InferenceRequest,
    Message,
    ResponseFormat,
    ToolCall,
    ToolSpec,
)

IdFactory = Callable[[], str]
"""Returns a fresh tool-call id on every call."""

TEXT_RESPONSE = ResponseFormat()
"""The default response format: free text, no JSON mode."""


def new_call_id() -> str:
    """Return a random tool-call id in OpenAI's shape: ``call_`` and 24 hex digits."""
    return f"call_{secrets.token_hex(12)}"


def sequential_ids(prefix: str = "call_") -> IdFactory:
    """Return a deterministic id factory (``call_0``, ``call_1``, ...), for tests and replays."""
    counter = itertools.count()
    return lambda: f"{prefix}{next(counter)}"


@dataclass(frozen=True, slots=True)
class ParsedOutput:
    """What the model produced, split into free text and tool calls."""

    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True, slots=True)
class ForcedToolCalls:
    """A prompt suffix that opens a tool-call block, and the JSON schema of the block's body.

    The generated text (constrained by ``json_schema``) is ``prefill`` + output + ``suffix`` when
    handed to :meth:`PromptFormat.parse_output`.
    """

    prefill: str
    json_schema: dict[str, Any]
    suffix: str = ""


def content_or_none(text: str) -> str | None:
    """Return ``text``, or ``None`` when it is empty or only whitespace."""
    return text if text.strip() else None


class PromptFormat(ABC):
    """One model family's chat format.

    Subclasses set the class attributes and implement :meth:`_render`; the public :meth:`render`
    first rejects what the format cannot express (see :meth:`check`).
    """

    name: str
    """Registry name, e.g. ``"jamba-1.5"``."""
    bos_token: str = ""
    """The BOS token text that :meth:`render` puts at the start of the prompt ("" if none)."""
    stop_sequences: tuple[str, ...] = ()
    """Text that ends a generated turn (never part of the output handed to :meth:`parse_output`)."""
    supports_tools: bool = False
    """Tool definitions can be rendered and the model's tool calls parsed back."""
    supports_documents: bool = True
    """Grounding documents can be rendered (natively, or as plain text in the system message)."""
    supports_json_knob: bool = False
    """The prompt has a trained JSON-mode switch. JSON is still to be enforced by sampling."""
    tool_call_marker: str | None = None
    """Text that opens a tool call in the output, for streaming: emit text until it appears, then
    buffer. ``None``: no marker; when tools were offered, buffer the whole output."""

    leading_space: bool = False
    """The model writes one space before its answer (after the role token); it is not content."""

    def forced_tool_calls(self, tools: Sequence[ToolSpec]) -> ForcedToolCalls | None:
        """How to make the model call one of ``tools`` for certain (tool_choice required or a
        named function): text to append to the prompt, and a JSON schema that constrains what
        follows. ``None``: the format cannot force calls (they are then only parsed)."""
        del tools
        return None

    def __init__(self, *, id_factory: IdFactory | None = None) -> None:
        self._new_id: IdFactory = id_factory or new_call_id

    def jinja_template(self) -> str | None:
        """A Jinja chat template that renders what :meth:`render` renders for conversations
        without tools or documents, for engines that apply the template themselves (given to
        llama.cpp when a model's weights carry none); ``None`` when the format has none."""
        return None

    def render(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] = (),
        documents: Sequence[Document] = (),
        response_format: ResponseFormat = TEXT_RESPONSE,
        add_generation_prompt: bool = True,
    ) -> str:
        """Return the exact prompt text for ``messages``.

        ``add_generation_prompt`` appends the header that makes the model answer as the assistant.
        Raises :class:`PromptFormatError` when the conversation cannot be expressed.
        """
        self.check(messages, tools=tools, documents=documents)
        return self._render(
            list(messages),
            tools=list(tools),
            documents=list(documents),
            response_format=response_format,
            add_generation_prompt=add_generation_prompt,
        )

    def render_request(self, request: InferenceRequest) -> str:
        """Render a chat request's messages, tools, documents and response format."""
        return self.render(
            request.messages,
            tools=request.tools,
            documents=request.documents,
            response_format=request.response_format,
        )

    def check(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] = (),
        documents: Sequence[Document] = (),
    ) -> None:
        """Raise :class:`PromptFormatError` for features this format cannot express."""
        if not self.supports_tools:
            uses_tools = bool(tools) or any(m.tool_calls or m.role == "tool" for m in messages)
            if uses_tools:
                raise PromptFormatError(
                    f"the {self.name} prompt format does not support tools", param="tools"
                )
        if documents and not self.supports_documents:
            raise PromptFormatError(
                f"the {self.name} prompt format does not support documents", param="documents"
            )

    @abstractmethod
    def _render(
        self,
        messages: list[Message],
        *,
        tools: list[ToolSpec],
        documents: list[Document],
        response_format: ResponseFormat,
        add_generation_prompt: bool,
    ) -> str:
        """Render a conversation that :meth:`check` accepted."""

    def parse_output(self, text: str, *, tools: Sequence[ToolSpec] | None = None) -> ParsedOutput:
        """Split generated ``text`` into content and tool calls.

        ``tools`` are the tools offered with the request: ``None`` when unknown; an empty sequence
        tells formats whose tool calls have no unambiguous marker not to look for any. Malformed
        tool calls are never an error: they stay in the content. The base implementation finds no
        tool calls.
        """
        del tools
        return ParsedOutput(content_or_none(text))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
