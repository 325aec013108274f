"""The OpenAI-compatible dialect: chat and completions, OpenAI's bodies, chunks and errors."""

from __future__ import annotations

from typing import Any

from modelport.dialects.base import Dialect, WireRequest
from modelport.dialects.openai import errors
from modelport.dialects.openai.answer import AnswerStyle, OpenAIStyleCall
from modelport.dialects.openai.convert import chat_request, completion_request
from modelport.dialects.openai.schemas import ChatCompletionRequest, CompletionRequest
from modelport.dialects.openai.stream import error_frame
from modelport.dialects.parsing import load_json, validate
from modelport.errors import ModelportError
from modelport.inference.types import RequestKind


def include_usage(data: dict[str, Any]) -> bool:
    options = data.get("stream_options")
    return isinstance(options, dict) and bool(options.get("include_usage"))


def _error_object(error: ModelportError) -> dict[str, Any]:
    inner: dict[str, Any] = errors.error_body(error)["error"]
    return inner


# A failed stream ends with an {"error": ...} event: the openai SDK raises APIError on it.
STYLE = AnswerStyle(failure=error_frame(_error_object), annotations=True)


class OpenAIDialect(Dialect):
    name = "openai"
    kinds = frozenset({RequestKind.CHAT, RequestKind.COMPLETION})

    def parse(self, kind: RequestKind, wire: WireRequest, model_name: str) -> OpenAIStyleCall:
        data = load_json(wire.body)
        if kind is RequestKind.CHAT:
            request = chat_request(validate(ChatCompletionRequest, data))
        else:
            request = completion_request(validate(CompletionRequest, data))
        return OpenAIStyleCall(request, STYLE, separate_usage=include_usage(data))

    def error_body(self, error: ModelportError) -> dict[str, Any]:
        return errors.error_body(error)
