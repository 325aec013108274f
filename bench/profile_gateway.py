"""Where the gateway's time goes: py-spy samples the gateway process while streams and 1-token
requests go through it, and the samples are summed per area of the code.

    python -m bench.profile_gateway [--seconds S] [--streams N] [--max-tokens N] [--raw FILE]

Areas are matched on the sampled frames' files (innermost match wins for "self" time; a sample
counts once per area it passes through for "inclusive" time). Samples of waiting threads (the
event loop in epoll, worker threads on their queues) are left out, so the shares are of the CPU
the gateway used; native frames are sampled too (``--native``: uvloop, orjson, tokenizers).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.request_path import PROMPTS, Path_, free_port, one_call, one_stream

AREAS = [
    ("content safety", ("modelport/policy/safety/",)),
    ("dialect render (chunks, bodies)", ("modelport/dialects/",)),
    ("pipeline, accounting, metering", ("modelport/inference/", "modelport/billing/")),
    ("usage ledger (SQLite commit thread)", ("sqlalchemy/", "sqlite3")),
    ("rate limits", ("modelport/policy/limits/",)),
    (
        "prompt counting (tokenizer, template)",
        ("engines/llamacpp/counting", "tokenizers", "jinja2", "models/formats/"),
    ),
    ("engine client (httpx to the engine)", ("httpx/", "httpcore/", "h11/", "modelport/engines/")),
    (
        "HTTP server (uvicorn, starlette, fastapi)",
        ("uvicorn/", "starlette/", "fastapi/", "httptools"),
    ),
    ("JSON (orjson)", ("orjson",)),
    ("event loop (uvloop, asyncio)", ("uvloop", "asyncio/")),
    ("gateway handler", ("modelport/gateway/",)),
]


# A sample whose stack holds one of these is a thread waiting (py-spy's own idle detection does
# not see through native frames): the event loop in epoll, worker threads on their queues.
IDLE = ("epoll_pwait", "_queue_SimpleQueue_get", "lock_PyThread_acquire_lock", "Condition.wait")


def area_of(frame: str) -> str | None:
    for name, needles in AREAS:
        if any(n in frame for n in needles):
            return name
    return None


def summarise(raw: Path) -> None:
    self_time: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    functions: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        if any(marker in stack for marker in IDLE):
            continue
        total += count
        areas = [a for a in (area_of(f) for f in frames) if a]
        for area in set(areas):
            inclusive[area] += count
        # Self time: the innermost frame of a known area.
        innermost = next((a for a in reversed(areas)), "other")
        self_time[innermost] += count
        functions[frames[-1].strip()] += count
    print(f"\n{total} samples of the gateway on CPU")
    print(f"{'area':<44} {'self':>7} {'inclusive':>10}")
    for area, count in self_time.most_common():
        print(f"{area:<44} {count / total:>6.1%} {inclusive.get(area, 0) / total:>10.1%}")
    print("\nhottest functions (self):")
    for function, count in functions.most_common(15):
        print(f"  {count / total:>6.1%}  {function[:110]}")


async def load(paths: Path_, seconds: float, streams: int, max_tokens: int) -> tuple[int, int]:
    deadline = time.monotonic() + seconds
    requests = tokens = 0
    async with httpx.AsyncClient(timeout=300, limits=httpx.Limits(max_connections=64)) as client:
        while time.monotonic() < deadline:
            if streams:
                samples = await asyncio.gather(
                    *(one_stream(client, paths, PROMPTS[i % 8], max_tokens) for i in range(streams))
                )
                tokens += sum(s.tokens for s in samples)
            await asyncio.gather(*(one_call(client, paths, PROMPTS[i % 8]) for i in range(8)))
            requests += streams + 8
    return requests, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--streams", type=int, default=8, help="0: 1-token requests only")
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--raw", type=Path, default=None, help="Keep py-spy's collapsed stacks.")
    parser.add_argument("--summarise", type=Path, default=None, help="Only summarise this file.")
    args = parser.parse_args()
    if args.summarise is not None:
        summarise(args.summarise)
        return
    with tempfile.TemporaryDirectory(prefix="modelport-profile-") as tmp:
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.serve_gateway", f"{tmp}/data", str(port), "4", "on"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            info = json.loads(proc.stdout.readline())
            path = Path_(
                "modelport", f"{info['target_url']}/v1/chat/completions", {"api-key": info["key"]}
            )
            raw = args.raw or Path(tmp) / "profile.txt"
            spy = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "--pid",
                    str(info["pid"]),
                    "--format",
                    "raw",
                    "--output",
                    str(raw),
                    "--rate",
                    "250",
                    "--native",
                    "--threads",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
            requests, tokens = asyncio.run(load(path, args.seconds, args.streams, args.max_tokens))
            spy.send_signal(2)
            spy.wait(timeout=60)
            print(f"{requests} requests, {tokens} streamed tokens in ~{args.seconds:.0f} s")
            summarise(raw)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
