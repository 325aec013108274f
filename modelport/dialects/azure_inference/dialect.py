"""The Azure AI Model Inference dialect (``POST /chat/completions``, ``api-version``,
``extra-parameters``): OpenAI-shaped bodies and chunks, Azure's error shape."""

from __future__ import annotations

from typing import Any

from modelport.dialects.azure_inference import errors
from modelport.dialects.azure_inference.convert import azure_chat_request, check_api_version
from modelport.dialects.base import Dialect, WireRequest
from modelport.dialects.openai.answer import AnswerStyle, OpenAIStyleCall
from modelport.dialects.openai.dialect import include_usage
from modelport.dialects.openai.stream import error_finish
from modelport.dialects.parsing import load_json
from modelport.errors import ModelportError
from modelport.inference.types import RequestKind


def _error_object(error: ModelportError) -> dict[str, Any]:
    inner: dict[str, Any] = errors.error_body(error)["error"]
    return inner


# azure-ai-inference drops chunks without choices or usage: a failed stream ends with a last
# chunk whose open choices finish with "error", carrying the usage and Azure's error object.
STYLE = AnswerStyle(failure=error_finish(_error_object), annotations=True)


class AzureInferenceDialect(Dialect):
    name = "azure"

    def parse(self, kind: RequestKind, wire: WireRequest, model_name: str) -> OpenAIStyleCall:
        api_version = check_api_version(wire.query.get("api-version"))
        data = load_json(wire.body)
        request = azure_chat_request(
            data, api_version=api_version, extra_parameters=wire.headers.get("extra-parameters")
        )
        return OpenAIStyleCall(request, STYLE, separate_usage=include_usage(data))

    def error_body(self, error: ModelportError) -> dict[str, Any]:
        return errors.error_body(error)

    def error_headers(self, error: ModelportError) -> dict[str, str]:
        return errors.error_headers(error)
