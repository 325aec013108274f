"""The guard plug-in end to end: configured the operator's way, asking a real engine deployment.

No guard model's weights can be fetched here, so the guard deployment is the embedded SmolLM2
model served by the real llama.cpp engine, asked in the Llama Guard 3 prompt format with the
plug-in's ``grammar`` option on, so that its greedy answer is a Llama Guard verdict. That proves
the path (settings → plug-in → the deployment's engine, called directly → verdict parsing →
the request's outcome), not a guard model's quality: SmolLM2's verdicts mean nothing, and
``bench/guard_eval.py`` measures a real guard model where its weights are present. The guard
deployment is also the one the user calls: its own checks must not recurse.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelport.policy.safety.classifier import ClassifierHost, Ensemble
from modelport.policy.safety.guard import (
    GuardModelClassifier,
    llama_guard_prompt,
    parse_llama_guard,
)
from modelport.policy.safety.types import Category, Severity
from modelport.store.usage_tables import usage_records
from tests.support import EMBEDDED, ThreadServer, keys_of, serving, settings_for, wait_ready

pytestmark = pytest.mark.e2e


class CountingHost:
    """Wraps the platform's route to the engines to see what the guard asked and got."""

    def __init__(self, inner: ClassifierHost) -> None:
        self.inner = inner
        self.answers: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def complete(self, deployment: str, prompt: str, **kwargs: Any) -> str:
        answer = self.inner.complete(deployment, prompt, **kwargs)
        with self._lock:
            self.answers.append((prompt, answer))
        return answer


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    data_dir: Path = tmp_path_factory.mktemp("guarded")
    settings = settings_for(
        data_dir,
        safety_classifiers=["default", "guard"],
        safety_plugin_options={"guard": {"deployment": EMBEDDED, "timeout": 60, "grammar": True}},
        safety_timeout=90,
    )
    with serving(settings) as server:
        yield server


def _guard(server: ThreadServer) -> GuardModelClassifier:
    moderation = server.services.pipeline.moderation
    assert moderation is not None
    ensemble = moderation.service.classifier
    assert isinstance(ensemble, Ensemble)
    guard = ensemble.members[1]
    assert isinstance(guard, GuardModelClassifier) and guard.deployment == EMBEDDED
    return guard


def _blocks(answer: str) -> bool:
    """Whether a guard answer (a verdict, or ``ValueError``) blocks under the default policy."""
    verdict = parse_llama_guard(answer)
    return any(verdict.severity(c) >= Severity.MEDIUM for c in Category)


def test_a_guarded_request_asks_the_guard_deployment_once_per_check(
    guarded: ThreadServer,
) -> None:
    guard = _guard(guarded)
    assert guard._host is not None  # attached at start-up: the settings path, as an operator
    host = CountingHost(guard._host)
    guard.attach(host)
    key = keys_of(guarded.base_url)["primary"]
    started = time.monotonic()
    response = httpx.post(
        f"{guarded.base_url}/deployments/{EMBEDDED}/v1/chat/completions",
        headers={"api-key": key},
        json={"messages": [{"role": "user", "content": "Name a fruit."}], "max_tokens": 8},
        timeout=300,
    )
    elapsed = time.monotonic() - started
    # The prompt was judged by the guard: one greedy completion of the Llama Guard prompt.
    assert host.answers, "the guard deployment was never asked"
    prompt, answer = host.answers[0]
    assert prompt.startswith("<|start_header_id|>user") and "Name a fruit." in prompt
    # The engine answered a verdict (the grammar), which decided the request like any other:
    # it went on (safe) or was refused by the guard (unsafe with a code of the four categories).
    if _blocks(answer):
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "content_filter"
    else:
        assert response.status_code == 200, response.text
        # The completion was judged too, window by window, each check a verdict of the guard.
        later = [a for _, a in host.answers[1:]]
        assert later, "the completion was never checked by the guard"
        choice = response.json()["choices"][0]
        assert (choice["finish_reason"] == "content_filter") == any(map(_blocks, later))
    # No recursion: each guard call ran once on the engine and came back well within the
    # plug-in's own timeout, and none of them went through the data plane.
    assert elapsed < 240
    with guarded.services.store.engine.connect() as conn:
        rows = list(conn.execute(usage_records.select()))
    assert len(rows) == 1, rows  # only the user's request was metered, not the guard's calls


def test_the_route_to_the_engine_from_a_worker_thread(guarded: ThreadServer) -> None:
    host = _guard(guarded)._host
    assert host is not None
    results: list[str] = []
    worker = threading.Thread(
        target=lambda: results.append(
            host.complete(EMBEDDED, llama_guard_prompt("hello"), max_tokens=4, timeout=120)
        )
    )
    worker.start()
    worker.join(150)
    assert results and isinstance(results[0], str) and results[0].strip()
    with pytest.raises(Exception, match="not found"):
        host.complete("no-such-deployment", "x", max_tokens=1, timeout=5)
    wait_ready(guarded.base_url)  # the deployment is unharmed
