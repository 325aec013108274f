"""Context and lengths, before any engine work: a request that cannot fit the deployment's
context is a 400 with the sums; one without max_tokens gets what fits (at most its dialect's
default); a reservation that can never fit the deployment's tokens per minute is a 400, not an
endless 429; pass-through length knobs are bounded by max_tokens, multiplying ones refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from modelport.domain.deployments import RateLimits
from modelport.engines.openai_wire import Wire, bound_extra, request_body
from modelport.errors import (
    ContextLengthExceeded,
    InvalidRequest,
    RequestTooLarge,
    UnknownParameter,
)
from modelport.inference.collect import collect
from modelport.inference.lengths import fit_to_context
from modelport.inference.types import InferenceRequest, Message, RequestKind, SamplingParams
from tests.billing_support import harness


def chat(
    max_tokens: int | None = None, default: int | None = None, **extra: object
) -> InferenceRequest:
    return InferenceRequest(
        kind=RequestKind.CHAT,
        sampling=SamplingParams(max_tokens=max_tokens, default_max_tokens=default),
        messages=(Message(role="user", content="hello"),),
        extra=dict(extra),
    )


def test_max_tokens_defaults_fit_the_context() -> None:
    assert fit_to_context(chat(), 100, 4096).sampling.max_tokens == 3996
    # AI21's default of 4096 cannot fit beside any prompt in a 4,096-token context: it shrinks.
    assert fit_to_context(chat(default=4096), 100, 4096).sampling.max_tokens == 3996
    assert fit_to_context(chat(default=16), 100, 4096).sampling.max_tokens == 16
    assert fit_to_context(chat(max_tokens=3996), 100, 4096).sampling.max_tokens == 3996


def test_over_the_context_is_refused_with_the_sums() -> None:
    with pytest.raises(ContextLengthExceeded) as info:
        fit_to_context(chat(max_tokens=4000), 100, 4096)
    assert info.value.status == 400 and info.value.param == "max_tokens"
    assert info.value.message == (
        "the prompt (100 tokens) plus max_tokens (4000) is 4100 tokens, more than this "
        "deployment's context of 4096 tokens; ask for at most 3996 tokens"
    )
    with pytest.raises(ContextLengthExceeded, match="the prompt is 5000 tokens"):
        fit_to_context(chat(), 5000, 4096)


def test_pass_through_length_knobs_are_bounded_by_max_tokens() -> None:
    bounded = bound_extra(chat(max_tokens=1, n_predict=200, min_tokens=5, top_k=3))
    assert bounded.extra == {"n_predict": 1, "min_tokens": 1, "top_k": 3}
    assert bound_extra(chat(max_tokens=8, n_predict=-1)).extra == {"n_predict": 8}
    body = request_body(bounded, Wire.LLAMACPP)
    assert (body["max_tokens"], body["n_predict"], body["top_k"]) == (1, 1, 3)
    with pytest.raises(UnknownParameter, match="'best_of' cannot be passed through"):
        bound_extra(chat(max_tokens=8, best_of=20))
    with pytest.raises(InvalidRequest, match="n_predict must be an integer"):
        bound_extra(chat(max_tokens=8, n_predict="lots"))


def test_a_reservation_larger_than_the_tpm_is_400_not_429(tmp_path: Path) -> None:
    h = harness(tmp_path / "db.sqlite", limits=RateLimits(tokens_per_minute=1000))

    async def go() -> None:
        with pytest.raises(RequestTooLarge) as info:
            await h.pipeline.open(h.ctx(), chat(max_tokens=2000))
        assert info.value.status == 400 and info.value.retry_after is None
        assert "more than deployment 'dep-one' allows in a minute (1000 tokens)" in str(info.value)
        # Nothing was reserved or metered: the next request that fits goes through.
        stream = await h.pipeline.open(h.ctx(), chat(max_tokens=20))
        await collect(aiter(stream))
        await stream.aclose()
        await asyncio.sleep(0.05)
        assert len(h.rows()) == 1

    try:
        asyncio.run(go())
    finally:
        h.close()


def test_the_engine_gets_an_explicit_bound(tmp_path: Path) -> None:
    h = harness(tmp_path / "db.sqlite")
    h.engine.context = 64

    async def go() -> None:
        ctx = h.ctx()
        stream = await h.pipeline.open(ctx, chat())
        await collect(aiter(stream))
        await stream.aclose()
        # The reservation is the whole 64-token context: the prompt and the rest of it.
        account = stream.account
        assert account.reserved == account.tallied.prompt_estimate + (
            64 - account.tallied.prompt_estimate
        )
        assert account.reserved == 64
        with pytest.raises(ContextLengthExceeded):
            await h.pipeline.open(h.ctx(), chat(max_tokens=64))

    try:
        asyncio.run(go())
    finally:
        h.close()
