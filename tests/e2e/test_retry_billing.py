"""A non-streamed request whose engine fails after generating is billed once when its caller
retries it under the same request id (``x-ms-client-request-id``, which azure-core keeps across
its retries): the failed attempt's record (outcome ``error``, the tokens generated) is replaced by
the retry's, in the ledger and in the rollups; the id of a request already served is refused
(409) before any engine work. On SQLite and PostgreSQL, through the live server; completions from
a scripted engine that fails its first call after three tokens."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from modelport.errors import EngineFailed
from modelport.inference.types import Event, InferenceRequest
from modelport.store.usage import rollup_rows
from tests.e2e.test_billing import ledger_row
from tests.scripted import ScriptedEngine, text_events
from tests.support import EMBEDDED, ThreadServer, attach_offer, keys_of

pytestmark = pytest.mark.e2e

ANSWER = "The capital of France is Paris and it is lovely."


@dataclass
class FailsOnce(ScriptedEngine):
    """Fails its first call after three tokens; answers the others."""

    failed: bool = False

    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        self.calls.append(request)
        events = text_events(ANSWER, prompt_tokens=11)
        if not self.failed:
            self.failed = True
            for event in events[:3]:
                yield event
            raise EngineFailed("the model engine failed while generating")
        for event in events:
            yield event


@pytest.fixture
def deployment(store_server: ThreadServer) -> Iterator[tuple[str, dict[str, str]]]:
    engine = FailsOnce()
    attach_offer(store_server, EMBEDDED, "retry-billing", engine)
    key = keys_of(store_server.base_url)["primary"]
    yield f"{store_server.base_url}/deployments/retry-billing", {"api-key": key}
    store_server.services.registry.remove(store_server.settings.default_region, "retry-billing")


def totals(server: ThreadServer) -> dict[str, int]:
    live = server.services.registry.get(server.settings.default_region, EMBEDDED)
    assert live is not None
    rows = server.services.store.run(lambda c: rollup_rows(c))
    out: dict[str, int] = {}
    for row in rows:
        if row.deployment_id == live.deployment.id:
            out[row.meter] = out.get(row.meter, 0) + row.quantity
    return out


def test_a_retried_request_is_billed_once(
    store_server: ThreadServer, deployment: tuple[str, dict[str, str]]
) -> None:
    target, headers = deployment
    caller_id = str(uuid.uuid4())
    retry = {**headers, "x-ms-client-request-id": caller_id}
    body: dict[str, Any] = {"messages": [{"role": "user", "content": "Capital of France?"}]}
    before = totals(store_server)

    failed = httpx.post(f"{target}/chat/completions", json=body, headers=retry, timeout=60)
    assert failed.status_code == 502, failed.text
    assert failed.json()["error"]["code"] == "engine_error"
    request_id = failed.headers["x-request-id"]
    row = ledger_row(store_server, request_id)
    assert (row.outcome, row.completion_tokens) == ("error", 3)  # what was generated

    served = httpx.post(f"{target}/chat/completions", json=body, headers=retry, timeout=60)
    assert served.status_code == 200, served.text
    assert served.headers["x-request-id"] == request_id  # the same request, retried
    usage = served.json()["usage"]
    row = ledger_row(store_server, request_id)
    assert row.outcome == "ok"
    assert (row.prompt_tokens, row.completion_tokens) == (
        usage["prompt_tokens"],
        usage["completion_tokens"],
    )
    after = totals(store_server)
    assert after["inference-requests"] - before.get("inference-requests", 0) == 1
    assert (
        after["inference-output-tokens"] - before.get("inference-output-tokens", 0)
        == (usage["completion_tokens"])
    )
    assert (
        after["inference-input-tokens"] - before.get("inference-input-tokens", 0)
        == (usage["prompt_tokens"])
    )

    # The same id again: already served, refused before any engine work, nothing billed.
    calls = len(store_server.services.registry.get("local", "retry-billing").engine.calls)  # type: ignore[union-attr]
    again = httpx.post(f"{target}/chat/completions", json=body, headers=retry, timeout=60)
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "conflict"
    assert totals(store_server) == after
    assert len(store_server.services.registry.get("local", "retry-billing").engine.calls) == calls  # type: ignore[union-attr]

    # Without an id, every request is its own.
    plain = httpx.post(f"{target}/chat/completions", json=body, headers=headers, timeout=60)
    assert plain.status_code == 200 and plain.headers["x-request-id"] != request_id
