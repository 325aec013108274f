"""Run a Modelport gateway for benchmarks and print where its engine worker listens.

Used by the benchmarks as a child process so that the gateway has its own process (as in
production, on the event loop ``modelport up`` uses) while the benchmark can also reach the very
same engine worker directly.

    python -m bench.serve_gateway DATA_DIR PORT SLOTS on|off

``on``: production defaults: mandatory content safety, rate limits (in-process), the usage ledger
(SQLite), the deployment's limits raised so that a benchmark measures them without hitting them.
``off``: content safety disabled on the deployment (the transport overhead alone).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import uvicorn

from modelport.app import create_app
from modelport.domain.deployments import RateLimits
from modelport.policy.safety.policy import SafetyPolicy
from modelport.settings import Settings

ADMIN_TOKEN = "bench-admin-token-0123456789abcdef"


async def main(data_dir: str, port: int, slots: int, safety: bool) -> None:
    settings = Settings(
        data_dir=Path(data_dir),
        port=port,
        engine_slots=slots,
        log_level="warning",
        admin_token=ADMIN_TOKEN,
    )
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    serve = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    services = app.state.services
    while True:
        lives = services.registry.all()
        if lives and lives[0].engine is not None and lives[0].engine.state.value == "ready":
            break
        await asyncio.sleep(0.1)
    live = lives[0]
    # Limits stay on (every request is admitted and settled), high enough not to refuse.
    limits = RateLimits(requests_per_minute=10_000_000, tokens_per_minute=1_000_000_000)
    await services.deployments.set_limits(live.name, limits, live.deployment.region)
    if not safety:
        # Bench-only: measure the gateway's own transport overhead, as a deployment that may opt
        # out of content safety (managed compute) would see it. Serverless ones cannot.
        live.safety = SafetyPolicy(enabled=False)
    keys = await services.deployments.keys(live.name)
    worker = live.engine.worker
    info = {
        "pid": os.getpid(),
        "name": live.name,
        "target_url": f"http://127.0.0.1:{port}/deployments/{live.name}",
        "admin_url": f"http://127.0.0.1:{port}",
        "admin_token": ADMIN_TOKEN,
        "key": keys[next(iter(keys))],
        "engine_url": worker.base_url,
        "engine_key": worker.api_key,
        "engine_pid": worker.pid,
        "counted_in_process": getattr(live.engine, "counter", None) is not None,
    }
    print(json.dumps(info), flush=True)
    await serve


if __name__ == "__main__":
    import uvloop  # the event loop `modelport up` runs on (uvicorn[standard])

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "on"))
