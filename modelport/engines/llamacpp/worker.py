"""The llama.cpp worker process: one ``xllamacpp.Server`` on 127.0.0.1 for one deployment.

Started by :class:`modelport.engines.llamacpp.process.WorkerProcess` as
``python -m modelport.engines.llamacpp.worker``. The configuration arrives as JSON in
``MODELPORT_WORKER_CONFIG`` and the API key in ``MODELPORT_WORKER_API_KEY`` (never on the command
line, so it does not show in ``ps``). Once listening, the worker prints one line
``MODELPORT_WORKER_READY <address>`` on stdout. It exits when its stdin closes: the supervisor
holds the other end, so a gateway that dies (even by SIGKILL) takes its workers with it.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from typing import Any

READY_PREFIX = "MODELPORT_WORKER_READY "


def _build_params(config: dict[str, Any], api_key: str) -> Any:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = config["model_path"]
    params.hostnames = ["127.0.0.1"]
    params.port = int(config.get("port", 0))
    params.api_keys = [api_key]
    params.n_parallel = int(config["slots"])
    params.n_ctx = int(config["context"]) * int(config["slots"])  # context is per slot
    params.cpuparams.n_threads = int(config["threads"])
    params.cpuparams_batch.n_threads = int(config["threads"])
    params.use_jinja = True
    params.chat_template = config["chat_template"]
    params.endpoint_metrics = True
    params.cont_batching = True
    params.ui = False
    params.warmup = True
    adapters = config.get("lora_adapters") or []
    if adapters:  # LoRA adapters (GGUF), applied at load time at their scale
        params.lora_adapters = [
            xllamacpp.CommonAdapterLoraInfo(str(a["path"]), float(a.get("scale", 1.0)))
            for a in adapters
        ]
    return params


def main() -> int:
    config = json.loads(os.environ["MODELPORT_WORKER_CONFIG"])
    api_key = os.environ.pop("MODELPORT_WORKER_API_KEY")
    import xllamacpp

    try:
        server = xllamacpp.Server(_build_params(config, api_key))
    except Exception as exc:  # the native loader raises assorted errors; report them all
        print(f"MODELPORT_WORKER_FAILED {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 3
    print(READY_PREFIX + str(server.listening_address), flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def _watch_stdin() -> None:
        sys.stdin.read()  # returns at EOF: the supervisor went away
        stop.set()

    threading.Thread(target=_watch_stdin, daemon=True).start()
    stop.wait()
    del server
    return 0


if __name__ == "__main__":
    sys.exit(main())
