"""The vLLM lifecycle with real vLLM and a small model, for a GPU machine (CI has none; the test
suite runs the same lifecycle against a stand-in server: tests/e2e/test_vllm_lifecycle.py).

    python -m bench.gpu.vllm_lifecycle [--model Qwen/Qwen2.5-0.5B-Instruct] [--keep]

Needs: an NVIDIA GPU with ``--gpu-memory-gb`` GB or more, vLLM installed (``vllm`` on PATH), and
the hub reachable (``MODELPORT_HUB_ENDPOINT``, ``MODELPORT_HUB_TOKEN`` for gated repos). It:

1. writes an offer for the model (engine ``vllm``) into a fresh catalog directory;
2. ``modelport models pull OFFER --engine vllm`` (the safetensors, resumable and verified);
3. runs ``modelport up`` in its own process group, deploys the offer through the management API
   (vLLM must be the engine it picks) and times the start until the deployment is ready;
4. calls it with the ``openai`` SDK (chat and completions, streamed and not) and the
   ``azure-ai-inference`` SDK, and times the first token and the decode rate through the gateway
   (``bench/gateway_overhead.py`` measures gateway against direct on the llama.cpp engine);
5. kills the vLLM server (SIGKILL) and times the supervisor's restart until it answers again;
6. stops Modelport with SIGTERM to its process group and checks no vLLM process is left.

Prints one line per step and a summary; exits non-zero on the first thing that fails.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

OFFER_ID = "bench-small-vllm"


def offer_toml(model: str, gpu_memory_gb: int, context: int) -> str:
    return f'''id = "{OFFER_ID}"
display_name = "Benchmark: {model} on vLLM"
model_name = "{OFFER_ID}"
publisher = "bench"
license = "see the model card"
terms = "Benchmark offer."
task = "chat-completion"
context_length = {context}
capabilities = ["chat", "completions", "streaming"]
regions = ["*"]
engines = ["vllm"]

[pricing]
input_per_1k = "0.0001"
output_per_1k = "0.0002"

[weights]
hub_repo = "{model}"

[hardware]
summary = "one GPU"
gpus = 1
gpu_memory_gb = {gpu_memory_gb}
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def stream_timing(url: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[float, float]:
    """(time to first token, decode tokens/s) of one streamed chat request."""
    started = time.perf_counter()
    first = 0.0
    tokens = 0
    with httpx.stream("POST", url, json=body, headers=headers, timeout=300) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("data: {") and '"content"' in line:
                tokens += 1
                first = first or time.perf_counter() - started
    total = time.perf_counter() - started
    return first, (tokens - 1) / max(1e-9, total - first)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gpu.vllm_lifecycle")
    parser.add_argument("--model", default="Qwen/Qwen2.5-0.5B-Instruct")
    parser.add_argument("--gpu-memory-gb", type=int, default=8)
    parser.add_argument("--context", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="Keep the data directory.")
    parser.add_argument("--dry-run", action="store_true", help="Only write and check the offer.")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="modelport-vllm-bench-"))
    offers = root / "offers"
    offers.mkdir()
    (offers / f"{OFFER_ID}.toml").write_text(
        offer_toml(args.model, args.gpu_memory_gb, args.context)
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    admin_token = "mpadm-" + secrets.token_hex(24)
    env = dict(os.environ)
    env.update(
        {
            "MODELPORT_DATA_DIR": str(root / "data"),
            "MODELPORT_PORT": str(port),
            "MODELPORT_ADMIN_TOKEN": admin_token,
            "MODELPORT_CATALOG_DIRS": f'["{offers}"]',
            "MODELPORT_EMBEDDED_DEFAULT": "false",
            "MODELPORT_LOG_LEVEL": "warning",
        }
    )
    cli = [sys.executable, "-m", "modelport"]
    from modelport.domain.catalog import Catalog

    Catalog.load(offers)  # the offer file is valid
    if args.dry_run:
        step(f"offer {OFFER_ID} for {args.model} is valid")
        subprocess.run(["rm", "-rf", str(root)], check=False)
        return 0

    step(f"pulling {args.model} for vLLM")
    subprocess.run([*cli, "models", "pull", OFFER_ID, "--engine", "vllm"], env=env, check=True)
    admin = {"Authorization": f"Bearer {admin_token}"}
    up = subprocess.Popen([*cli, "up"], env=env, start_new_session=True)
    try:
        with httpx.Client(base_url=base, headers=admin, timeout=60) as api:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    api.get("/management/deployments").raise_for_status()
                    break
                except httpx.HTTPError:
                    time.sleep(0.5)
            offer = api.get(f"/management/catalog/{OFFER_ID}").json()
            if offer["availability"]["engine"] != "vllm":
                step(f"vLLM cannot run it here: {offer['availability']['missing']}")
                return 1
            api.post("/management/projects", json={"name": "bench"}).raise_for_status()
            started = time.monotonic()
            api.post(
                "/management/projects/bench/deployments",
                json={"name": "bench", "offer": OFFER_ID, "subscribe": True},
            ).raise_for_status()
            d = wait(api, lambda d: d["readiness"] in ("ready", "failed"))
            if d["readiness"] != "ready":
                step(f"deployment failed: {d['readiness_reason']}")
                return 1
            step(f"ready in {time.monotonic() - started:.1f} s: {d['engine_status']}")
            key = api.get("/management/deployments/bench/keys").json()["primary"]
            target = d["target_url"]
            calls(target, key)
            gateway = []
            for _ in range(args.rounds):
                body = {
                    "messages": [{"role": "user", "content": "Count to fifty."}],
                    "max_tokens": 128,
                    "stream": True,
                }
                gateway.append(stream_timing(f"{target}/chat/completions", {"api-key": key}, body))
            ttft = sorted(r[0] for r in gateway)[len(gateway) // 2]
            rate = sorted(r[1] for r in gateway)[len(gateway) // 2]
            step(f"through the gateway: TTFT p50 {ttft * 1000:.0f} ms, decode p50 {rate:.1f} tok/s")
            pid = d["engine_status"]["pid"]
            step(f"killing the vLLM server (pid {pid})")
            os.kill(pid, signal.SIGKILL)
            killed = time.monotonic()
            wait(api, lambda d: d["engine_status"]["restarts"] >= 1 and d["readiness"] == "ready")
            step(f"restarted and ready again in {time.monotonic() - killed:.1f} s")
            calls(target, key)
    finally:
        os.killpg(up.pid, signal.SIGTERM)
        up.wait(timeout=120)
        left = subprocess.run(["pgrep", "-f", str(root / "data")], capture_output=True, text=True)
        step(f"stopped; vLLM processes left: {left.stdout.split() or 'none'}")
        if not args.keep:
            subprocess.run(["rm", "-rf", str(root)], check=False)
    return 0


def wait(api: httpx.Client, done: Any, timeout: float = 1800) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        d: dict[str, Any] = api.get("/management/deployments/bench").json()
        if done(d):
            return d
        time.sleep(1)
    raise TimeoutError("the deployment did not get there in time")


def calls(target: str, key: str) -> None:
    import openai
    from azure.ai.inference import ChatCompletionsClient
    from azure.ai.inference.models import UserMessage
    from azure.core.credentials import AzureKeyCredential

    client = openai.OpenAI(base_url=target, api_key=key)
    chat = client.chat.completions.create(
        model=OFFER_ID, messages=[{"role": "user", "content": "Say hello."}], max_tokens=16
    )
    streamed = "".join(
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(
            model=OFFER_ID,
            messages=[{"role": "user", "content": "Say hello."}],
            max_tokens=16,
            stream=True,
        )
        if c.choices
    )
    completion = client.completions.create(model=OFFER_ID, prompt="Once upon", max_tokens=8)
    with ChatCompletionsClient(endpoint=target, credential=AzureKeyCredential(key)) as azure:
        reply = azure.complete(messages=[UserMessage("Say hello.")], max_tokens=16)
    step(
        f"openai chat {chat.usage}, streamed {len(streamed)} chars, completion "
        f"{completion.usage}; azure {reply.usage}"
    )


if __name__ == "__main__":
    sys.exit(main())
