"""Added latency of content safety per request, and its time-to-first-token impact when streaming.

    python -m bench.safety_overhead [--requests N] [--token-delay-ms MS]

The real pipeline (prompt check, completion guard, default classifier ensemble, worker-thread
hops, time budget) runs around a scripted in-process engine (no model: this measures the
gateway). Two deployments share one pipeline and are interleaved request by request in the same
run: content safety on (the serverless default) and off (a disabled policy). Rows:

- ``whole``: a whole (non-streamed) answer of 60 and 240 words, prompt of ~40 words;
- ``ttft``: time to the first text delta of a stream, with the engine producing a token every
  ``--token-delay-ms`` (what the guard's hold-back window costs at that engine speed), and with
  no delay (the checks' own cost).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.domain.deployments import Deployment, DeploymentState, KeySlot
from modelport.engines.scripted import ScriptedEngine
from modelport.inference.context import RequestContext
from modelport.inference.live import LiveDeployment
from modelport.inference.moderation import Moderation
from modelport.inference.pipeline import Pipeline
from modelport.inference.types import (
    InferenceRequest,
    Message,
    RequestKind,
    SamplingParams,
    TextDelta,
)
from modelport.policy.safety import SafetyPolicy, SafetyService, load_ensemble

PROMPT = (
    "You are planning a weekend trip to the mountains with two friends. Suggest a packing list, "
    "a rough budget and three short hikes suitable for beginners, and explain why each fits."
)
ANSWER = (
    "Pack layers of warm clothing, sturdy boots, a rain jacket, sunscreen, a refillable bottle, "
    "snacks, a small first aid kit and a map of the area. Budget roughly two hundred euros each "
    "for lodging, fuel and food. Good beginner hikes are the lake loop, the forest ridge and the "
    "waterfall trail, all short with gentle climbs and fine views."
)


def answer(words: int) -> str:
    vocabulary = ANSWER.split()
    return " ".join(vocabulary[i % len(vocabulary)] for i in range(words))


def request(stream: bool) -> InferenceRequest:
    return InferenceRequest(
        kind=RequestKind.CHAT,
        sampling=SamplingParams(),
        messages=(Message(role="user", content=PROMPT),),
        stream=stream,
    )


def live_deployment(name: str, engine: ScriptedEngine, safety: SafetyPolicy) -> LiveDeployment:
    offer = Catalog.load(builtin_offers_dir()).embedded()
    deployment = Deployment(
        id=name,
        name=name,
        project_id="p",
        region="local",
        offer_id=offer.id,
        subscription_id="s",
        state=DeploymentState.SUCCEEDED,
        created_at=datetime.now(UTC),
    )
    return LiveDeployment(deployment, offer, engine=engine, safety=safety)


async def whole(pipeline: Pipeline, live: LiveDeployment) -> float:
    start = time.perf_counter()
    ctx = RequestContext(live=live, key_slot=KeySlot.PRIMARY, dialect="openai")
    stream = await pipeline.open(ctx, request(False))
    async for _ in stream:
        pass
    await stream.aclose()
    return (time.perf_counter() - start) * 1000


async def ttft(pipeline: Pipeline, live: LiveDeployment) -> float:
    start = time.perf_counter()
    ctx = RequestContext(live=live, key_slot=KeySlot.PRIMARY, dialect="openai")
    stream = await pipeline.open(ctx, request(True))
    first = None
    async for event in stream:
        if first is None and isinstance(event, TextDelta) and event.text:
            first = (time.perf_counter() - start) * 1000
    await stream.aclose()
    assert first is not None
    return first


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


Measure = Callable[[Pipeline, LiveDeployment], Awaitable[float]]


async def compare(
    label: str, fn: Measure, on: LiveDeployment, off: LiveDeployment, pipeline: Pipeline, n: int
) -> None:
    times: dict[str, list[float]] = {"on": [], "off": []}
    variants = [("on", on), ("off", off)]
    for _ in range(min(20, n)):  # warm-up
        for _, live in variants:
            await fn(pipeline, live)
    for _ in range(n):
        random.shuffle(variants)
        for name, live in variants:
            times[name].append(await fn(pipeline, live))
    off_p50 = statistics.median(times["off"])
    on_p50 = statistics.median(times["on"])
    print(
        f"  {label:<34} {off_p50:9.3f} {on_p50:9.3f} {pct(times['on'], 0.9):9.3f} "
        f"{on_p50 - off_p50:9.3f} {on_p50 / off_p50:7.2f}x"
    )


async def main(requests: int, token_delay_ms: float) -> None:
    start = time.perf_counter()
    ensemble = await asyncio.to_thread(load_ensemble, ["default"])
    print(f"classifier ensemble compiled in {time.perf_counter() - start:.2f} s")
    service = SafetyService(ensemble, policy=SafetyPolicy.serverless())
    pipeline = Pipeline(None, Moderation(service))
    print(
        f"{requests} requests per variant, interleaved; ms "
        "(off = safety disabled, on = serverless default):"
    )
    print(f"  {'row':<34} {'off p50':>9} {'on p50':>9} {'on p90':>9} {'added':>9} {'ratio':>7}")
    for words in (60, 240):
        engine = ScriptedEngine(answer(words))
        on = live_deployment("on", engine, SafetyPolicy.serverless())
        off = live_deployment("off", engine, SafetyPolicy(enabled=False))
        chars = len(answer(words))
        await compare(f"whole, {words} words ({chars} chars)", whole, on, off, pipeline, requests)
    for delay_ms in (0.0, token_delay_ms):
        engine = ScriptedEngine(answer(60), delay=delay_ms / 1000)
        on = live_deployment("on", engine, SafetyPolicy.serverless())
        off = live_deployment("off", engine, SafetyPolicy(enabled=False))
        n = requests if delay_ms == 0 else max(10, requests // 10)
        await compare(f"ttft, stream, {delay_ms:g} ms/token", ttft, on, off, pipeline, n)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--token-delay-ms", type=float, default=20.0)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.token_delay_ms))
