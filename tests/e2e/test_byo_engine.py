"""Bring-your-own engine: attach to a llama.cpp server the test runs (the real worker process with
the embedded SmolLM2), then generate through the adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.engines.base import EngineSpec, EngineStartError, EngineState
from modelport.engines.hardware import check_hardware
from modelport.engines.llamacpp.process import WorkerProcess
from modelport.engines.openai_compat.engine import ExternalEngine, external_spec
from modelport.engines.registry import EngineFactories
from modelport.engines.supervised import free_port
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
from modelport.models.gguf_meta import read_gguf_info
from modelport.models.weights import resolve_weights

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def llama_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[WorkerProcess]:
    offer = Catalog.load(builtin_offers_dir()).embedded()
    path = resolve_weights(offer, tmp_path_factory.mktemp("models"))
    template = read_gguf_info(path).chat_template
    assert template is not None
    worker = WorkerProcess(
        EngineSpec(
            deployment="byo-upstream",
            model_path=path,
            chat_template=template,
            slots=2,
            threads=2,
            context=1024,
        )
    )
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


CHAT = InferenceRequest(
    kind=RequestKind.CHAT,
    sampling=SamplingParams(max_tokens=8, temperature=0.0, seed=1),
    messages=(Message(role="user", content="Say hello."),),
)


async def test_attach_and_generate(llama_server: WorkerProcess) -> None:
    assert llama_server.base_url is not None
    factory = EngineFactories.discover().get("openai_compat")
    assert factory is not None
    spec = external_spec("byo", llama_server.base_url + "/v1", api_key=llama_server.api_key)
    assert llama_server.api_key not in repr(spec)
    engine = factory(spec)
    assert isinstance(engine, ExternalEngine)
    try:
        await engine.start()
        assert engine.state is EngineState.READY
        assert engine.client.model  # the one model the server serves, picked at attach

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
        check_hardware(Catalog.load(builtin_offers_dir()).embedded(), "openai_compat")
    finally:
        await engine.stop()


async def test_attach_failures_are_clear(llama_server: WorkerProcess) -> None:
    assert llama_server.base_url is not None
    wrong_key = ExternalEngine(external_spec("byo", llama_server.base_url, api_key="nope"))
    with pytest.raises(EngineStartError, match="refused the API key"):
        await wrong_key.start()
    assert wrong_key.state is EngineState.FAILED
    await wrong_key.stop()

    wrong_model = ExternalEngine(
        external_spec("byo", llama_server.base_url, api_key=llama_server.api_key, model="gpt-9")
    )
    with pytest.raises(EngineStartError, match="does not serve 'gpt-9'"):
        await wrong_model.start()
    await wrong_model.stop()

    nobody = ExternalEngine(external_spec("byo", f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(EngineStartError, match="cannot reach the engine"):
        await nobody.start()
    await nobody.stop()
