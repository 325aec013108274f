"""AI21 chat requests → canonical requests, with the rules of AI21's reference."""

from __future__ import annotations

from collections.abc import Sequence

from modelport.dialects.ai21.schemas import AI21ChatRequest, AI21Document, AI21Message
from modelport.errors import InvalidRequest
from modelport.inference.types import (
    Document,
    InferenceRequest,
    Message,
    RequestKind,
    ResponseFormat,
    SamplingParams,
    ToolCall,
    ToolChoice,
    ToolSpec,
)

DEFAULT_MAX_TOKENS = 4096  # the reference's default (and maximum) for max_tokens


def check_roles(messages: Sequence[AI21Message]) -> None:
    """An optional system message, then user/assistant turns alternating, starting with user.
    An assistant turn that calls tools is followed by the tool results, then the assistant."""
    rest = messages[1:] if messages[0].role == "system" else messages
    expected = "user"
    for position, message in enumerate(rest, start=len(messages) - len(rest)):
        role = message.role
        ok = role == expected or (expected == "tool-or-assistant" and role in ("tool", "assistant"))
        if not ok:
            wanted = expected.replace("-or-", " or ")
            wanted = ("an " if wanted.startswith("assistant") else "a ") + wanted
            raise InvalidRequest(
                f"messages[{position}]: expected {wanted} message, got {role!r}; after an "
                "optional system message, messages must alternate between user and assistant",
                param="messages",
            )
        if role == "user":
            expected = "assistant"
        elif role == "assistant":
            expected = "tool" if message.tool_calls else "user"
        else:  # tool
            if not message.tool_call_id:
                raise InvalidRequest(
                    f"messages[{position}]: a tool message needs tool_call_id", param="messages"
                )
            expected = "tool-or-assistant"


def _document(doc: AI21Document) -> Document:
    if isinstance(doc.metadata, dict):
        metadata = tuple(doc.metadata.items())
    else:
        metadata = tuple((m.key, m.value) for m in doc.metadata or ())
    return Document(content=doc.content, id=doc.id, metadata=metadata)


def _tool_choice(wire: AI21ChatRequest) -> ToolChoice | None:
    if wire.tool_choice is None:
        return None
    if isinstance(wire.tool_choice, str):
        return ToolChoice(wire.tool_choice)
    return ToolChoice("function", wire.tool_choice.function.name)


def chat_request(wire: AI21ChatRequest, model_name: str) -> InferenceRequest:
    if wire.model != model_name:
        raise InvalidRequest(
            f"model: this deployment serves {model_name!r}, not {wire.model!r}", param="model"
        )
    check_roles(wire.messages)
    n = 1 if wire.stream else wire.n  # "If set to true, n must be 1, which is automatically set."
    if n > 1 and wire.temperature == 0:
        raise InvalidRequest(
            "n > 1 with temperature 0 would return duplicate answers; raise the temperature "
            "or ask for one answer",
            param="n",
        )
    stop: tuple[str, ...] = ()
    if isinstance(wire.stop, str):
        stop = (wire.stop,) if wire.stop else ()
    elif wire.stop:
        stop = tuple(s for s in wire.stop if s)
    response_format = (
        ResponseFormat(wire.response_format.type) if wire.response_format else ResponseFormat()
    )
    return InferenceRequest(
        kind=RequestKind.CHAT,
        messages=tuple(
            Message(
                role=m.role,
                content=m.content,
                tool_calls=tuple(
                    ToolCall(c.id, c.function.name, c.function.arguments)
                    for c in m.tool_calls or ()
                ),
                tool_call_id=m.tool_call_id,
            )
            for m in wire.messages
        ),
        stream=wire.stream,
        sampling=SamplingParams(
            max_tokens=wire.max_tokens,
            default_max_tokens=DEFAULT_MAX_TOKENS,
            temperature=wire.temperature,
            top_p=wire.top_p,
            stop=stop,
            n=n,
        ),
        tools=tuple(
            ToolSpec(t.function.name, t.function.description, t.function.parameters)
            for t in wire.tools or ()
        ),
        tool_choice=_tool_choice(wire),
        response_format=response_format,
        documents=tuple(_document(d) for d in wire.documents or ()),
    )
