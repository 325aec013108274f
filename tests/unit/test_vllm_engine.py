"""The vLLM plug-in: the command it builds from the model cards, GPU detection, availability
(vLLM, GPUs, weights), the spec, and start/readiness/restart/failure against a stand-in for
``vllm serve`` run by the shared supervisor."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from modelport.domain.catalog import (
    Catalog,
    Hardware,
    Offer,
    Pricing,
    Task,
    WeightSource,
    builtin_offers_dir,
)
from modelport.engines.base import EngineSpec, EngineStartError, EngineState
from modelport.engines.gpus import Gpu, parse_nvidia_smi, visible
from modelport.engines.host import EngineHost, EngineSettingsError
from modelport.engines.registry import EngineFactories
from modelport.engines.vllm.config import MISSING_VLLM, VllmConfig, build_command, config_for
from modelport.engines.vllm.engine import VllmEngine, server_plan
from modelport.engines.vllm.factory import VllmEngineFactory, VllmOptions
from modelport.errors import UnsupportedParameter
from modelport.inference.collect import collect
from modelport.inference.types import (
    InferenceRequest,
    Message,
    RequestKind,
    ResponseFormat,
    SamplingParams,
    TextDelta,
    Usage,
)

FAKE_VLLM = Path(__file__).resolve().parent.parent / "fake_vllm.py"
H100 = Gpu(0, "NVIDIA H100 80GB HBM3", 81559)
A10 = Gpu(0, "NVIDIA A10G", 23028)


def _offer(
    offer_id: str, repo: str, *, gpus: int = 1, memory: int = 80, context: int = 262144
) -> Offer:
    return Offer(
        id=offer_id,
        display_name=offer_id,
        model_name=offer_id,
        publisher="test",
        license="test",
        terms="test",
        task=Task.CHAT_COMPLETION,
        context_length=context,
        pricing=Pricing(input_per_1k=Decimal(0), output_per_1k=Decimal(0)),
        regions=frozenset({"*"}),
        weights=WeightSource(hub_repo=repo),
        engines=("vllm",),
        hardware=Hardware(summary="GPU", gpus=gpus, gpu_memory_gb=memory),
    )


TOOLS = {"capabilities": frozenset({"chat", "tools"})}
JAMBA_MINI = _offer("jamba-1.5-mini", "ai21labs/AI21-Jamba-1.5-Mini").model_copy(update=TOOLS)
JAMBA_LARGE = _offer("jamba-1.5-large", "ai21labs/AI21-Jamba-1.5-Large", gpus=8).model_copy(
    update=TOOLS
)
LLAMA = _offer(
    "llama-3-8b-instruct", "meta-llama/Meta-Llama-3-8B-Instruct", memory=24, context=8192
)
LAUNCHER = ("/usr/bin/vllm", "serve")
FACTORY = VllmEngineFactory()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_parse_nvidia_smi_csv() -> None:
    output = (
        "index, name, memory.total [MiB]\n"
        "0, NVIDIA H100 80GB HBM3, 81559 MiB\n"
        "1, NVIDIA A100-SXM4-80GB, 81920 MiB\n"
    )
    gpus = parse_nvidia_smi(output)
    assert gpus == [Gpu(0, "NVIDIA H100 80GB HBM3", 81559), Gpu(1, "NVIDIA A100-SXM4-80GB", 81920)]
    assert all(g.has_memory_gb(80) for g in gpus) and not A10.has_memory_gb(80)
    assert visible(gpus, "1") == gpus[1:] and visible(gpus, None) == gpus


def test_jamba_mini_on_one_80gb_gpu_uses_experts_int8() -> None:
    config = replace(
        config_for(JAMBA_MINI, [H100], model="ai21labs/AI21-Jamba-1.5-Mini"), launcher=LAUNCHER
    )
    command = build_command(config, host="127.0.0.1", port=8123)
    assert command == [
        "/usr/bin/vllm",
        "serve",
        "ai21labs/AI21-Jamba-1.5-Mini",
        "--host",
        "127.0.0.1",
        "--port",
        "8123",
        "--served-model-name",
        "jamba-1.5-mini",
        "--tensor-parallel-size",
        "1",
        "--max-model-len",
        "102400",
        "--quantization",
        "experts_int8",
        "--enable-auto-tool-choice",
        "--tool-call-parser",
        "jamba",
    ]
    spec = EngineSpec("jm", "vllm", "m", 102400, config=config.to_dict())
    plan = server_plan(spec, config)
    assert plan.env["VLLM_FUSED_MOE_CHUNK_SIZE"] == "32768"
    assert plan.env["VLLM_API_KEY"] == plan.api_key and plan.api_key not in command


def test_jamba_mini_on_two_gpus_runs_bf16_tensor_parallel() -> None:
    config = config_for(JAMBA_MINI, [H100, replace(H100, index=1)], model="/models/jamba")
    command = build_command(replace(config, launcher=LAUNCHER), host="127.0.0.1", port=9000)
    assert command[2] == "/models/jamba"
    assert command[command.index("--tensor-parallel-size") + 1] == "2"
    assert command[command.index("--max-model-len") + 1] == str(200 * 1024)
    assert "--quantization" not in command and config.env == {}


def test_jamba_instruct_is_sized_like_jamba_mini_without_tool_parsing() -> None:
    offer = Catalog.load(builtin_offers_dir()).get("jamba-instruct")
    assert offer is not None
    config = config_for(offer, [H100], model="/models/jamba-instruct")
    assert (config.quantization, config.max_model_len) == ("experts_int8", 100 * 1024)
    assert "--tool-call-parser" not in config.extra_args


def test_jamba_large_needs_eight_80gb_gpus() -> None:
    eight = [replace(H100, index=i) for i in range(8)]
    config = config_for(JAMBA_LARGE, eight, model="ai21labs/AI21-Jamba-1.5-Large")
    command = build_command(replace(config, launcher=LAUNCHER), host="127.0.0.1", port=9000)
    assert command[command.index("--tensor-parallel-size") + 1] == "8"
    assert command[command.index("--quantization") + 1] == "experts_int8"
    with pytest.raises(EngineStartError, match="needs 8 GPU"):
        config_for(JAMBA_LARGE, eight[:4], model="x")


def test_llama_follows_the_catalog_hardware() -> None:
    config = config_for(LLAMA, [A10], model="meta-llama/Meta-Llama-3-8B-Instruct")
    launcher = ("python", "-m", "vllm.entrypoints.openai.api_server", "--model")
    command = build_command(replace(config, launcher=launcher), host="127.0.0.1", port=1)
    assert command == [
        "python",
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        "meta-llama/Meta-Llama-3-8B-Instruct",
        "--host",
        "127.0.0.1",
        "--port",
        "1",
        "--served-model-name",
        "llama-3-8b-instruct",
        "--tensor-parallel-size",
        "1",
        "--max-model-len",
        "8192",
    ]


def _host(tmp_path: Path, gpus: list[Gpu] | None = None, **settings: object) -> EngineHost:
    declared = [{"name": g.name, "memory_mib": g.memory_mib} for g in (gpus or [])]
    vllm: dict[str, object] = {"launcher": list(LAUNCHER), "gpus": declared, **settings}
    return EngineHost(
        model_store=tmp_path, restart_backoff=0.1, engine_settings={"vllm": vllm}, gpus=list
    )


def _pulled(tmp_path: Path, offer: Offer) -> Path:
    directory = tmp_path / offer.id / "hf"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text("{}")
    return directory


def test_spec_from_the_factory_round_trips_to_the_engine(tmp_path: Path) -> None:
    weights = _pulled(tmp_path, JAMBA_MINI)
    host = _host(tmp_path, [H100])
    spec = FACTORY.spec("jm", JAMBA_MINI, VllmOptions(), host)
    assert "secret" not in repr(spec) and spec.engine == "vllm"
    assert spec.context == 100 * 1024 and spec.start_timeout == 1800
    factory = EngineFactories.discover().load("vllm")
    assert isinstance(factory, VllmEngineFactory)
    engine = VllmEngine(spec)
    assert engine.config == VllmConfig.from_dict(spec.config)
    assert engine.config.model == str(weights)  # the pulled weights
    assert engine.config.quantization == "experts_int8"
    assert engine.config.launcher == LAUNCHER
    narrower = FACTORY.spec("jm", JAMBA_MINI, VllmOptions(context=32768), host)
    assert narrower.context == 32768
    assert VllmConfig.from_dict(narrower.config).max_model_len == 32768
    with pytest.raises(EngineStartError, match=r"more than vLLM can give .* \(102400\)"):
        FACTORY.spec("jm", JAMBA_MINI, VllmOptions(context=200_000), host)


def test_availability_says_what_is_missing(tmp_path: Path) -> None:
    check = FACTORY.availability(JAMBA_MINI, _host(tmp_path, [H100]))
    assert not check.ok and check.only_weights_missing
    assert "models pull jamba-1.5-mini --engine vllm" in check.missing[0]
    _pulled(tmp_path, JAMBA_MINI)
    assert FACTORY.availability(JAMBA_MINI, _host(tmp_path, [H100])).ok
    small = FACTORY.availability(JAMBA_MINI, _host(tmp_path, [A10]))
    assert [m for m in small.missing if "needs 1 GPU(s) with 80 GB" in m and "A10G" in m]
    none = FACTORY.availability(JAMBA_MINI, _host(tmp_path, []))
    assert [m for m in none.missing if "this machine has: none" in m]
    no_vllm = EngineHost(model_store=tmp_path, gpus=lambda: [H100])
    missing = FACTORY.availability(JAMBA_MINI, no_vllm).missing
    if not shutil.which("vllm"):
        assert MISSING_VLLM in missing
    with pytest.raises(EngineSettingsError, match="vllm engine: gpus"):
        bad = EngineHost(model_store=tmp_path, engine_settings={"vllm": {"gpus": [{"x": 1}]}})
        FACTORY.availability(JAMBA_MINI, bad)


def _engine(tmp_path: Path, mode: str, *, start_timeout: float = 30.0) -> VllmEngine:
    _pulled(tmp_path, LLAMA)
    env = {
        "FAKE_VLLM_MODE": mode,
        "FAKE_VLLM_LOG": str(tmp_path / "launches.jsonl"),
        "FAKE_VLLM_MARKER": str(tmp_path / "died"),
    }
    host = _host(tmp_path, [A10], launcher=[sys.executable, str(FAKE_VLLM), "serve"], env=env)
    spec = FACTORY.spec("fake", LLAMA, VllmOptions(), host)
    return VllmEngine(replace(spec, start_timeout=start_timeout))


def _launches(tmp_path: Path) -> list[dict[str, object]]:
    lines = (tmp_path / "launches.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


CHAT = InferenceRequest(
    kind=RequestKind.CHAT,
    sampling=SamplingParams(max_tokens=3),
    messages=(Message(role="user", content="hi there you"),),
)


@pytest.mark.anyio
async def test_starts_supervised_and_serves(tmp_path: Path) -> None:
    engine = _engine(tmp_path, "ok")
    try:
        await engine.start()
        assert engine.state is EngineState.READY
        (launch,) = _launches(tmp_path)
        argv = launch["argv"]
        assert isinstance(argv, list)
        assert argv[:2] == ["serve", str(tmp_path / LLAMA.id / "hf")]
        key = engine.worker.api_key
        assert launch["api_key"] == key and key not in argv
        events = [e async for e in engine.generate(CHAT)]
        assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello from vLLM"
        assert Usage(3, 3) in events
        assert (await collect(engine.generate(CHAT))).usage == Usage(3, 3)
        assert await engine.count_tokens("one two three four") == 4
        # JSON mode goes out as vLLM's response_format (the fake refuses llama.cpp's json_schema).
        for rf in (ResponseFormat("json_object"), ResponseFormat("json_schema", {}, "x")):
            asked = replace(CHAT, response_format=rf)
            answer = await collect(engine.generate(asked))
            assert json.loads(answer.choices[0].text) == {"from": "vLLM"}
        # skip_special_tokens false goes out as vLLM's own field (the fake then writes them).
        special = replace(CHAT, sampling=replace(CHAT.sampling, skip_special_tokens=False))
        engine.bound_extra(special)
        answer = await collect(engine.generate(special))
        assert answer.choices[0].text == "Hello from vLLM<|eot_id|>"
        # Beam search is refused before admission, not sampled instead (nor sent: the fake
        # refuses the field), and the client refuses it too if it ever got that far.
        beam = replace(
            CHAT, sampling=replace(CHAT.sampling, best_of=2, use_beam_search=True, temperature=0)
        )
        with pytest.raises(UnsupportedParameter) as refused:
            engine.bound_extra(beam)
        assert refused.value.param == "use_beam_search" and refused.value.status == 400
        with pytest.raises(UnsupportedParameter):
            await collect(engine.generate(beam))
    finally:
        await engine.stop()
    assert engine.state is EngineState.STOPPED


@pytest.mark.anyio
async def test_never_ready_times_out_with_a_reason(tmp_path: Path) -> None:
    engine = _engine(tmp_path, "never_ready", start_timeout=2)
    with pytest.raises(EngineStartError, match=r"did not become ready within 2s.*fake vLLM"):
        await engine.start()
    assert engine.state is EngineState.FAILED
    assert engine.last_error is not None and "ready within 2s" in engine.last_error
    await engine.stop()


@pytest.mark.anyio
async def test_start_up_crash_reports_its_output(tmp_path: Path) -> None:
    engine = _engine(tmp_path, "crash")
    with pytest.raises(EngineStartError, match=r"exited during start-up.*experts_int8 is not"):
        await engine.start()
    await engine.stop()


@pytest.mark.anyio
async def test_dead_server_is_restarted(tmp_path: Path) -> None:
    engine = _engine(tmp_path, "die_once")
    try:
        await engine.start()
        first = engine.worker.pid
        # Dies 1 s after its start, comes back after the backoff and a second start-up: a few
        # seconds here, given a minute (two Python start-ups on a loaded 2-core machine).
        for _ in range(600):
            if engine.worker.restarts == 1 and engine.state is EngineState.READY:
                break
            await asyncio.sleep(0.1)
        assert engine.worker.restarts == 1, (engine.state, engine.worker.last_error)
        assert engine.state is EngineState.READY and engine.worker.pid != first
        assert len(_launches(tmp_path)) == 2
        assert (await collect(engine.generate(CHAT))).usage == Usage(3, 3)
    finally:
        await engine.stop()


def test_missing_vllm_or_weights_fail_the_spec_fast(tmp_path: Path) -> None:
    with pytest.raises(EngineStartError, match="models pull"):
        FACTORY.spec("x", LLAMA, VllmOptions(), _host(tmp_path, [A10]))
    _pulled(tmp_path, LLAMA)
    with pytest.raises(EngineStartError, match=r"needs 1 GPU.*this machine has: none"):
        FACTORY.spec("x", LLAMA, VllmOptions(), _host(tmp_path, []))
