"""The AI21 dialect (``POST /v1/chat/completions`` of Jamba offers): AI21's validations, its
stream (a role-only first delta, then content deltas; each stream choice carries ``logprobs:
null`` as in AI21's reference and ``created`` as in its Azure examples) and its error shape (422
for bad input)."""

from __future__ import annotations

from typing import Any

from modelport.dialects.ai21 import errors
from modelport.dialects.ai21.convert import chat_request
from modelport.dialects.ai21.schemas import AI21ChatRequest
from modelport.dialects.base import Dialect, WireRequest
from modelport.dialects.openai.answer import AnswerStyle, OpenAIStyleCall
from modelport.dialects.openai.stream import error_finish
from modelport.dialects.parsing import load_json, validate
from modelport.errors import ModelportError
from modelport.inference.types import RequestKind

# The ai21 SDK validates every chunk (an {"error"} event fails it): a failed stream ends with a
# last chunk whose open choice finishes with "error", carrying the usage and AI21's error body.
STYLE = AnswerStyle(
    failure=error_finish(errors.error_body),
    role_chunk=True,
    choice_extras={"logprobs": None},
    choice_created=True,
)


class AI21Dialect(Dialect):
    name = "ai21"

    def parse(self, kind: RequestKind, wire: WireRequest, model_name: str) -> OpenAIStyleCall:
        wire_request = validate(AI21ChatRequest, load_json(wire.body))
        return OpenAIStyleCall(chat_request(wire_request, model_name), STYLE)

    def error_body(self, error: ModelportError) -> dict[str, Any]:
        return errors.error_body(error)

    def error_status(self, error: ModelportError) -> int:
        return errors.error_status(error)
