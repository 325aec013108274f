"""Gateway overhead: the same prompts straight to the engine worker and through the gateway.

Both paths hit the very same llama.cpp worker, interleaved round by round, so machine noise
falls on both. Prints decode tokens/s and time to first token per path, their ratios
(gateway/direct), for one stream and for 8 concurrent streams, and the gateway's RSS.

    python -m bench.gateway_overhead [--rounds N] [--max-tokens N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

PROMPTS = [
    "Write a short poem about the sea.",
    "Explain what a CPU does in simple words.",
    "List five fruits and describe each one.",
    "Tell me a story about a brave little robot.",
    "Describe the water cycle.",
    "What makes a good friend?",
    "Give three tips for learning to cook.",
    "Describe a walk in a forest in autumn.",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sample:
    ttft: float
    decode_tps: float


async def one_stream(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], prompt: str, max_tokens: int
) -> Sample:
    body = {
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": prompt},
        ],
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    start = time.perf_counter()
    first = last = 0.0
    tokens = 0
    async with client.stream("POST", url, json=body, headers=headers) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            for choice in chunk.get("choices") or ():
                if (choice.get("delta") or {}).get("content"):
                    now = time.perf_counter()
                    first = first or now
                    last = now
            if chunk.get("usage"):
                tokens = chunk["usage"]["completion_tokens"]
    decode = (tokens - 1) / (last - first) if tokens > 1 and last > first else 0.0
    return Sample(ttft=first - start, decode_tps=decode)


async def run(rounds: int, max_tokens: int, safety: str) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="modelport-bench-"))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.serve_gateway", str(data_dir), str(port), "8", safety],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        paths = {
            "direct": (
                f"{info['engine_url']}/v1/chat/completions",
                {"Authorization": f"Bearer {info['engine_key']}"},
            ),
            "gateway": (f"{info['target_url']}/chat/completions", {"api-key": info["key"]}),
        }
        results: dict[tuple[str, int], list[Sample]] = {}
        async with httpx.AsyncClient(
            timeout=300, limits=httpx.Limits(max_connections=32)
        ) as client:
            # Warm both paths (prompt cache, connection pools).
            for url, headers in paths.values():
                await one_stream(client, url, headers, PROMPTS[0], 8)
            for r in range(rounds):
                order = ["direct", "gateway"] if r % 2 == 0 else ["gateway", "direct"]
                for concurrency in (1, 8):
                    for name in order:
                        url, headers = paths[name]
                        prompts = [PROMPTS[(r + i) % len(PROMPTS)] for i in range(concurrency)]
                        samples = await asyncio.gather(
                            *(one_stream(client, url, headers, p, max_tokens) for p in prompts)
                        )
                        results.setdefault((name, concurrency), []).extend(samples)
        rss_kib = _rss_kib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    print(
        f"\nGateway overhead, {rounds} interleaved rounds, max_tokens={max_tokens}, "
        f"temperature 0, content safety {safety}"
    )
    print(f"{'streams':>8} {'path':>8} {'decode tok/s':>13} {'TTFT ms':>9}")
    for concurrency in (1, 8):
        for name in ("direct", "gateway"):
            s = results[(name, concurrency)]
            tps = statistics.median(x.decode_tps for x in s)
            ttft = statistics.median(x.ttft for x in s) * 1000
            print(f"{concurrency:>8} {name:>8} {tps:>13.1f} {ttft:>9.1f}")
    print()
    for concurrency, target in ((1, 0.97), (8, 0.95)):
        d, g = results[("direct", concurrency)], results[("gateway", concurrency)]
        ratio = statistics.median(x.decode_tps for x in g) / statistics.median(
            x.decode_tps for x in d
        )
        ttft_ratio = statistics.median(x.ttft for x in g) / statistics.median(x.ttft for x in d)
        verdict = "meets" if ratio >= target else "MISSES"
        print(
            f"{concurrency} stream(s): decode ratio gateway/direct = {ratio:.3f} "
            f"({verdict} target {target}); TTFT ratio gateway/direct = {ttft_ratio:.2f}"
        )
    print(f"gateway RSS: {rss_kib / 1024:.0f} MiB (gateway process, engine worker excluded)")


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument(
        "--safety",
        choices=["off", "on"],
        default="off",
        help="content safety on the gateway path (off: the transport overhead alone)",
    )
    args = parser.parse_args()
    asyncio.run(run(args.rounds, args.max_tokens, args.safety))


if __name__ == "__main__":
    main()
