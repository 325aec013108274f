"""Metering and limits through the real engine and server, on SQLite and on PostgreSQL: what is
billed is what was served."""

from __future__ import annotations

import csv
import io
import json
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest

from modelport.store.usage import ledger_rows
from tests.e2e.test_cli import _cli
from tests.support import ADMIN_HEADERS, EMBEDDED, ThreadServer, admin, keys_of

pytestmark = pytest.mark.e2e

MESSAGES = [{"role": "user", "content": "Name three colours."}]


@pytest.fixture(scope="module")
def target(store_server: ThreadServer) -> str:
    return f"{store_server.base_url}/deployments/{EMBEDDED}"


@pytest.fixture(scope="module")
def headers(store_server: ThreadServer) -> dict[str, str]:
    return {"api-key": keys_of(store_server.base_url)["primary"]}


def ledger_row(server: ThreadServer, request_id: str, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        with server.services.store.engine.connect() as conn:
            rows = ledger_rows(conn, [request_id])
        if rows or time.monotonic() > deadline:
            assert len(rows) == 1, f"{request_id} is in the ledger {len(rows)} times"
            return rows[0]
        time.sleep(0.05)


def test_stream_and_non_stream_bill_the_same_tokens(
    store_server: ThreadServer, target: str, headers: dict[str, str]
) -> None:
    body = {"messages": MESSAGES, "temperature": 0, "max_tokens": 16}
    whole = httpx.post(f"{target}/chat/completions", json=body, headers=headers, timeout=60)
    assert whole.status_code == 200
    usage = whole.json()["usage"]
    with httpx.stream(
        "POST",
        f"{target}/chat/completions",
        json={**body, "stream": True},
        headers=headers,
        timeout=60,
    ) as streamed:
        assert streamed.status_code == 200
        stream_id = streamed.headers["x-request-id"]
        # No include_usage asked: the stream is metered all the same.
        lines = [line for line in streamed.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    a = ledger_row(store_server, whole.headers["x-request-id"], timeout=0)
    b = ledger_row(store_server, stream_id, timeout=0)  # durable before [DONE] was sent
    assert (a.prompt_tokens, a.completion_tokens) == (b.prompt_tokens, b.completion_tokens)
    assert (a.prompt_tokens, a.completion_tokens) == (
        usage["prompt_tokens"],
        usage["completion_tokens"],
    )
    assert a.outcome == b.outcome == "ok"
    # /chat/completions is the Azure AI Model Inference route.
    assert a.key_slot == "primary" and a.dialect == "azure"


def test_disconnect_is_billed_for_generated_tokens(
    store_server: ThreadServer, target: str, headers: dict[str, str]
) -> None:
    messages = [{"role": "user", "content": "Count from one to two hundred, in words."}]
    body = {"messages": messages, "temperature": 0, "max_tokens": 400, "stream": True}
    chunks = 0
    with httpx.stream(
        "POST", f"{target}/chat/completions", json=body, headers=headers, timeout=60
    ) as streamed:
        request_id = streamed.headers["x-request-id"]
        for line in streamed.iter_lines():
            if line.startswith("data: {"):
                chunks += 1
            if chunks == 6:
                break
    row = ledger_row(store_server, request_id)
    assert row.outcome == "client_disconnected"
    assert chunks <= row.completion_tokens < 400
    whole = httpx.post(
        f"{target}/chat/completions",
        json={"messages": messages, "max_tokens": 1},
        headers=headers,
        timeout=60,
    )
    assert row.prompt_tokens == whole.json()["usage"]["prompt_tokens"]


def test_rate_limit_headers_on_success_and_errors(target: str, headers: dict[str, str]) -> None:
    ok = httpx.post(
        f"{target}/completions", json={"prompt": "Hi", "max_tokens": 1}, headers=headers
    )
    bad = httpx.post(f"{target}/chat/completions", json={"messages": []}, headers=headers)
    assert ok.status_code == 200 and bad.status_code == 400
    for response in (ok, bad):
        assert int(response.headers["x-ratelimit-remaining-requests"]) > 0
        assert int(response.headers["x-ratelimit-remaining-tokens"]) > 0
    assert "retry-after" not in bad.headers


def test_limits_through_cli_and_429(
    store_server: ThreadServer, target: str, headers: dict[str, str]
) -> None:
    result = _cli(store_server, "deployments", "limits", EMBEDDED, "--rpm", "1", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"requests_per_minute": 1, "tokens_per_minute": 200_000}
    try:
        body = {"messages": MESSAGES, "max_tokens": 1}
        responses = [
            httpx.post(f"{target}/chat/completions", json=body, headers=headers) for _ in range(2)
        ]
        limited = responses[-1]
        assert limited.status_code == 429
        error = limited.json()["error"]
        assert error["code"] == "rate_limited"  # the Azure AI Model Inference shape
        assert limited.headers["x-ms-error-code"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["x-ratelimit-remaining-requests"] == "0"
        assert "x-ratelimit-remaining-tokens" in limited.headers
        metrics = httpx.get(f"{store_server.base_url}/metrics", headers=ADMIN_HEADERS).text
        assert f'modelport_rate_limited_total{{deployment="{EMBEDDED}"}}' in metrics
    finally:
        with admin(store_server.base_url) as client:
            reset = client.put(f"/management/deployments/{EMBEDDED}/limits", json={})
    assert reset.json() == {"requests_per_minute": 1000, "tokens_per_minute": 200_000}
    shown = _cli(store_server, "deployments", "limits", EMBEDDED)
    assert "requests per minute: 1000" in shown.stdout


def test_usage_report_cli_and_api_agree(store_server: ThreadServer) -> None:
    with admin(store_server.base_url) as client:
        report = client.get("/management/usage", params={"by": "day"}).json()
        bad = client.get("/management/usage", params={"by": "colour"})
    assert bad.status_code == 422  # bad input in the management API
    assert report["total"]["requests"] > 0 and report["total"]["prompt_tokens"] > 0
    for day in report["data"]:
        expected = (
            Decimal("0.0001") * day["prompt_tokens"] / 1000
            + Decimal("0.0002") * day["completion_tokens"] / 1000
        )
        assert Decimal(day["cost"]) == expected
    as_csv = _cli(store_server, "usage", "--by", "deployment", "--csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = {r["deployment"]: r for r in csv.DictReader(io.StringIO(as_csv.stdout))}
    row = rows[EMBEDDED]
    as_json = _cli(store_server, "usage", "--deployment", EMBEDDED, "--json")
    assert json.loads(as_json.stdout)["total"]["cost"] == row["cost"]
    table = _cli(store_server, "usage", "--by", "project")
    assert "default" in table.stdout and "total" in table.stdout


def test_prometheus_metrics(store_server: ThreadServer) -> None:
    text = httpx.get(f"{store_server.base_url}/metrics", headers=ADMIN_HEADERS).text
    for name in (
        "modelport_requests_total",
        'modelport_tokens_total{deployment="smollm2-135m-instruct",direction="input"}',
        'modelport_tokens_total{deployment="smollm2-135m-instruct",direction="output"}',
        "modelport_cost_total",
        "modelport_request_latency_seconds_bucket",
    ):
        assert name in text
