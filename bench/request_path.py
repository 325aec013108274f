"""The request path, side by side: Modelport vs LiteLLM's proxy vs llama.cpp direct.

    make bench          # python -m bench.request_path [--rounds N] [--rss-requests N] ...

One llama.cpp engine worker (the embedded SmolLM2 GGUF, 4 slots, 2 threads) is reached three
ways: directly; through Modelport with its production defaults (mandatory content safety in
hold-back mode, rate limits, the usage ledger on SQLite: every request admitted, checked,
metered and durable before its last byte); through LiteLLM 1.106.2's proxy (own venv, see
``bench/litellm_peer.py``). Every measurement interleaves the three paths, round by round, so
machine noise falls on all of them. Printed: the figures, their ratios to direct, the targets.

- **latency**: p50 of a 1-token chat, requests sent one at a time, paths alternating per request;
- **req/s at 8**: 1-token chats, 8 in flight;
- **stream tok/s**: per-stream rate of 96-token streams, 1 stream and 8 concurrent: completion
  tokens over the whole stream (request sent to last token), what a caller waits for a full
  answer. The first-to-last-token rate is printed too, for information only: it flatters a path
  that holds the first tokens back (the hold-back safety window then delivers several at once);

- **TTFT, 4 streams**: first content of 4 concurrent streams; Modelport in its default
  (hold-back) safety mode and in the low-latency (asynchronous) mode;
- **gateway CPU per streamed token**: the gateway process's CPU time over its stream phases,
  divided by the tokens streamed (all in) and its marginal cost per token (the per-request cost
  measured on 1-token requests taken out);
- **RSS**: the gateway's resident memory sampled over ``--rss-requests`` 1-token requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.litellm_peer import MODEL as LITELLM_MODEL
from bench.litellm_peer import litellm_proxy

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
SYSTEM = "You are a helpful assistant."
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Path_:
    name: str
    url: str  # the chat completions URL
    headers: dict[str, str]
    model: str | None = None

    def body(self, prompt: str, max_tokens: int, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": prompt},
            ],
            "max_tokens": max_tokens,
            "temperature": 0,
        }
        if self.model:
            body["model"] = self.model
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body


@dataclass
class StreamSample:
    ttft: float
    stream_tps: float  # tokens / (last token - request sent)
    decode_tps: float  # (tokens - 1) / (last token - first token)
    tokens: int


@dataclass
class Results:
    latency: dict[str, list[float]] = field(default_factory=dict)
    rps: dict[str, list[float]] = field(default_factory=dict)
    decode1: dict[str, list[float]] = field(default_factory=dict)
    decode8: dict[str, list[float]] = field(default_factory=dict)
    first_to_last1: dict[str, list[float]] = field(default_factory=dict)
    first_to_last8: dict[str, list[float]] = field(default_factory=dict)
    ttft4: dict[str, list[float]] = field(default_factory=dict)
    cpu_stream_s: float = 0.0
    stream_tokens: int = 0
    stream_requests: int = 0
    cpu_small_s: float = 0.0
    small_requests: int = 0
    rss: list[tuple[int, int]] = field(default_factory=list)

    def add(self, table: dict[str, list[float]], name: str, values: list[float]) -> None:
        table.setdefault(name, []).extend(values)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def one_call(client: httpx.AsyncClient, path: Path_, prompt: str) -> float:
    for attempt in range(3):
        start = time.perf_counter()
        try:
            response = await client.post(
                path.url, json=path.body(prompt, 1, False), headers=path.headers
            )
        except httpx.RemoteProtocolError:
            # llama.cpp's server closes idle keep-alive connections without saying so; a
            # request sent on one never reached it (the same rule the gateway's client has).
            if attempt == 2:
                raise
            continue
        response.raise_for_status()
        return time.perf_counter() - start
    raise AssertionError("unreachable")


async def one_stream(
    client: httpx.AsyncClient, path: Path_, prompt: str, max_tokens: int
) -> StreamSample:
    start = time.perf_counter()
    first = last = 0.0
    tokens = pieces = 0
    body = path.body(prompt, max_tokens, True)
    async with client.stream("POST", path.url, json=body, headers=path.headers) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if not line.startswith("data: {"):
                continue
            chunk = json.loads(line[6:])
            for choice in chunk.get("choices") or ():
                if (choice.get("delta") or {}).get("content"):
                    now = time.perf_counter()
                    first = first or now
                    last = now
                    pieces += 1
            if chunk.get("usage"):
                tokens = chunk["usage"]["completion_tokens"]
    tokens = tokens or pieces
    decode = (tokens - 1) / (last - first) if tokens > 1 and last > first else 0.0
    whole = tokens / (last - start) if tokens and last > start else 0.0
    return StreamSample(first - start, whole, decode, tokens)


async def concurrently(n: int, total: int, work: Callable[[int], Awaitable[Any]]) -> list[Any]:
    queue = list(range(total))
    out: list[Any] = []

    async def worker() -> None:
        while queue:
            out.append(await work(queue.pop()))

    await asyncio.gather(*(worker() for _ in range(n)))
    return out


class Bench:
    def __init__(self, args: argparse.Namespace, paths: dict[str, Path_], info: dict[str, Any]):
        self.args = args
        self.paths = paths
        self.info = info
        self.pid = int(info["pid"])
        self.results = Results()
        self.admin = httpx.AsyncClient(
            base_url=info["admin_url"],
            headers={"Authorization": f"Bearer {info['admin_token']}"},
            timeout=30,
        )

    async def safety_mode(self, mode: str) -> None:
        response = await self.admin.patch(
            f"/management/deployments/{self.info['name']}/content-safety",
            json={"streaming_mode": mode},
        )
        response.raise_for_status()

    def order(self, r: int) -> list[str]:
        names = list(self.paths)
        return names[r % len(names) :] + names[: r % len(names)]

    async def run(self, client: httpx.AsyncClient) -> Results:
        a, res = self.args, self.results
        for path in self.paths.values():  # warm every path (pools, prompt cache)
            for prompt in PROMPTS[:3]:
                await one_stream(client, path, prompt, 8)
                await one_call(client, path, prompt)
        for r in range(a.rounds):
            order = self.order(r)
            print(f"round {r + 1}/{a.rounds} ({', '.join(order)})", flush=True)
            for i in range(a.latency_requests):
                for name in order:
                    latency = await one_call(client, self.paths[name], PROMPTS[i % len(PROMPTS)])
                    res.add(res.latency, name, [latency])
            for name in order:
                path = self.paths[name]
                cpu = cpu_seconds(self.pid) if name == "modelport" else 0.0
                start = time.perf_counter()
                await concurrently(
                    8,
                    a.throughput_requests,
                    lambda i, p=path: one_call(client, p, PROMPTS[i % len(PROMPTS)]),  # type: ignore[misc]
                )
                elapsed = time.perf_counter() - start
                res.add(res.rps, name, [a.throughput_requests / elapsed])
                if name == "modelport":
                    res.cpu_small_s += cpu_seconds(self.pid) - cpu
                    res.small_requests += a.throughput_requests
            for streams, table, inner in (
                (1, res.decode1, res.first_to_last1),
                (8, res.decode8, res.first_to_last8),
            ):
                for name in order:
                    path = self.paths[name]
                    cpu = cpu_seconds(self.pid)
                    samples = await asyncio.gather(
                        *(
                            one_stream(client, path, PROMPTS[(r + i) % len(PROMPTS)], a.max_tokens)
                            for i in range(streams)
                        )
                    )
                    res.add(table, name, [s.stream_tps for s in samples])
                    res.add(inner, name, [s.decode_tps for s in samples])
                    if name == "modelport":
                        res.cpu_stream_s += cpu_seconds(self.pid) - cpu
                        res.stream_tokens += sum(s.tokens for s in samples)
                        res.stream_requests += streams
            for name in [*order, "modelport-async"]:
                key = "modelport" if name == "modelport-async" else name
                if name == "modelport-async":
                    await self.safety_mode("asynchronous")
                samples = await asyncio.gather(
                    *(
                        one_stream(client, self.paths[key], PROMPTS[(r + i) % len(PROMPTS)], 16)
                        for i in range(4)
                    )
                )
                if name == "modelport-async":
                    await self.safety_mode("hold_back")
                res.add(res.ttft4, name, [s.ttft for s in samples])
        if a.rss_requests:
            await self.rss(client)
        return res

    async def rss(self, client: httpx.AsyncClient) -> None:
        a, res = self.args, self.results
        path = self.paths["modelport"]
        step = max(1, a.rss_requests // 10)
        done = 0
        res.rss.append((0, rss_kib(self.pid)))
        print(f"RSS: {a.rss_requests} requests through Modelport ...", flush=True)
        while done < a.rss_requests:
            batch = min(step, a.rss_requests - done)
            await concurrently(
                16, batch, lambda i: one_call(client, path, PROMPTS[i % len(PROMPTS)])
            )
            done += batch
            res.rss.append((done, rss_kib(self.pid)))
            print(f"  {done:>6} requests: RSS {res.rss[-1][1] / 1024:.1f} MiB", flush=True)


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report_rss(res: Results) -> bool:
    """Print the RSS samples; whether the growth after the first sample interval is <= 5%."""
    base = res.rss[1][1] if len(res.rss) > 2 else res.rss[0][1]
    growth = (res.rss[-1][1] - base) / base
    print(
        f"gateway RSS over {res.rss[-1][0]} requests (MiB): "
        + " ".join(f"{kib / 1024:.0f}" for _, kib in res.rss)
        + f"; growth after the first {res.rss[1][0] if len(res.rss) > 2 else 0}: "
        + f"{growth * 100:+.1f}%"
    )
    return growth <= 0.05


def report(res: Results, args: argparse.Namespace, names: list[str]) -> None:
    load = os.getloadavg()
    direct = "direct"
    print(
        f"\nRequest path: {args.rounds} interleaved rounds; load average "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} ({os.cpu_count()} CPUs)\n"
    )
    if not args.rounds:
        if res.rss:
            print(f"  {'met   ' if report_rss(res) else 'MISSED'} gateway RSS flat (<= 5%)")
        return
    header = (
        f"| {'path':<24} | p50 1-token ms | added ms | req/s @8 | ratio | stream tok/s 1 | ratio"
        f" | stream tok/s 8 | ratio | TTFT 4 streams ms | ratio |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    d_lat, d_rps = med(res.latency[direct]), med(res.rps[direct])
    d_d1, d_d8, d_ttft = med(res.decode1[direct]), med(res.decode8[direct]), med(res.ttft4[direct])
    label = {
        "modelport": "Modelport (hold-back)",
        "modelport-async": "Modelport (asynchronous)",
        "litellm": "LiteLLM proxy 1.106.2",
        "direct": "llama.cpp direct",
    }
    for name in [*names, "modelport-async"]:
        if name == "modelport-async":
            print(
                f"| {label[name]:<24} | {'':>14} | {'':>8} | {'':>8} | {'':>5} | {'':>14} | "
                f"{'':>5} | {'':>14} | {'':>5} | {med(res.ttft4[name]) * 1000:>17.0f} | "
                f"{med(res.ttft4[name]) / d_ttft:>5.2f} |"
            )
            continue
        lat, rps = med(res.latency[name]), med(res.rps[name])
        d1, d8, ttft = med(res.decode1[name]), med(res.decode8[name]), med(res.ttft4[name])
        print(
            f"| {label[name]:<24} | {lat * 1000:>14.1f} | {(lat - d_lat) * 1000:>8.1f} | "
            f"{rps:>8.1f} | {rps / d_rps:>5.2f} | {d1:>14.1f} | {d1 / d_d1:>5.3f} | "
            f"{d8:>14.1f} | {d8 / d_d8:>5.3f} | {ttft * 1000:>17.0f} | {ttft / d_ttft:>5.2f} |"
        )
    print("\nfirst-to-last-token tok/s (information; flatters a path that holds tokens back):")
    for name in names:
        a1, a8 = med(res.first_to_last1[name]), med(res.first_to_last8[name])
        print(f"  {label[name]:<24} 1 stream {a1:>6.1f}   8 streams {a8:>6.1f}")
    mp = "modelport"
    per_req = res.cpu_small_s / max(1, res.small_requests)
    per_token_all = res.cpu_stream_s / max(1, res.stream_tokens)
    marginal = (res.cpu_stream_s - per_req * res.stream_requests) / max(1, res.stream_tokens)
    print(
        f"\ngateway CPU: {per_req * 1000:.2f} ms per 1-token request; per streamed token "
        f"{per_token_all * 1000:.3f} ms all in, {marginal * 1000:.3f} ms marginal "
        f"({res.stream_tokens} tokens in {res.stream_requests} streams)"
    )
    targets = [
        ("added p50 latency, 1-token chat <= 2 ms", (med(res.latency[mp]) - d_lat) * 1000 <= 2),
        ("1-token req/s at 8 >= 0.85 of direct", med(res.rps[mp]) / d_rps >= 0.85),
        ("stream tok/s, 1 stream >= 0.97 of direct", med(res.decode1[mp]) / d_d1 >= 0.97),
        ("stream tok/s, 8 streams >= 0.95 of direct", med(res.decode8[mp]) / d_d8 >= 0.95),
        ("gateway CPU per streamed token <= 0.1 ms", marginal * 1000 <= 0.1),
        ("TTFT (hold-back) <= 1.5 of direct", med(res.ttft4[mp]) / d_ttft <= 1.5),
        ("TTFT (asynchronous) <= 1.1 of direct", med(res.ttft4["modelport-async"]) / d_ttft <= 1.1),
    ]
    if res.rss:
        targets.append(("gateway RSS flat (growth <= 5% after warm-up)", report_rss(res)))
    print("\ntargets:")
    for text, met in targets:
        print(f"  {'met   ' if met else 'MISSED'} {text}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--latency-requests", type=int, default=40)
    parser.add_argument("--throughput-requests", type=int, default=64)
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--rss-requests", type=int, default=20_000)
    parser.add_argument("--no-litellm", action="store_true", help="Skip the LiteLLM proxy.")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="Record the gateway with py-spy during the run (speedscope JSON to this file).",
    )
    args = parser.parse_args()
    # Stopped with SIGTERM, still stop the gateway, its engine and the proxy (the exit stack).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="modelport-bench-") as tmp:
        work = Path(tmp)
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.serve_gateway", str(work / "data"), str(port), "4", "on"],
            stdout=subprocess.PIPE,
            text=True,
        )
        stack.callback(lambda: (proc.terminate(), proc.wait(timeout=30)))
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        print(
            "gateway ready; prompt tokens counted "
            + ("in process" if info["counted_in_process"] else "by the engine"),
            flush=True,
        )
        engine_headers = {"Authorization": f"Bearer {info['engine_key']}"}
        paths = {
            "direct": Path_("direct", f"{info['engine_url']}/v1/chat/completions", engine_headers),
            "modelport": Path_(
                "modelport", f"{info['target_url']}/v1/chat/completions", {"api-key": info["key"]}
            ),
        }
        if not args.no_litellm:
            base, key = stack.enter_context(
                litellm_proxy(info["engine_url"], info["engine_key"], free_port(), work)
            )
            paths["litellm"] = Path_(
                "litellm",
                f"{base}/v1/chat/completions",
                {"Authorization": f"Bearer {key}"},
                model=LITELLM_MODEL,
            )
        if args.profile is not None:
            spy = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "--pid",
                    str(info["pid"]),
                    "--format",
                    "speedscope",
                    "--output",
                    str(args.profile),
                    "--rate",
                    "200",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            stack.callback(lambda: (spy.send_signal(2), spy.wait(timeout=60)))

        async def go() -> Results:
            async with httpx.AsyncClient(
                timeout=300, limits=httpx.Limits(max_connections=64, max_keepalive_connections=64)
            ) as client:
                return await Bench(args, paths, info).run(client)

        results = asyncio.run(go())
        report(results, args, list(paths))


if __name__ == "__main__":
    main()
