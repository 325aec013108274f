"""OpenMP's wait policy for the llama.cpp engine: what spinning threads buy and what they cost.

llama.cpp's CPU backend (``xllamacpp``, linked against GNU OpenMP) runs each decode step as
OpenMP parallel regions. Between regions its threads wait: ``OMP_WAIT_POLICY=ACTIVE`` spins,
``PASSIVE`` sleeps at once, and unset (GNU's default) spins a while, then sleeps. On a host the
gateway shares, spinning threads may take CPU the gateway (or a neighbour) needs.

For each policy, in turns round by round (machines are noisy: only ratios measured in the same
run count), a gateway is started with the embedded deployment (``bench.serve_gateway``, content
safety on, its worker inheriting the policy through the engine's environment allow-list) and:

- **1 stream**: tokens per second of one 96-token stream through Modelport (first to last token),
  and the engine's CPU time per generated token;
- **4 streams**: total tokens per second of four concurrent streams;
- **idle**: the engine's CPU use in the 2 s after traffic stops (% of one core);
- **neighbour**: a CPU-bound process counting in a loop beside one stream, as a share of what it
  counts alone on the same machine just before (1.00: the engine took nothing from it).

    python -m bench.engine_threads [--rounds 3] [--streams 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import httpx

from bench.request_path import Path_, concurrently, cpu_seconds, free_port, one_stream

POLICIES = ("unset", "PASSIVE", "ACTIVE")
PROMPT = "Write a short story about a lighthouse keeper and a storm."
NEIGHBOUR = (
    "import sys, time\n"
    "end = time.perf_counter() + float(sys.argv[1]); n = 0\n"
    "while time.perf_counter() < end:\n"
    "    n += 1\n"
    "print(n)\n"
)


@dataclass
class Samples:
    one: list[float] = field(default_factory=list)  # tok/s, one stream
    four: list[float] = field(default_factory=list)  # total tok/s, 4 streams
    cpu_per_token_ms: list[float] = field(default_factory=list)
    idle_pct: list[float] = field(default_factory=list)
    neighbour: list[float] = field(default_factory=list)  # share of its solo rate


def neighbour(seconds: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", NEIGHBOUR, str(seconds)], stdout=subprocess.PIPE, text=True
    )


def counted(proc: subprocess.Popen[str]) -> int:
    out, _ = proc.communicate(timeout=60)
    return int(out.strip())


async def measure(policy: str, streams: int, max_tokens: int, out: Samples) -> None:
    env = dict(os.environ)
    env.pop("OMP_WAIT_POLICY", None)
    if policy != "unset":
        env["OMP_WAIT_POLICY"] = policy
    with tempfile.TemporaryDirectory(prefix="modelport-omp-") as tmp:
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.serve_gateway", f"{tmp}/data", str(port), "4", "on"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert proc.stdout is not None
            info = json.loads(proc.stdout.readline())
            engine_pid = int(info["engine_pid"])
            path = Path_(
                "modelport", f"{info['target_url']}/v1/chat/completions", {"api-key": info["key"]}
            )
            async with httpx.AsyncClient(timeout=120) as client:
                for _ in range(2):  # warm-up
                    await one_stream(client, path, PROMPT, 16)
                before = cpu_seconds(engine_pid)
                tokens = 0
                for _ in range(streams):
                    sample = await one_stream(client, path, PROMPT, max_tokens)
                    out.one.append(sample.decode_tps)
                    tokens += sample.tokens
                out.cpu_per_token_ms.append((cpu_seconds(engine_pid) - before) * 1000 / tokens)

                start = time.perf_counter()
                samples = await concurrently(
                    4, 8, lambda _i: one_stream(client, path, PROMPT, max_tokens)
                )
                out.four.append(sum(s.tokens for s in samples) / (time.perf_counter() - start))

                before = cpu_seconds(engine_pid)
                await asyncio.sleep(2.0)
                out.idle_pct.append((cpu_seconds(engine_pid) - before) / 2.0 * 100)

                solo = neighbour(2.0)
                solo_rate = await asyncio.to_thread(counted, solo) / 2.0
                span = 3.0
                beside = neighbour(span)
                stop_at = time.perf_counter() + span
                while time.perf_counter() < stop_at:  # keep the engine generating throughout
                    await one_stream(client, path, PROMPT, max_tokens)
                out.neighbour.append(await asyncio.to_thread(counted, beside) / span / solo_rate)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(results: dict[str, Samples]) -> None:
    base = results["unset"]
    print(
        "\nOMP_WAIT_POLICY | 1 stream tok/s | ratio | 4 streams tok/s | ratio | "
        "engine CPU ms/token | idle engine CPU % | neighbour's share"
    )
    print("|".join(["---"] * 8))
    for policy, s in results.items():
        print(
            f"{policy:<8} | {med(s.one):6.1f} | {med(s.one) / med(base.one):5.2f} | "
            f"{med(s.four):6.1f} | {med(s.four) / med(base.four):5.2f} | "
            f"{med(s.cpu_per_token_ms):5.2f} | {med(s.idle_pct):5.1f} | {med(s.neighbour):4.2f}"
        )
    print("(medians over rounds; ratios against unset, GNU OpenMP's default)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--streams", type=int, default=3, help="One-stream samples per round.")
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()
    results = {p: Samples() for p in POLICIES}
    started = time.perf_counter()
    for r in range(args.rounds):
        order = POLICIES[r % len(POLICIES) :] + POLICIES[: r % len(POLICIES)]
        for policy in order:
            print(f"round {r + 1}/{args.rounds}: {policy}", flush=True)
            asyncio.run(measure(policy, args.streams, args.max_tokens, results[policy]))
    load = os.getloadavg()
    print(f"{time.perf_counter() - started:.0f} s; load average {load[0]:.1f}")
    report(results)


if __name__ == "__main__":
    main()
