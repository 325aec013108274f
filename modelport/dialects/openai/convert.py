"""OpenAI wire requests → canonical requests."""

from __future__ import annotations

from modelport.dialects.openai.schemas import (
    ChatCompletionRequest,
    ChatMessage,
    CompletionRequest,
    NamedToolChoice,
)
from modelport.errors import InvalidRequest
from modelport.inference.types import (
    InferenceRequest,
    Message,
    RequestKind,
    ResponseFormat,
    SamplingParams,
    ToolCall,
    ToolChoice,
    ToolSpec,
)


def _stop(stop: str | list[str] | None) -> tuple[str, ...]:
    if stop is None:
        return ()
    values = (stop,) if isinstance(stop, str) else tuple(stop)
    if len(values) > 4:
        raise InvalidRequest("stop: at most 4 stop sequences are allowed", param="stop")
    return values


def _stream_options(wire: ChatCompletionRequest | CompletionRequest) -> None:
    """OpenAI's rule (and vLLM's): stream_options only beside ``stream: true``."""
    if wire.stream_options is not None and not wire.stream:
        raise InvalidRequest(
            "stream_options is only allowed when stream is true", param="stream_options"
        )


def _content(message: ChatMessage) -> str | None:
    if message.content is None or isinstance(message.content, str):
        return message.content
    return "".join(part.text for part in message.content)


def _message(message: ChatMessage) -> Message:
    role = "system" if message.role == "developer" else message.role
    if role == "tool" and not message.tool_call_id:
        raise InvalidRequest("a tool message needs tool_call_id", param="messages")
    return Message(
        role=role,
        content=_content(message),
        tool_calls=tuple(
            ToolCall(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or ()
        ),
        tool_call_id=message.tool_call_id,
        name=message.name,
    )


def chat_request(wire: ChatCompletionRequest) -> InferenceRequest:
    _stream_options(wire)
    response_format = ResponseFormat()
    if wire.response_format is not None:
        rf = wire.response_format
        if rf.type == "json_schema":
            if rf.json_schema is None:
                raise InvalidRequest(
                    "response_format.json_schema is required when type is json_schema",
                    param="response_format",
                )
            response_format = ResponseFormat(
                "json_schema",
                rf.json_schema.schema_ or {"type": "object"},
                rf.json_schema.name,
                rf.json_schema.strict,
            )
        else:
            response_format = ResponseFormat(rf.type)
    tool_choice = None
    if isinstance(wire.tool_choice, NamedToolChoice):
        tool_choice = ToolChoice("function", wire.tool_choice.function.name)
    elif wire.tool_choice is not None:
        tool_choice = ToolChoice(wire.tool_choice)
    max_tokens = (
        wire.max_completion_tokens if wire.max_completion_tokens is not None else wire.max_tokens
    )
    return InferenceRequest(
        kind=RequestKind.CHAT,
        messages=tuple(_message(m) for m in wire.messages),
        stream=wire.stream,
        sampling=SamplingParams(
            max_tokens=max_tokens,
            temperature=wire.temperature,
            top_p=wire.top_p,
            stop=_stop(wire.stop),
            n=wire.n,
            seed=wire.seed,
            presence_penalty=wire.presence_penalty,
            frequency_penalty=wire.frequency_penalty,
            logprobs=wire.logprobs,
            top_logprobs=wire.top_logprobs or 0,
        ),
        tools=tuple(
            ToolSpec(t.function.name, t.function.description, t.function.parameters)
            for t in wire.tools or ()
        ),
        tool_choice=tool_choice,
        response_format=response_format,
    )


def completion_request(wire: CompletionRequest) -> InferenceRequest:
    _stream_options(wire)
    if isinstance(wire.prompt, list):
        if len(wire.prompt) != 1:
            raise InvalidRequest(
                "prompt: exactly one prompt per request is supported", param="prompt"
            )
        prompt = wire.prompt[0]
    else:
        prompt = wire.prompt
    if wire.best_of is not None and wire.best_of < wire.n:
        raise InvalidRequest("best_of must be greater than or equal to n", param="best_of")
    if wire.best_of is not None and wire.best_of > 1 and wire.stream:
        raise InvalidRequest("best_of cannot be used with stream", param="best_of")
    return InferenceRequest(
        kind=RequestKind.COMPLETION,
        prompt=prompt,
        stream=wire.stream,
        sampling=SamplingParams(
            max_tokens=wire.max_tokens,
            default_max_tokens=16,  # OpenAI's default for completions
            temperature=wire.temperature,
            top_p=wire.top_p,
            stop=_stop(wire.stop),
            n=wire.n,
            seed=wire.seed,
            presence_penalty=wire.presence_penalty,
            frequency_penalty=wire.frequency_penalty,
            logprobs=wire.logprobs is not None,
            top_logprobs=wire.logprobs or 0,
            best_of=wire.best_of,
        ),
    )
