"""The llama.cpp worker process: one ``xllamacpp.Server`` on 127.0.0.1 for one deployment.

Started by the engine supervisor (:mod:`modelport.engines.supervisor`) as
``python -m modelport.engines.llamacpp.worker --port PORT``. The configuration arrives as JSON in
``MODELPORT_WORKER_CONFIG`` and the API key in ``MODELPORT_WORKER_API_KEY`` (never on the command
line, so it does not show in ``ps``). The supervisor's readiness probe is llama.cpp's ``/health``;
a model that cannot be loaded is reported as one ``MODELPORT_WORKER_FAILED <reason>`` line. The
worker exits on SIGTERM and when its stdin closes: the supervisor holds the other end, so a
gateway that dies (even by SIGKILL) takes its workers with it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import Any

FAILED_PREFIX = "MODELPORT_WORKER_FAILED "


def _build_params(config: dict[str, Any], api_key: str, port: int, host: str = "127.0.0.1") -> Any:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = config["model_path"]
    params.hostnames = [host]
    params.port = port
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
    if config.get("adapter"):  # a fine-tuned LoRA adapter on top of the base weights
        params.lora_adapters = [xllamacpp.CommonAdapterLoraInfo(config["adapter"], 1.0)]
    return params


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="modelport.engines.llamacpp.worker")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
    args = parser.parse_args(argv)
    port, host = args.port, args.host
    config = json.loads(os.environ["MODELPORT_WORKER_CONFIG"])
    api_key = os.environ.pop("MODELPORT_WORKER_API_KEY")
    import xllamacpp

    try:
        server = xllamacpp.Server(_build_params(config, api_key, port, host))
    except Exception as exc:  # the native loader raises assorted errors; report them all
        print(f"{FAILED_PREFIX}{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 3

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
    sys.exit(main(sys.argv[1:]))
