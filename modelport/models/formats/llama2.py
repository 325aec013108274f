"""Meta Llama 2 chat: ``[INST]`` blocks, the system prompt folded into the first one.

As Meta's (and Hugging Face's) Llama 2 chat template renders it::

    <s>[INST] <<SYS>>\\nSYSTEM\\n<</SYS>>\\n\\nUSER [/INST] ASSISTANT </s><s>[INST] USER [/INST]

* Without a system message (and no documents) there is no ``<<SYS>>`` block.
* After the optional leading system message, roles must alternate user/assistant starting with
  the user, or :class:`~.base.PromptFormatError` is raised (the template's own rule).
* Each user turn (with its ``<<SYS>>`` block) and each assistant answer is stripped of
  surrounding whitespace.
* There is no generation header: the prompt ends with ``[/INST]`` and the model answers after
  it, so ``add_generation_prompt`` changes nothing. The model ends its answer with ``</s>``.
* No tools; documents are appended to the system prompt as plain text.
"""

from __future__ import annotations

from modelport.errors import PromptFormatError
from modelport.inference.types import Document, Message, ResponseFormat, ToolSpec
from modelport.models.formats import jinja
from modelport.models.formats.base import PromptFormat
from modelport.models.formats.parts import split_system, with_documents_in_system

BOS = "<s>"
EOS = "</s>"


class Llama2Format(PromptFormat):
    """Llama 2 chat format."""

    name = "llama-2"
    bos_token = BOS
    stop_sequences = (EOS,)
    supports_tools = False
    supports_documents = True
    supports_json_knob = False

    def jinja_template(self) -> str:
        return jinja.LLAMA_2

    def _render(
        self,
        messages: list[Message],
        *,
        tools: list[ToolSpec],
        documents: list[Document],
        response_format: ResponseFormat,
        add_generation_prompt: bool,
    ) -> str:
        del tools, response_format, add_generation_prompt
        system, rest = split_system(with_documents_in_system(messages, documents))
        if not rest:
            raise PromptFormatError("the llama-2 prompt format needs at least one user message")
        parts: list[str] = []
        for index, message in enumerate(rest):
            expected = "user" if index % 2 == 0 else "assistant"
            if message.role != expected:
                raise PromptFormatError(
                    "Conversation roles must alternate user/assistant/user/assistant/...",
                    param="messages",
                )
            content = message.content or ""
            if index == 0 and system is not None:
                content = f"<<SYS>>\n{system.content or ''}\n<</SYS>>\n\n{content}"
            if message.role == "user":
                parts.append(f"{BOS}[INST] {content.strip()} [/INST]")
            else:
                parts.append(f" {content.strip()} {EOS}")
        return "".join(parts)
