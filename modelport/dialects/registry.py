"""The dialects this server speaks, by name (the name the routes and the usage records use)."""

from __future__ import annotations

from modelport.dialects.ai21.dialect import AI21Dialect
from modelport.dialects.azure_inference.dialect import AzureInferenceDialect
from modelport.dialects.base import Dialect
from modelport.dialects.llama.dialect import LlamaDialect
from modelport.dialects.openai.dialect import OpenAIDialect

DIALECTS: dict[str, Dialect] = {
    d.name: d for d in (AzureInferenceDialect(), OpenAIDialect(), AI21Dialect(), LlamaDialect())
}


def dialect(name: str) -> Dialect | None:
    return DIALECTS.get(name)
