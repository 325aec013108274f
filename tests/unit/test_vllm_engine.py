"""The vLLM adapter: the command it builds from the model cards, GPU detection, the hardware
check, and start/readiness/restart/failure against a stand-in for ``vllm serve``."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from modelport.domain.catalog import Hardware, Offer, Pricing, Task, WeightSource
from modelport.engines.base import EngineStartError, EngineState
from modelport.engines.gpus import Gpu, parse_nvidia_smi, visible
from modelport.engines.hardware import check_hardware
from modelport.engines.registry import EngineFactories
from modelport.engines.vllm.config import (
    MISSING_VLLM,
    VllmConfig,
    build_command,
    build_env,
    config_for,
    vllm_spec,
)
from modelport.engines.vllm.engine import VllmEngine
from modelport.inference.collect import collect
from modelport.inference.types import (
    InferenceRequest,
    Message,
    RequestKind,
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


JAMBA_MINI = _offer("jamba-1.5-mini", "ai21labs/AI21-Jamba-1.5-Mini")
JAMBA_LARGE = _offer("jamba-1.5-large", "ai21labs/AI21-Jamba-1.5-Large", gpus=8)
LLAMA = _offer(
    "llama-3-8b-instruct", "meta-llama/Meta-Llama-3-8B-Instruct", memory=24, context=8192
)
LAUNCHER = ["/usr/bin/vllm", "serve"]


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
    config = config_for(JAMBA_MINI, [H100], model="ai21labs/AI21-Jamba-1.5-Mini")
    command = build_command(config, LAUNCHER, host="127.0.0.1", port=8123)
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
    env = build_env(config, "secret-key", base={"PATH": "/usr/bin"})
    assert env == {
        "PATH": "/usr/bin",
        "VLLM_FUSED_MOE_CHUNK_SIZE": "32768",
        "VLLM_API_KEY": "secret-key",
    }
    assert "secret-key" not in command


def test_jamba_mini_on_two_gpus_runs_bf16_tensor_parallel() -> None:
    config = config_for(JAMBA_MINI, [H100, replace(H100, index=1)], model="/models/jamba")
    command = build_command(config, LAUNCHER, host="127.0.0.1", port=9000)
    assert command[2] == "/models/jamba"
    assert command[command.index("--tensor-parallel-size") + 1] == "2"
    assert command[command.index("--max-model-len") + 1] == str(200 * 1024)
    assert "--quantization" not in command and config.env == {}


def test_jamba_large_needs_eight_80gb_gpus() -> None:
    eight = [replace(H100, index=i) for i in range(8)]
    config = config_for(JAMBA_LARGE, eight, model="ai21labs/AI21-Jamba-1.5-Large")
    command = build_command(config, LAUNCHER, host="127.0.0.1", port=9000)
    assert command[command.index("--tensor-parallel-size") + 1] == "8"
    assert command[command.index("--quantization") + 1] == "experts_int8"
    with pytest.raises(EngineStartError, match="needs 8 GPU"):
        config_for(JAMBA_LARGE, eight[:4], model="x")


def test_llama_follows_the_catalog_hardware() -> None:
    config = config_for(LLAMA, [A10], model="meta-llama/Meta-Llama-3-8B-Instruct")
    command = build_command(
        config,
        ["python", "-m", "vllm.entrypoints.openai.api_server", "--model"],
        host="127.0.0.1",
        port=1,
    )
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


def test_spec_round_trips_through_the_factory(tmp_path: Path) -> None:
    (tmp_path / "jamba-1.5-mini").mkdir()
    (tmp_path / "jamba-1.5-mini" / "config.json").write_text("{}")
    spec = vllm_spec("jm", JAMBA_MINI, [H100], model_store=tmp_path)
    assert "secret" not in repr(spec)
    factory = EngineFactories.discover().get("vllm")
    assert factory is not None
    engine = factory(spec)
    assert isinstance(engine, VllmEngine)
    assert engine.config == VllmConfig.from_extra(spec.extra)
    assert engine.config.model == str(tmp_path / "jamba-1.5-mini")  # the pulled weights
    assert engine.config.quantization == "experts_int8"


def test_check_hardware() -> None:
    with_vllm = {"launcher": lambda: LAUNCHER}
    check_hardware(JAMBA_MINI, "vllm", gpus=lambda: [H100], **with_vllm)
    with pytest.raises(EngineStartError, match=r"needs 1 GPU\(s\) with 80 GB.*NVIDIA A10G"):
        check_hardware(JAMBA_MINI, "vllm", gpus=lambda: [A10], **with_vllm)
    with pytest.raises(EngineStartError, match="this machine has: none"):
        check_hardware(JAMBA_MINI, "vllm", gpus=list, **with_vllm)
    with pytest.raises(EngineStartError, match="vLLM is not installed"):
        check_hardware(JAMBA_MINI, "vllm", gpus=lambda: [H100], launcher=lambda: None)
    with pytest.raises(
        EngineStartError, match=r"runs on the engines \['vllm'\], not on 'llamacpp'"
    ):
        check_hardware(JAMBA_MINI, "llamacpp", gpus=lambda: [H100])
    check_hardware(JAMBA_MINI, "openai_compat", gpus=list, launcher=lambda: None)


def _engine(tmp_path: Path, mode: str, *, start_timeout: float = 30.0) -> VllmEngine:
    spec = vllm_spec("fake", LLAMA, [A10], model_store=tmp_path, start_timeout=start_timeout)
    spec = replace(spec, restart_backoff=0.1)
    spec.extra["vllm.env.FAKE_VLLM_MODE"] = mode
    spec.extra["vllm.env.FAKE_VLLM_LOG"] = str(tmp_path / "launches.jsonl")
    spec.extra["vllm.env.FAKE_VLLM_MARKER"] = str(tmp_path / "died")
    return VllmEngine(
        spec, gpus=lambda: [A10], launcher=lambda: [sys.executable, str(FAKE_VLLM), "serve"]
    )


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
        assert argv[:2] == ["serve", "meta-llama/Meta-Llama-3-8B-Instruct"]
        assert launch["api_key"] == engine.api_key and engine.api_key not in argv
        events = [e async for e in engine.generate(CHAT)]
        assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello from vLLM"
        assert Usage(7, 3) in events
        assert (await collect(engine.generate(CHAT))).usage == Usage(7, 3)
        assert await engine.count_tokens("one two three four") == 4
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
        first = engine.server.pid if engine.server else None
        for _ in range(100):
            if engine.server and engine.server.restarts == 1 and engine.state is EngineState.READY:
                break
            await asyncio.sleep(0.1)
        assert engine.server is not None and engine.server.restarts == 1
        assert engine.state is EngineState.READY and engine.server.pid != first
        assert len(_launches(tmp_path)) == 2
        assert (await collect(engine.generate(CHAT))).usage == Usage(7, 3)
    finally:
        await engine.stop()


@pytest.mark.anyio
async def test_missing_vllm_or_gpu_fails_fast(tmp_path: Path) -> None:
    engine = _engine(tmp_path, "ok")
    engine._launcher = lambda: None
    with pytest.raises(EngineStartError) as info:
        await engine.start()
    assert str(info.value) == MISSING_VLLM and engine.state is EngineState.FAILED
    engine = _engine(tmp_path, "ok")
    engine._gpus = list
    with pytest.raises(EngineStartError, match=r"needs 1 GPU.*no NVIDIA GPU"):
        await engine.start()
    assert not (tmp_path / "launches.jsonl").exists()  # nothing was started
