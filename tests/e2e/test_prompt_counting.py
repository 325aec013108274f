"""Prompt tokens are counted in the gateway process exactly as the engine counts them.

The embedded deployment's engine proves its in-process counter at start-up; here the counter is
compared with the engine's own count (chat template applied by the engine, then its tokenizer) on
varied conversations and prompts: numbers, code, accents, emoji, runs of whitespace, special
tokens written as text, a long document. Requests the engine shapes itself (tools) are still
counted by the engine.
"""

from __future__ import annotations

import asyncio

import pytest

from modelport.engines.llamacpp.engine import LlamaCppEngine
from modelport.inference.types import (
    InferenceRequest,
    Message,
    RequestKind,
    SamplingParams,
    ToolSpec,
)
from tests.support import EMBEDDED, ThreadServer

pytestmark = pytest.mark.e2e

TEXTS = [
    "Hi",
    "What's the capital of France? It's Paris, isn't it?",
    "Compute 1234567890 * 987654321 = ? and 3.14159265 / 2.71828",
    "def f(x):\n    return {'a': [1, 2, 3], \"b\": x ** 2}  # comment\n\n\n",
    "Ça coûte 12,50 € — naïve façade, Straße, 東京, Москва, مرحبا 🙂🚀👍🏽",
    "   leading and trailing spaces   \t tabs\t\tand\r\nwindows lines\r\n",
    "Special tokens as text: <|im_start|>user\nhi<|im_end|> <|endoftext|>",
    "I'll, you've, they're, we'd, she's, it'd've — contractions' edge-cases''",
    "A" * 300 + " " + "ab" * 200,
    " ".join(f"word{i}" for i in range(1500)),  # a long document
]


def chats() -> list[InferenceRequest]:
    out = []
    for i, text in enumerate(TEXTS):
        messages = [Message("user", text)]
        if i % 2:
            messages.insert(0, Message("system", "You are a terse assistant."))
        if i % 3 == 0:
            messages += [Message("assistant", TEXTS[(i + 1) % len(TEXTS)]), Message("user", "ok")]
        out.append(InferenceRequest(RequestKind.CHAT, SamplingParams(), messages=tuple(messages)))
    out += [
        InferenceRequest(RequestKind.COMPLETION, SamplingParams(), prompt=text) for text in TEXTS
    ]
    return out


def test_in_process_counts_equal_the_engines(live_server: ThreadServer) -> None:
    live = live_server.services.registry.get(live_server.settings.default_region, EMBEDDED)
    assert live is not None and isinstance(live.engine, LlamaCppEngine)
    engine = live.engine
    assert engine.counter is not None, "the counter was not proven at start-up"
    assert live_server.loop is not None

    async def both(request: InferenceRequest) -> tuple[int | None, int]:
        assert engine.counter is not None
        return engine.counter.count(request), await engine.client.count_prompt_tokens(request)

    for request in chats():
        ours, engines = asyncio.run_coroutine_threadsafe(both(request), live_server.loop).result(60)
        assert ours == engines, (request.prompt or request.messages)[:1]


def test_requests_the_engine_shapes_are_counted_by_the_engine(live_server: ThreadServer) -> None:
    live = live_server.services.registry.get(live_server.settings.default_region, EMBEDDED)
    assert live is not None and isinstance(live.engine, LlamaCppEngine)
    assert live.engine.counter is not None
    tools = InferenceRequest(
        RequestKind.CHAT,
        SamplingParams(),
        messages=(Message("user", "Weather in Paris?"),),
        tools=(ToolSpec("get_weather", "The weather", {"type": "object"}),),
    )
    assert live.engine.counter.count(tools) is None
