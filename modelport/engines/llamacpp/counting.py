"""Counting a prompt's tokens in the gateway process, exactly as the llama.cpp engine counts them.

Admission needs the prompt's token count before any engine work (to reserve against the rate
limit and to fit the context). Asking the engine costs two HTTP round trips per request (apply
the chat template, then tokenize); this counter does the same work in process: the model's own
byte-level BPE vocabulary read from its GGUF file (run by Hugging Face ``tokenizers``), with the
pre-tokenizer llama.cpp uses for the model's ``tokenizer.ggml.pre`` type and its special tokens,
and the engine's chat template rendered with Jinja.

It is used only where it is proven: :meth:`LocalPromptCounter.agrees` compares it with the engine
on probe conversations when the engine starts, and requests it does not cover (tools, documents,
JSON modes, whose prompt the engine shapes itself) are still counted by the engine. Vocabularies
it does not know (SentencePiece models, unknown pre-tokenizers) are left to the engine too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokenizers import AddedToken, Regex, Tokenizer, models, pre_tokenizers

from modelport.errors import ModelportError
from modelport.inference.types import InferenceRequest, Message, RequestKind, SamplingParams
from modelport.models.formats.template import TemplateFormat
from modelport.models.gguf_meta import GGUFError, read_gguf_tokenizer

log = logging.getLogger("modelport.engines.llamacpp")

_GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"
_LLAMA3 = (
    r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|"
    r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_QWEN2 = (
    r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|"
    r"\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
# llama.cpp's pre-tokenizer expressions per ``tokenizer.ggml.pre`` (applied in turn), and whether
# a word found whole in the vocabulary skips the merges.
PRE_TOKENIZERS: dict[str, tuple[tuple[str, ...], bool]] = {
    "default": ((_GPT2,), False),
    "gpt2": ((_GPT2,), False),
    **{
        name: ((r"\p{N}", _GPT2), False)
        for name in ("smollm", "starcoder", "refact", "command-r", "codeshell", "exaone")
    },
    "llama3": ((_LLAMA3,), True),
    "llama-bpe": ((_LLAMA3,), True),
    "qwen2": ((_QWEN2,), False),
}
_SPECIAL_TYPES = (3, 4)  # llama.cpp token types: CONTROL, USER_DEFINED

# Conversations the counter must count exactly as the engine before it is trusted.
PROBES: tuple[tuple[Message, ...], ...] = (
    (Message("user", "Hello!"),),
    (
        Message("system", "You are a helpful assistant."),
        Message("user", "What is 12345 + 67890? Answer in   three words,\nplease."),
    ),
    (
        Message("system", "Réponds en français, s'il te plaît."),
        Message("user", "Qu'est-ce qu'un café crème ? 🙂 <|im_start|> literal"),
        Message("assistant", "Un café avec de la crème."),
        Message("user", "  Et un 'latte'?\t\n\n"),
    ),
)


def build_tokenizer(meta: dict[str, Any]) -> Tokenizer | None:
    """The model's tokenizer from its GGUF metadata, or None for a vocabulary it cannot run."""
    if meta.get("tokenizer.ggml.model") != "gpt2":
        return None
    pre = PRE_TOKENIZERS.get(str(meta.get("tokenizer.ggml.pre", "default")))
    tokens = meta.get("tokenizer.ggml.tokens")
    merges = meta.get("tokenizer.ggml.merges")
    types = meta.get("tokenizer.ggml.token_type")
    if pre is None or not isinstance(tokens, list) or not isinstance(merges, list):
        return None
    expressions, ignore_merges = pre
    vocab = {token: index for index, token in enumerate(tokens)}
    pairs = [tuple(merge.split(" ", 1)) for merge in merges]
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=pairs, ignore_merges=ignore_merges))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(e), behavior="isolated") for e in expressions]
        + [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
    )
    if isinstance(types, list):
        tokenizer.add_special_tokens(
            [
                AddedToken(token, special=True, normalized=False)
                for token, kind in zip(tokens, types, strict=False)
                if kind in _SPECIAL_TYPES
            ]
        )
    return tokenizer


@dataclass(frozen=True)
class LocalPromptCounter:
    tokenizer: Tokenizer
    template: TemplateFormat
    add_bos: bool
    add_eos: bool

    @classmethod
    def load(cls, model_path: Path, chat_template: str) -> LocalPromptCounter | None:
        """Read the vocabulary (a fraction of a second; call it off the event loop)."""
        try:
            meta = read_gguf_tokenizer(model_path)
        except (OSError, GGUFError) as exc:
            log.info("prompt counting stays with the engine: %s", exc)
            return None
        tokenizer = build_tokenizer(meta)
        if tokenizer is None:
            log.info(
                "prompt counting stays with the engine: vocabulary %s/%s is not run in process",
                meta.get("tokenizer.ggml.model"),
                meta.get("tokenizer.ggml.pre"),
            )
            return None
        tokens: list[str] = meta["tokenizer.ggml.tokens"]

        def token(key: str) -> str:
            index = meta.get(key)
            return tokens[index] if isinstance(index, int) and 0 <= index < len(tokens) else ""

        try:
            template = TemplateFormat(
                chat_template,
                bos_token=token("tokenizer.ggml.bos_token_id"),
                eos_token=token("tokenizer.ggml.eos_token_id"),
            )
        except ModelportError as exc:
            log.info("prompt counting stays with the engine: %s", exc.message)
            return None
        return cls(
            tokenizer,
            template,
            add_bos=bool(meta.get("tokenizer.ggml.add_bos_token", False)),
            add_eos=bool(meta.get("tokenizer.ggml.add_eos_token", False)),
        )

    def count_text(self, text: str) -> int:
        ids = self.tokenizer.encode(text, add_special_tokens=False).ids
        return len(ids) + self.add_bos + self.add_eos

    def count(self, request: InferenceRequest) -> int | None:
        """The prompt's tokens, or None for a request whose prompt the engine shapes itself."""
        if request.kind is RequestKind.COMPLETION:
            return self.count_text(request.prompt or "")
        if (
            request.tools
            or request.documents
            or request.response_format.type != "text"
            or any(
                m.content is None or m.tool_calls or m.role == "tool" or m.name is not None
                for m in request.messages
            )
        ):
            return None
        return self.count_text(self.template.render(request.messages))

    async def agrees(self, engine_count: Callable[[InferenceRequest], Awaitable[int]]) -> bool:
        """Whether this counter counts the probe conversations (and a completion prompt) as the
        engine does."""
        probes = [
            InferenceRequest(RequestKind.CHAT, SamplingParams(), messages=messages)
            for messages in PROBES
        ]
        probes.append(
            InferenceRequest(
                RequestKind.COMPLETION, SamplingParams(), prompt="The 3 best ways to  learn:\n1."
            )
        )
        for probe in probes:
            ours, theirs = self.count(probe), await engine_count(probe)
            if ours != theirs:
                log.warning(
                    "prompt counting stays with the engine: the in-process count (%s) differs "
                    "from the engine's (%s)",
                    ours,
                    theirs,
                )
                return False
        return True
