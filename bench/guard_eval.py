"""A real guard model's recall on the held-out set, where its weights are present.

    modelport models pull llama-guard-3-1b        # once, into the model store
    python -m bench.guard_eval [--offer llama-guard-3-1b] [--format llama-guard-3] [--limit N]
                               [--grammar]

The operator's path, in this process: a Modelport is started with the ``guard`` plug-in named in
its settings, the guard offer is deployed through the management API (project, subscription,
deployment), and then the held-out set (``corpus/safety/heldout``, see bench/safety_eval.py) is
classified by the guard plug-in alone and by the ensemble ``default`` + ``guard``, with the same
tables as bench/safety_eval.py and the time per check. Without the weights in the model store it
says how to get them and exits. ``--grammar`` turns on the plug-in's option of the same name
(answers constrained to verdicts): with it, a model that is not a guard (the embedded SmolLM2,
``--offer smollm2-135m-instruct``) can stand in to exercise the path; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import uvicorn

from modelport.app import create_app
from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.models.weights import WeightsUnavailable, resolve_weights
from modelport.policy.safety.classifier import Ensemble
from modelport.policy.safety.guard import FORMATS, GuardModelClassifier
from modelport.policy.safety.learned.corpus import Sample, load_corpus, load_heldout, unseen
from modelport.policy.safety.learned.evaluate import Classify, evaluate, format_report
from modelport.policy.safety.types import Category, SafetyResult, Severity
from modelport.services import Services
from modelport.settings import Settings

DEPLOYMENT = "guard-under-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(settings: Settings) -> tuple[uvicorn.Server, Services]:
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=settings.port, log_level="warning")
    )
    threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True).start()
    deadline = time.monotonic() + 120
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("the Modelport under test did not start")
        time.sleep(0.1)
    services: Services = app.state.services
    return server, services


def _deploy(base_url: str, token: str, offer: str, timeout: float) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as api:
        api.post("/management/projects", json={"name": "guard-bench"}).raise_for_status()
        api.post(
            "/management/projects/guard-bench/deployments",
            json={"name": DEPLOYMENT, "offer": offer, "subscribe": True},
        ).raise_for_status()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = api.get(f"/management/deployments/{DEPLOYMENT}").json()
            if state.get("state") == "succeeded" and state.get("engine_state") in (None, "ready"):
                return
            if state.get("state") == "failed":
                raise SystemExit(f"the guard deployment failed: {state}")
            time.sleep(1)
    raise SystemExit("the guard deployment did not become ready in time")


FAILED_CLOSED = SafetyResult.of({Category.VIOLENCE: Severity.HIGH}, evidence=["failed closed"])


class Counted:
    """A classifier that counts its failures and, like the platform, fails closed on them (the
    text is refused with ``content_filter_error``: here, counted as blocked)."""

    def __init__(self, classify: Classify) -> None:
        self.classify_text = classify
        self.failures = 0

    def __call__(self, text: str) -> SafetyResult:
        try:
            return self.classify_text(text)
        except Exception:
            self.failures += 1
            return FAILED_CLOSED


def _timed(classify: Classify, samples: Sequence[Sample]) -> float:
    start = time.perf_counter()
    for sample in samples:
        classify(sample.text)
    return (time.perf_counter() - start) / max(len(samples), 1)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--offer", default="llama-guard-3-1b")
    parser.add_argument("--format", choices=FORMATS, default=None)
    parser.add_argument("--data-dir", type=Path, default=None, help="holds the model store")
    parser.add_argument("--limit", type=int, default=0, help="at most this many texts (spread)")
    parser.add_argument("--start-timeout", type=float, default=600)
    parser.add_argument("--grammar", action="store_true", help="constrain answers to verdicts")
    args = parser.parse_args(argv)
    guard_format = args.format or ("shieldgemma" if "gemma" in args.offer else "llama-guard-3")
    base = Settings() if args.data_dir is None else Settings(data_dir=args.data_dir)
    offer = Catalog.load(builtin_offers_dir()).get(args.offer)
    if offer is None:
        raise SystemExit(f"no offer {args.offer!r} in the catalog")
    try:
        resolve_weights(offer, base.data_dir / "models")
    except WeightsUnavailable as exc:
        print(f"{exc}\nThe guard's weights are not present: `modelport models pull {args.offer}`")
        return
    samples = unseen(load_heldout(), load_corpus())
    if args.limit:  # every k-th text: all languages and categories stay represented
        samples = samples[:: max(1, len(samples) // args.limit)][: args.limit]
    token = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory() as state_dir:
        settings = Settings(
            data_dir=base.data_dir,
            port=_free_port(),
            admin_token=token,
            database_url=f"sqlite:///{state_dir}/bench.db",
            safety_classifiers=["default", "guard"],
            safety_plugin_options={
                "guard": {
                    "deployment": DEPLOYMENT,
                    "format": guard_format,
                    "timeout": 300,
                    "grammar": args.grammar,
                }
            },
            safety_timeout=600.0,
            log_level="warning",
        )
        server, services = _serve(settings)
        try:
            _deploy(f"http://127.0.0.1:{settings.port}", token, args.offer, args.start_timeout)
            ensemble = services.safety.classifier
            assert isinstance(ensemble, Ensemble)
            guard = next(m for m in ensemble.members if isinstance(m, GuardModelClassifier))
            how = guard_format + (", answers constrained by a grammar" if args.grammar else "")
            print(f"{len(samples)} held-out texts; guard {args.offer} ({how})\n")
            runs: list[tuple[str, Classify]] = [
                ("guard alone", guard.classify),
                ("default + guard", ensemble.classify),
            ]
            for name, classify in runs:
                counted = Counted(classify)
                print(format_report(evaluate(counted, samples), f"{name}: {args.offer}"))
                print(
                    f"checks that failed and were counted as blocked (answer not a verdict, "
                    f"timeout): {counted.failures}\n"
                )
            seconds = _timed(Counted(guard.classify), samples[:50])
            timed = min(50, len(samples))
            print(f"time per check, guard alone: {seconds * 1000:.0f} ms (first {timed} texts)")
        finally:
            server.should_exit = True
            time.sleep(1)


if __name__ == "__main__":
    main()
