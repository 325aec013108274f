"""ChatML (SmolLM2 instruct, Qwen and others): ``<|im_start|>ROLE\\nCONTENT<|im_end|>\\n``.

The generation prompt is ``<|im_start|>assistant\\n`` and the model ends its turn with
``<|im_end|>``. There is no BOS token.

This renderer inserts no default system message. SmolLM2's own template does (``You are a
helpful AI assistant named SmolLM, trained by Hugging Face``), but the 135M model answers simple
questions well only with a plain system message such as "You are a helpful assistant." (measured:
without one, or with SmolLM2's default, it answered "What is the capital of France?" with
nonsense). Choosing the system message is the caller's decision (e.g. a catalog default), not
the format's. Content is not stripped.

No tools (the small SmolLM2 models were not trained for them); documents are appended to the
system message as plain text; no JSON knob.
"""

from __future__ import annotations

from modelport.inference.types import Document, Message, ResponseFormat, ToolSpec
from modelport.models.formats import jinja
from modelport.models.formats.base import PromptFormat
from modelport.models.formats.parts import with_documents_in_system

IM_START = "<|im_start|>"
IM_END = "<|im_end|>"


class ChatMLFormat(PromptFormat):
    """ChatML chat format."""

    name = "chatml"
    bos_token = ""
    stop_sequences = (IM_END,)
    supports_tools = False
    supports_documents = True
    supports_json_knob = False

    def jinja_template(self) -> str:
        return jinja.CHATML

    def _render(
        self,
        messages: list[Message],
        *,
        tools: list[ToolSpec],
        documents: list[Document],
        response_format: ResponseFormat,
        add_generation_prompt: bool,
    ) -> str:
        del tools, response_format
        parts = [
            f"{IM_START}{message.role}\n{message.content or ''}{IM_END}\n"
            for message in with_documents_in_system(messages, documents)
        ]
        if add_generation_prompt:
            parts.append(f"{IM_START}assistant\n")
        return "".join(parts)
