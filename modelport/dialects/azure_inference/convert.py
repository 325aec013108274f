"""Azure AI Model Inference requests → canonical requests.

The chat body is the OpenAI chat schema (``ChatCompletionsOptions`` is a subset of it, plus
``additionalProperties``); what is Azure's own is handled here: the ``api-version`` query
parameter and the ``extra-parameters`` header.

Leniency (documented in docs/dialects.md): the ``/chat/completions`` route is also the route the
openai SDK calls, so ``api-version`` may be absent. Without it the request is read with OpenAI's
ranges (temperature 0-2); with it, with Azure's (temperature 0-1).
"""

from __future__ import annotations

from typing import Any

from modelport.dialects.azure_inference.schemas import ChatCompletionsOptions
from modelport.dialects.openai.convert import chat_request
from modelport.dialects.parsing import validate
from modelport.errors import InvalidRequest, UnknownParameter
from modelport.inference.types import InferenceRequest

API_VERSIONS = ("2024-05-01-preview", "2025-04-01")
"""The versions this endpoint implements; the Python SDK sends the preview one."""

EXTRA_PARAMETERS = ("error", "drop", "pass-through")


def check_api_version(value: str | None) -> str | None:
    if value is None:
        return None
    if value not in API_VERSIONS:
        raise InvalidRequest(
            f"unsupported api-version {value!r}; supported versions: {', '.join(API_VERSIONS)}",
            param="api-version",
        )
    return value


def _known_keys() -> frozenset[str]:
    fields = ChatCompletionsOptions.model_fields
    return frozenset(f.alias or name for name, f in fields.items())


KNOWN_KEYS = _known_keys()


def split_extra(data: dict[str, Any], mode: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply the ``extra-parameters`` header: the body to validate, and pass-through extras."""
    mode = (mode or "error").strip().lower()
    if mode not in EXTRA_PARAMETERS:
        raise InvalidRequest(
            f"unsupported extra-parameters value {mode!r}; use one of: "
            + ", ".join(EXTRA_PARAMETERS),
            param="extra-parameters",
        )
    unknown = {k: v for k, v in data.items() if k not in KNOWN_KEYS}
    if not unknown:
        return data, {}
    if mode == "error":
        names = ", ".join(sorted(unknown))
        raise UnknownParameter(
            f"extra parameters [{names}] are not allowed when extra-parameters is not set or "
            "set to 'error'; set the extra-parameters header to 'pass-through' to pass them to "
            "the model, or to 'drop' to ignore them",
            param=sorted(unknown)[0],
        )
    known = {k: v for k, v in data.items() if k in KNOWN_KEYS}
    return known, (unknown if mode == "pass-through" else {})


def azure_chat_request(
    data: dict[str, Any], *, api_version: str | None, extra_parameters: str | None
) -> InferenceRequest:
    body, extra = split_extra(data, extra_parameters)
    wire = validate(ChatCompletionsOptions, body)
    if api_version is not None and wire.temperature is not None and wire.temperature > 1:
        raise InvalidRequest(
            "temperature: must be between 0 and 1 in the Azure AI Model Inference API",
            param="temperature",
        )
    canonical = chat_request(wire)
    if extra:
        canonical.extra.update(extra)
    return canonical
