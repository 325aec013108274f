"""Bring-your-own engine: attach to a llama.cpp server the test runs (the real worker process with
the embedded SmolLM2, started by the llama.cpp plug-in), then generate through the adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.engines.base import EngineStartError, EngineState
from modelport.engines.host import EngineHost
from modelport.engines.llamacpp.engine import LlamaCppEngine
from modelport.engines.llamacpp.factory import LlamaCppEngineFactory, LlamaCppOptions
from modelport.engines.openai_compat.engine import ExternalEngine
from modelport.engines.openai_compat.factory import ExternalEngineFactory, OpenAICompatOptions
from modelport.engines.registry import EngineFactories
from modelport.engines.supervisor import Supervisor, free_port
from modelport.inference.collect import collect
from modelport.inference.types import (
    ChoiceEnd,
    FinishReason,
    InferenceRequest,
    Message,
    RequestKind,
    SamplingParams,
    TextDelta,
    Usage,
)

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


OFFER = Catalog.load(builtin_offers_dir()).embedded()
ATTACH = ExternalEngineFactory()


@pytest.fixture(scope="module")
async def llama_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Supervisor]:
    host = EngineHost(model_store=tmp_path_factory.mktemp("models"), slots=2)
    spec = LlamaCppEngineFactory().spec("byo-upstream", OFFER, LlamaCppOptions(context=1024), host)
    engine = await LlamaCppEngineFactory().start(spec)
    assert isinstance(engine, LlamaCppEngine)
    try:
        yield engine.worker
    finally:
        await engine.stop()


def _attach(url: str, **options: object) -> ExternalEngine:
    host = EngineHost(model_store=Path("/nonexistent"))
    spec = ATTACH.spec(
        "byo", OFFER, OpenAICompatOptions.model_validate({"url": url, **options}), host
    )
    return ExternalEngine(spec)


CHAT = InferenceRequest(
    kind=RequestKind.CHAT,
    sampling=SamplingParams(max_tokens=8, temperature=0.0, seed=1),
    messages=(Message(role="user", content="Say hello."),),
)


async def test_attach_and_generate(llama_server: Supervisor) -> None:
    assert llama_server.base_url is not None
    factory = EngineFactories.discover().load("openai_compat")
    assert isinstance(factory, ExternalEngineFactory)
    options = OpenAICompatOptions(url=llama_server.base_url + "/v1/", api_key=llama_server.api_key)
    assert options.url == llama_server.base_url
    spec = factory.spec("byo", OFFER, options, EngineHost(model_store=Path("/nonexistent")))
    assert llama_server.api_key not in repr(spec) and llama_server.api_key not in repr(options)
    engine = await factory.start(spec)
    assert isinstance(engine, ExternalEngine)
    try:
        assert engine.state is EngineState.READY
        assert engine.client.model  # the one model the server serves, picked at attach
        assert engine.context == 1024  # what the server gives one request (its /props)

        streamed = [event async for event in engine.generate(CHAT)]
        deltas = [e for e in streamed if isinstance(e, TextDelta)]
        assert len(deltas) >= 2 and "".join(d.text for d in deltas).strip()
        (usage,) = [e for e in streamed if isinstance(e, Usage)]
        assert usage.prompt_tokens > 0 and 0 < usage.completion_tokens <= 8
        assert any(isinstance(e, ChoiceEnd) for e in streamed)

        whole = await collect(engine.generate(CHAT))  # the non-streamed shape
        assert whole.choices[0].text == "".join(d.text for d in deltas)  # temperature 0
        assert whole.choices[0].finish_reason in (FinishReason.STOP, FinishReason.LENGTH)
        assert whole.usage == usage

        assert await engine.count_tokens("hello world") >= 2
        assert factory.availability(OFFER, EngineHost(model_store=Path("/nonexistent"))).ok
    finally:
        await engine.stop()


async def test_attach_failures_are_clear(llama_server: Supervisor) -> None:
    assert llama_server.base_url is not None
    wrong_key = _attach(llama_server.base_url, api_key="nope")
    with pytest.raises(EngineStartError, match="refused the API key"):
        await wrong_key.start()
    assert wrong_key.state is EngineState.FAILED
    await wrong_key.stop()

    wrong_model = _attach(llama_server.base_url, api_key=llama_server.api_key, model="gpt-9")
    with pytest.raises(EngineStartError, match="does not serve 'gpt-9'"):
        await wrong_model.start()
    await wrong_model.stop()

    nobody = _attach(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(EngineStartError, match="cannot reach the engine"):
        await nobody.start()
    await nobody.stop()
