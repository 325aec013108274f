"""Limits and metering around the engine call, with a scripted engine and a real SQLite ledger."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from modelport.billing.records import Meter
from modelport.billing.reports import GroupBy, build_report
from modelport.domain.deployments import RateLimits
from modelport.errors import RateLimited
from modelport.inference.collect import collect
from modelport.inference.types import (
    InferenceRequest,
    Message,
    RequestKind,
    SamplingParams,
    TextDelta,
)
from modelport.store.usage import rollup_rows
from tests.billing_support import harness


def chat(text: str, max_tokens: int | None = 16, n: int = 1) -> InferenceRequest:
    return InferenceRequest(
        kind=RequestKind.CHAT,
        sampling=SamplingParams(max_tokens=max_tokens, n=n),
        messages=(Message(role="user", content=text),),
    )


def test_record_is_durable_before_the_stream_ends(tmp_path: Path) -> None:
    h = harness(tmp_path / "db.sqlite")

    async def go() -> None:
        ctx = h.ctx()
        stream = await h.pipeline.open(ctx, chat("one two three"))
        async for _ in stream:
            pass
        # The stream is over: the gateway sends its final bytes now, so the record is there.
        (row,) = h.rows()
        assert row.request_id == ctx.request_id
        assert row.outcome == "ok"
        # The embedded offer's default system prompt is counted: 5 words + 3 words.
        assert (row.prompt_tokens, row.completion_tokens) == (8, 5)
        assert (row.key_slot, row.dialect, row.deployment_name) == ("primary", "openai", "dep-one")

    try:
        asyncio.run(go())
    finally:
        h.close()


def test_client_disconnect_is_billed_for_what_was_generated(tmp_path: Path) -> None:
    h = harness(tmp_path / "db.sqlite", delay=0.01)
    h.engine.replies.append(" ".join(f"w{i}" for i in range(50)))

    async def go() -> None:
        ctx = h.ctx()
        stream = await h.pipeline.open(ctx, chat("hello", max_tokens=100))
        seen = 0
        async for event in stream:
            seen += isinstance(event, TextDelta)
            if seen == 7:
                break
        await stream.aclose()  # what the gateway does when the client goes away
        (row,) = h.rows()
        assert row.outcome == "client_disconnected"
        assert row.prompt_tokens == 6  # counted at admission: the final usage never came
        assert row.completion_tokens == h.engine.generated == 7

    try:
        asyncio.run(go())
    finally:
        h.close()


def test_cancelled_stream_still_records_usage(tmp_path: Path) -> None:
    """The server cancels the response task when the client goes away."""
    h = harness(tmp_path / "db.sqlite", delay=0.01)
    h.engine.replies.append(" ".join(f"w{i}" for i in range(200)))

    async def go() -> None:
        ctx = h.ctx()
        stream = await h.pipeline.open(ctx, chat("hello", max_tokens=300))

        async def consume() -> None:
            try:
                async for _ in stream:
                    pass
            finally:
                await stream.aclose()

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await h.pipeline.drain()
        (row,) = h.rows()
        assert row.outcome == "client_disconnected"
        assert 0 < row.completion_tokens == h.engine.generated < 200

    try:
        asyncio.run(go())
    finally:
        h.close()


def test_over_the_limit_is_429_and_reservation_settles(tmp_path: Path) -> None:
    h = harness(
        tmp_path / "db.sqlite", limits=RateLimits(requests_per_minute=100, tokens_per_minute=60)
    )

    async def go() -> None:
        first = h.ctx()
        # Reserves 6 prompt + 50 max_tokens = 56 of 60, really uses 6 + 5 = 11.
        stream = await h.pipeline.open(first, chat("hello", max_tokens=50))
        assert stream.limit_headers == {
            "x-ratelimit-remaining-requests": "99",
            "x-ratelimit-remaining-tokens": "4",
        }
        second = h.ctx()
        with pytest.raises(RateLimited) as info:
            await h.pipeline.open(second, chat("hello", max_tokens=50))
        assert info.value.retry_after is not None and 0 < info.value.retry_after <= 60
        assert info.value.headers["x-ratelimit-remaining-tokens"] == "4"
        await collect(aiter(stream))
        await stream.aclose()
        third = h.ctx()  # settled to 11 used: 49 left
        stream = await h.pipeline.open(third, chat("hello", max_tokens=40))
        await collect(aiter(stream))
        assert stream.limit_headers["x-ratelimit-remaining-tokens"] == str(60 - 11 - 46)

    try:
        asyncio.run(go())
    finally:
        h.close()
    assert len(h.rows()) == 2, "a rejected request is not billed"
    assert h.metrics.rate_limited.labels("dep-one")._value.get() == 1


def test_cost_report_matches_the_price_sheet(tmp_path: Path) -> None:
    """A scripted workload priced by hand from the catalog's TOML prices."""
    h = harness(tmp_path / "db.sqlite")
    workload = [("a b c", 4, 1), ("a b c d e f g", 3, 1), ("x", 10, 2), ("x y", 2, 3)]
    replies = ["one two three four five six seven", "ok", "a b c d e f g h i j k l", "z z z"]

    async def go() -> None:
        for (prompt, max_tokens, n), reply in zip(workload, replies, strict=True):
            h.engine.replies.append(reply)
            stream = await h.pipeline.open(h.ctx(), chat(prompt, max_tokens, n))
            await collect(aiter(stream))
            await stream.aclose()

    try:
        asyncio.run(go())
        with h.db.connect() as conn:
            report = build_report(rollup_rows(conn), GroupBy.DEPLOYMENT, h.prices)
    finally:
        h.close()
    system = 5  # "You are a helpful assistant."
    prompt = sum(system + len(p.split()) for p, _, _ in workload)
    completion = sum(
        n * min(m, len(r.split())) for (_, m, n), r in zip(workload, replies, strict=True)
    )
    # smollm2-135m-instruct.toml: input 0.0001, output 0.0002 per 1K tokens.
    cost = Decimal("0.0001") * prompt / 1000 + Decimal("0.0002") * completion / 1000
    (group,) = report["data"]
    assert group["deployment"] == "dep-one"
    assert (group["requests"], group["prompt_tokens"]) == (4, prompt)
    assert group["completion_tokens"] == completion
    assert Decimal(group["cost"]) == cost
    assert report["total"]["cost"] == group["cost"]
    assert h.prices.cost("smollm2-135m-instruct", Meter.OUTPUT_TOKENS, 1000) == Decimal("0.0002")
