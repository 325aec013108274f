"""The Llama dialect (``/v1/completions`` and ``/v1/chat/completions`` of Llama offers):
vLLM-style sampling extensions, logprobs in the completions shape (on chat too), and the
vLLM-style error object."""

from __future__ import annotations

from typing import Any

from modelport.dialects.base import Dialect, WireRequest
from modelport.dialects.llama import errors
from modelport.dialects.llama.convert import chat_request, completion_request
from modelport.dialects.llama.schemas import LlamaChatRequest, LlamaCompletionRequest
from modelport.dialects.openai.answer import AnswerStyle, OpenAIStyleCall
from modelport.dialects.openai.dialect import include_usage
from modelport.dialects.openai.stream import error_frame
from modelport.dialects.parsing import load_json, validate
from modelport.errors import ModelportError
from modelport.inference.types import RequestKind

# A failed stream ends with {"error": <the Llama error object>}, as vLLM's servers stream their
# errors (the openai SDK, which Llama callers use, raises APIError on it).
STYLE = AnswerStyle(failure=error_frame(errors.error_body), chat_logprobs="legacy")


class LlamaDialect(Dialect):
    name = "llama"
    kinds = frozenset({RequestKind.CHAT, RequestKind.COMPLETION})

    def parse(self, kind: RequestKind, wire: WireRequest, model_name: str) -> OpenAIStyleCall:
        data = load_json(wire.body)
        if kind is RequestKind.CHAT:
            request = chat_request(validate(LlamaChatRequest, data))
        else:
            request = completion_request(validate(LlamaCompletionRequest, data))
        return OpenAIStyleCall(request, STYLE, separate_usage=include_usage(data))

    def error_body(self, error: ModelportError) -> dict[str, Any]:
        return errors.error_body(error)
