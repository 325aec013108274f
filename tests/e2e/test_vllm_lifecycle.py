"""A vLLM offer through the whole lifecycle, with a stand-in vLLM *server process* (CI has no
GPU): ``jamba-1.5-mini``'s hub weights pulled for vLLM from a local hub with the real repo's
layout, deployed through the management API (vLLM is its first engine, and this machine declares
one 80 GB GPU in the engine's settings), started with the model card's settings (ExpertsInt8,
100K context, the fused-MoE chunk size, the Jamba tool parser), called through every dialect with
the SDKs, metered, and restarted by the supervisor when the server is killed.

``bench/gpu/vllm_lifecycle.py`` does the same with real vLLM on a GPU machine.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from ai21 import AI21AzureClient
from ai21.models.chat import UserMessage
from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import UserMessage as AzureUser
from azure.core.credentials import AzureKeyCredential
from click.testing import CliRunner

from modelport.cli.main import cli
from tests.fake_hub import FakeFile, FakeHub, FakeHubServer, FakeRepo
from tests.support import ThreadServer, admin, keys_of, settings_for, wait_ready

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The 'from_dict' method is deprecated:DeprecationWarning"),
]

FAKE_VLLM = Path(__file__).resolve().parent.parent / "fake_vllm.py"
OFFER = "jamba-1.5-mini"
NAME = "jamba-gpu"
H100 = {"name": "NVIDIA H100 80GB HBM3", "memory_mib": 81559}


def _jamba_repo() -> FakeRepo:
    """The file layout of ai21labs/AI21-Jamba-1.5-Mini (fewer, smaller shards)."""
    files = {
        f"model-0000{i}-of-00003.safetensors": FakeFile(os.urandom(2048 + i)) for i in (1, 2, 3)
    }
    for name in (
        "config.json",
        "generation_config.json",
        "model.safetensors.index.json",
        "special_tokens_map.json",
        "tokenizer.json",
        "tokenizer_config.json",
    ):
        files[name] = FakeFile(b'{"architectures": ["JambaForCausalLM"]}\n', lfs=False)
    files["tokenizer.model"] = FakeFile(os.urandom(300))
    files["README.md"] = FakeFile(b"# Jamba 1.5 Mini\n", lfs=False)
    return FakeRepo("3" * 40, files)


@pytest.fixture(scope="module")
def gpu_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ThreadServer, Path]]:
    tmp = tmp_path_factory.mktemp("vllm")
    log = tmp / "launches.jsonl"
    settings = settings_for(
        tmp / "data",
        embedded_default=False,
        engine_restart_backoff=0.2,
        engine_settings={
            "vllm": {
                "launcher": [sys.executable, str(FAKE_VLLM), "serve"],
                "gpus": [H100],  # what nvidia-smi would report on a one-H100 machine
                "env": {"FAKE_VLLM_LOG": str(log)},
            }
        },
    )
    hub = FakeHub(repos={"ai21labs/AI21-Jamba-1.5-Mini": _jamba_repo()})
    with FakeHubServer(hub) as mirror:
        pulled = CliRunner().invoke(
            cli,
            ["models", "pull", OFFER, "--engine", "vllm", "--quiet"],
            env={
                "MODELPORT_DATA_DIR": str(settings.data_dir),
                "MODELPORT_HUB_ENDPOINT": mirror.url,
            },
        )
        assert pulled.exit_code == 0, pulled.output
    server = ThreadServer(settings).start()
    try:
        yield server, log
    finally:
        server.stop()


@pytest.fixture(scope="module")
def deployed(gpu_server: tuple[ThreadServer, Path]) -> tuple[str, str]:
    server, _ = gpu_server
    with admin(server.base_url) as api:
        offer = api.get(f"/management/catalog/{OFFER}").json()
        assert offer["availability"]["engine"] == "vllm"  # its first engine, runnable here
        assert api.post("/management/projects", json={"name": "gpu"}).status_code == 201
        created = api.post(
            "/management/projects/gpu/deployments",
            json={"name": NAME, "offer": OFFER, "subscribe": True},
        )
        assert created.status_code == 202, created.text
        assert created.json()["engine"] == "vllm"
    ready = wait_ready(server.base_url, NAME)
    return ready["target_url"], keys_of(server.base_url, NAME)["primary"]


def _launches(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_vllm_starts_with_the_model_cards_settings(
    gpu_server: tuple[ThreadServer, Path], deployed: tuple[str, str]
) -> None:
    server, log = gpu_server
    (launch,) = _launches(log)
    argv = launch["argv"]
    weights = server.settings.data_dir / "models" / OFFER / "hf"
    assert argv[:2] == ["serve", str(weights)]  # the pulled hub weights
    assert argv[argv.index("--served-model-name") + 1] == OFFER
    assert argv[argv.index("--quantization") + 1] == "experts_int8"  # one 80 GB GPU
    assert argv[argv.index("--max-model-len") + 1] == str(100 * 1024)
    assert argv[argv.index("--tool-call-parser") + 1] == "jamba"
    env = launch["env"]
    assert env["VLLM_FUSED_MOE_CHUNK_SIZE"] == "32768"
    assert launch["api_key"] and launch["api_key"] not in argv
    assert not [k for k in env if k.startswith("MODELPORT_")], "the gateway's settings leaked"
    with admin(server.base_url) as api:
        d = api.get(f"/management/deployments/{NAME}").json()
    assert d["engine_status"]["quantization"] == "experts_int8"
    assert d["engine_status"]["context"] == 100 * 1024 and d["readiness"] == "ready"


def test_every_dialect_through_vllm(
    gpu_server: tuple[ThreadServer, Path], deployed: tuple[str, str]
) -> None:
    server, _ = gpu_server
    url, key = deployed
    ai21 = AI21AzureClient(base_url=url, api_key=key)
    try:
        reply = ai21.chat.completions.create(
            model=OFFER, messages=[UserMessage(content="Say hello")], max_tokens=3
        )
        assert reply.choices[0].message.content == "Hello from vLLM"
        assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (2, 3)
        pieces = [
            c.choices[0].delta.content or ""
            for c in ai21.chat.completions.create(
                model=OFFER, messages=[UserMessage(content="Say hello")], max_tokens=2, stream=True
            )
            if c.choices
        ]
        assert "".join(pieces) == "Hello from"
    finally:
        ai21._client.close()
    with ChatCompletionsClient(endpoint=url, credential=AzureKeyCredential(key)) as azure:
        answer = azure.complete(messages=[AzureUser("Say hello")], max_tokens=3)
        assert answer.choices[0].message.content == "Hello from vLLM" and answer.model == OFFER
        streamed = azure.complete(messages=[AzureUser("Say hello")], max_tokens=3, stream=True)
        assert "".join(c.delta.content or "" for u in streamed for c in u.choices) == (
            "Hello from vLLM"
        )
        streamed.close()
    client = openai.OpenAI(base_url=url, api_key=key, max_retries=0)
    chat = client.chat.completions.create(
        model=OFFER, messages=[{"role": "user", "content": "Say hello"}], max_tokens=3
    )
    assert chat.choices[0].message.content == "Hello from vLLM"
    completion = client.completions.create(model=OFFER, prompt="Say hello", max_tokens=2)
    assert completion.choices[0].text == "Hello from" and completion.usage is not None
    client.close()
    # Every call was metered to the deployment.
    deadline = time.monotonic() + 20
    requests = 0
    while time.monotonic() < deadline:
        with admin(server.base_url) as api:
            report = api.get("/management/usage", params={"by": "deployment"}).json()
        requests = sum(r["requests"] for r in report["data"] if r["deployment"] == NAME)
        if requests >= 6:
            break
        time.sleep(0.2)
    assert requests >= 6


def test_best_of_without_logprobs_from_the_server_is_refused(
    deployed: tuple[str, str],
) -> None:
    """The stand-in answers without the log-probabilities Modelport asks for (some
    OpenAI-compatible servers ignore the field): ``best_of`` cannot rank its candidates, so it is
    refused as unsupported on this deployment, a 400 in the OpenAI dialect's shape naming it,
    rather than the first candidate being returned as the best. Without it the call is served."""
    url, key = deployed
    client = openai.OpenAI(base_url=url, api_key=key, max_retries=0)
    try:
        with pytest.raises(openai.BadRequestError) as failed:
            client.completions.create(model=OFFER, prompt="Say hello", max_tokens=2, best_of=2)
        body = failed.value.response.json()
        assert body["error"]["param"] == "best_of"
        assert body["error"]["code"] == "unsupported_parameter"
        assert "log-probabilit" in body["error"]["message"]
        served = client.completions.create(model=OFFER, prompt="Say hello", max_tokens=2)
        assert served.choices[0].text == "Hello from"
    finally:
        client.close()


def test_a_killed_vllm_server_is_restarted(
    gpu_server: tuple[ThreadServer, Path], deployed: tuple[str, str]
) -> None:
    server, log = gpu_server
    url, key = deployed
    pid = wait_ready(server.base_url, NAME)["engine_status"]["pid"]
    os.kill(pid, signal.SIGKILL)
    seen: set[str] = set()
    deadline = time.monotonic() + 60
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        with admin(server.base_url) as api:
            d = api.get(f"/management/deployments/{NAME}").json()
        seen.add(d["readiness"])
        status = d["engine_status"]
        if status["restarts"] == 1 and d["readiness"] == "ready":
            break
        time.sleep(0.05)
    assert status["restarts"] == 1 and status["pid"] != pid
    assert "restarting" in seen
    assert len(_launches(log)) >= 2
    assert d["state"] == "succeeded"  # an engine restart is not a deployment failure
    reply = httpx.post(
        f"{url}/chat/completions",
        json={"messages": [{"role": "user", "content": "again"}], "max_tokens": 3},
        headers={"api-key": key},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["choices"][0]["message"]["content"] == "Hello from vLLM"
