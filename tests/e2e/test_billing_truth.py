"""Billing truth on every store: what the clients were told is what the report says, and a ledger
that cannot commit never serves a request as billed.

Runs on SQLite and on PostgreSQL (``store_server``), each through the real SDKs, the real engine
and the CLI, as an operator runs Modelport on one machine or on several.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import UserMessage
from azure.core.credentials import AzureKeyCredential
from sqlalchemy import func, select, text

from modelport.store.usage_tables import usage_records
from tests.e2e.test_cli import _cli
from tests.support import ADMIN_HEADERS, EMBEDDED, ThreadServer, admin, keys_of, wait_ready

pytestmark = pytest.mark.e2e

QUESTIONS = [
    "Name three colours.",
    "What is the capital of France?",
    "Say hello in Spanish.",
    "Count to five.",
    "Name a fruit.",
]


@pytest.fixture(scope="module")
def truth(store_server: ThreadServer) -> Iterator[tuple[str, str]]:
    """A deployment of its own (a project of its own), created through the CLI: its usage is
    exactly the traffic of this module."""
    backend = store_server.services.store.engine.dialect.name
    project, name = f"truth-{backend}", f"truth-{backend}"
    created = _cli(store_server, "projects", "create", project, "--region", "local")
    assert created.returncode == 0, created.stderr
    deployed = _cli(store_server, "deploy", EMBEDDED, "--project", project, "--name", name,
                    "--subscribe", "--timeout", "180")  # fmt: skip
    assert deployed.returncode == 0, deployed.stderr
    wait_ready(store_server.base_url, name)
    try:
        yield name, keys_of(store_server.base_url, name)["primary"]
    finally:
        with admin(store_server.base_url) as api:
            api.delete(f"/management/deployments/{name}")


def _ledger(server: ThreadServer, deployment: str) -> tuple[int, int, int]:
    c = usage_records.c
    query = select(func.count(), func.sum(c.prompt_tokens), func.sum(c.completion_tokens)).where(
        c.deployment_name == deployment
    )
    with server.services.store.engine.connect() as conn:
        count, prompt, completion = conn.execute(query).one()
    return int(count), int(prompt or 0), int(completion or 0)


def test_report_equals_what_the_clients_were_told(
    store_server: ThreadServer, truth: tuple[str, str]
) -> None:
    name, key = truth
    target = f"{store_server.base_url}/deployments/{name}"
    told: list[tuple[int, int]] = []
    client = openai.OpenAI(base_url=target, api_key=key, max_retries=0)
    try:
        for question in QUESTIONS:
            messages: Any = [{"role": "user", "content": question}]
            reply = client.chat.completions.create(
                model=EMBEDDED, messages=messages, temperature=0, max_tokens=12
            )
            assert reply.usage is not None
            told.append((reply.usage.prompt_tokens, reply.usage.completion_tokens))
            stream = client.chat.completions.create(
                model=EMBEDDED,
                messages=messages,
                temperature=0,
                max_tokens=12,
                stream=True,
                stream_options={"include_usage": True},
            )
            usage = [chunk.usage for chunk in stream if chunk.usage is not None]
            assert len(usage) == 1, "usage travels once, in the last chunk"
            told.append((usage[0].prompt_tokens, usage[0].completion_tokens))
        completion = client.completions.create(
            model=EMBEDDED, prompt="The sky is", max_tokens=8, temperature=0
        )
        assert completion.usage is not None
        told.append((completion.usage.prompt_tokens, completion.usage.completion_tokens))
    finally:
        client.close()
    with ChatCompletionsClient(endpoint=target, credential=AzureKeyCredential(key)) as azure:
        answer = azure.complete(messages=[UserMessage("Name a planet.")], max_tokens=12)
        told.append((answer.usage.prompt_tokens, answer.usage.completion_tokens))
        chunks = list(
            azure.complete(messages=[UserMessage("Name a river.")], max_tokens=12, stream=True)
        )
        (last,) = [c for c in chunks if getattr(c, "usage", None)]
        told.append((last.usage.prompt_tokens, last.usage.completion_tokens))

    requests = len(told)
    prompt = sum(p for p, _ in told)
    completion_tokens = sum(c for _, c in told)
    assert requests == 13 and prompt > 0 and completion_tokens > 0
    # Each record was durable before its response ended: no waiting needed.
    assert _ledger(store_server, name) == (requests, prompt, completion_tokens)
    report = _cli(store_server, "usage", "--deployment", name, "--json")
    assert report.returncode == 0, report.stderr
    total = json.loads(report.stdout)["total"]
    assert (total["requests"], total["prompt_tokens"], total["completion_tokens"]) == (
        requests,
        prompt,
        completion_tokens,
    )
    assert total["total_tokens"] == prompt + completion_tokens
    with admin(store_server.base_url) as api:
        by_meter = api.get("/management/usage", params={"deployment": name, "by": "day"}).json()
    assert by_meter["total"] == total, "the API and the CLI report the same figures"
    backend = store_server.services.store.engine.dialect.name
    print(  # the billing-truth figure, shown with `pytest -s`
        f"\nbilling truth on {backend}: clients were told {requests} requests, {prompt} prompt "
        f"and {completion_tokens} completion tokens; the report says {total['requests']}, "
        f"{total['prompt_tokens']}, {total['completion_tokens']} (cost {total['cost']})"
    )


def _metric(base_url: str, name: str) -> float:
    for line in httpx.get(
        f"{base_url}/metrics", headers=ADMIN_HEADERS, timeout=30
    ).text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_ledger_outage_fails_requests_and_bills_nothing_twice(
    store_server: ThreadServer, truth: tuple[str, str]
) -> None:
    """The ledger's table is unreachable (a real database error on every attempt): a non-streamed
    request gets 503 + Retry-After, a streamed one ends in-band with the error, neither is
    counted as billed; once the database is back, requests are served and billed again."""
    name, key = truth
    target = f"{store_server.base_url}/deployments/{name}"
    headers = {"api-key": key}
    body = {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "temperature": 0}
    before = _ledger(store_server, name)
    failed_before = _metric(store_server.base_url, "modelport_usage_ledger_failed_records_total")
    engine = store_server.services.store.engine
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE usage_records RENAME TO usage_records_offline"))
    try:
        whole = httpx.post(f"{target}/chat/completions", json=body, headers=headers, timeout=60)
        assert whole.status_code == 503, whole.text
        assert whole.json()["error"]["code"] == "usage_ledger_unavailable"
        assert int(whole.headers["retry-after"]) >= 1
        with httpx.stream(
            "POST",
            f"{target}/chat/completions",
            json={**body, "stream": True},
            headers=headers,
            timeout=60,
        ) as streamed:
            assert streamed.status_code == 200
            frames = [line[6:] for line in streamed.iter_lines() if line.startswith("data: ")]
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE usage_records_offline RENAME TO usage_records"))
    assert frames[-1] == "[DONE]"
    error = json.loads(frames[-2])["error"]
    assert error["code"] == "usage_ledger_unavailable", frames
    assert not any('"usage"' in f for f in frames), "a stream whose usage was lost shows none"
    failed = _metric(store_server.base_url, "modelport_usage_ledger_failed_records_total")
    assert failed - failed_before == 2
    assert _ledger(store_server, name) == before

    deadline = time.monotonic() + 30
    ok = httpx.post(f"{target}/chat/completions", json=body, headers=headers, timeout=60)
    while ok.status_code != 200 and time.monotonic() < deadline:
        ok = httpx.post(f"{target}/chat/completions", json=body, headers=headers, timeout=60)
    assert ok.status_code == 200, ok.text
    usage = ok.json()["usage"]
    count, prompt, completion = _ledger(store_server, name)
    assert count == before[0] + 1
    assert (prompt - before[1], completion - before[2]) == (
        usage["prompt_tokens"],
        usage["completion_tokens"],
    )
