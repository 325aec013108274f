"""Engine starts on the local runtime: one loading per core at a time, against one at a time and
all at once.

A scale to many replicas on a small host used to start every engine at once. This bench starts
``--replicas`` llama.cpp engines of the embedded model through the local runtime, in turns round
by round (machines are noisy: only ratios measured in the same run count), with the default gate
(as many loading at a time as there are cores), one at a time, and no gate (all at once), and
prints:

- **first ready**: seconds until the first engine serves (what a cold start waits);
- **all ready**: seconds until every engine serves;
- **loop lag**: the worst lateness of a 50 ms timer on the event loop the starts run on (the loop
  a gateway in the same process serves on), the median of 20 ms samples beside it.

    python -m bench.local_starts [--rounds 3] [--replicas 6]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import time
from dataclasses import dataclass, field

from modelport.cluster.local_runtime import LocalReplica, LocalRuntime
from modelport.cluster.runtime import ReplicaOrder
from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.domain.replicas import Resources
from modelport.engines.base import EngineSpec
from modelport.engines.registry import EngineFactories
from modelport.models.weights import package_file


@dataclass
class Samples:
    first: list[float] = field(default_factory=list)
    every: list[float] = field(default_factory=list)
    worst_lag_ms: list[float] = field(default_factory=list)


def embedded_spec() -> EngineSpec:
    offer = Catalog.load(builtin_offers_dir()).embedded()
    assert offer.weights.package and offer.weights.gguf_file
    path = package_file(offer.weights.package, offer.weights.gguf_file)
    assert path is not None, "the embedded model's package is not installed"
    return EngineSpec(
        deployment="bench", engine="llamacpp", model=str(path), context=2048, slots=1, threads=1
    )


async def ticker(stop: asyncio.Event, lags: list[float]) -> None:
    while not stop.is_set():
        due = time.perf_counter() + 0.05
        await asyncio.sleep(0.05)
        lags.append(max(0.0, time.perf_counter() - due) * 1000)


async def one_round(gate: int, replicas: int, out: Samples) -> None:
    runtime = LocalRuntime(concurrent_starts=gate)
    factory = EngineFactories.discover().load("llamacpp")
    spec = embedded_spec()
    stop, lags = asyncio.Event(), list[float]()
    tick = asyncio.create_task(ticker(stop, lags))
    began = time.perf_counter()
    ready: list[float] = []

    async def start(ordinal: int) -> LocalReplica:
        order = ReplicaOrder(
            f"r{ordinal}", "bench", "bench", ordinal, 1, factory, spec, Resources(1.0)
        )
        replica = await runtime.start(order)
        ready.append(time.perf_counter() - began)
        return replica

    started = await asyncio.gather(*(start(i) for i in range(replicas)))
    stop.set()
    await tick
    await asyncio.gather(*(r.stop() for r in started))
    out.first.append(min(ready))
    out.every.append(max(ready))
    out.worst_lag_ms.append(max(lags, default=0.0))


def main() -> None:
    logging.getLogger("modelport").setLevel(logging.ERROR)  # the engines' start-up notes
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=6)
    args = parser.parse_args()
    default_gate = LocalRuntime().concurrent_starts
    gates = {f"gate {default_gate} (default)": default_gate}
    if default_gate != 1:
        gates["gate 1 (one at a time)"] = 1
    gates["no gate"] = args.replicas
    samples = {label: Samples() for label in gates}
    for n in range(args.rounds):
        for label, gate in gates.items():
            asyncio.run(one_round(gate, args.replicas, samples[label]))
            s = samples[label]
            print(
                f"round {n + 1} {label}: first ready {s.first[-1]:.2f} s, all ready "
                f"{s.every[-1]:.2f} s, worst loop lag {s.worst_lag_ms[-1]:.0f} ms",
                flush=True,
            )
    print(f"\n{args.replicas} engines of the embedded model, {os.cpu_count()} cores, medians:")
    print(f"{'':<20}{'first ready':>14}{'all ready':>12}{'worst loop lag':>17}")
    for label, s in samples.items():
        print(
            f"{label:<20}{statistics.median(s.first):>12.2f} s{statistics.median(s.every):>10.2f} s"
            f"{statistics.median(s.worst_lag_ms):>14.0f} ms"
        )
    gated, open_ = samples[next(iter(gates))], samples["no gate"]

    def ratio(a: list[float], b: list[float]) -> str:
        return f"{statistics.median(a) / max(statistics.median(b), 1e-9):.2f}x"

    print(
        f"ratios gate / no gate: first ready {ratio(gated.first, open_.first)}, all ready "
        f"{ratio(gated.every, open_.every)}, worst loop lag "
        f"{ratio(gated.worst_lag_ms, open_.worst_lag_ms)}"
    )


if __name__ == "__main__":
    main()
