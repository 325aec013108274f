"""The named formats' Jinja templates work inside llama.cpp (its own template engine, minja), as
they must when a deployment's weights carry no template: for each format, a real engine loaded
with the template-less tiny Jamba GGUF and given the format's template renders exactly what the
format's Python renderer renders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from modelport.engines.base import EngineSpec
from modelport.engines.llamacpp.engine import LlamaCppEngine
from modelport.inference.types import InferenceRequest, Message, RequestKind, SamplingParams
from modelport.models.formats import format_names, get_format
from modelport.models.tiny_jamba import SPECIAL_TOKENS, ensure_tiny_jamba

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

MODEL_BOS = SPECIAL_TOKENS[1]  # llama.cpp drops a leading BOS text of the model's own vocabulary
SYSTEM = Message(role="system", content="You are a helpful assistant.")
USER = Message(role="user", content="What is the capital of France?")
ANSWER = Message(role="assistant", content=" Paris. ")
FOLLOW_UP = Message(role="user", content="And of Italy?")
CONVERSATIONS = [[SYSTEM, USER], [USER], [SYSTEM, USER, ANSWER, FOLLOW_UP]]


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_tiny_jamba(tmp_path_factory.mktemp("tiny-jamba"), chat_template=False)


@pytest.fixture(params=format_names())
async def engine(request: pytest.FixtureRequest, weights: Path) -> AsyncIterator[LlamaCppEngine]:
    template = get_format(request.param).jinja_template()
    assert template
    spec = EngineSpec(
        deployment=f"template-{request.param}",
        engine="llamacpp",
        model=str(weights),
        chat_template=template,
        slots=1,
        threads=1,
        context=512,
        start_timeout=60,
    )
    engine = LlamaCppEngine(spec)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


async def test_llamacpp_renders_the_format_template_like_the_python_renderer(
    engine: LlamaCppEngine,
) -> None:
    name = engine.spec.deployment.removeprefix("template-")
    fmt = get_format(name)
    for messages in CONVERSATIONS:
        request = InferenceRequest(
            kind=RequestKind.CHAT, messages=tuple(messages), sampling=SamplingParams(max_tokens=1)
        )
        applied = await engine.prompt_text(request)
        assert applied == fmt.render(messages).removeprefix(MODEL_BOS), (name, messages)
