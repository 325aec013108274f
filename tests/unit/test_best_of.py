"""``best_of`` ranking: the n candidates with the highest mean log-probability, and a clear refusal
(not the first candidates passed off as the best) when the server returned no
log-probabilities."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from modelport.errors import UnsupportedParameter
from modelport.inference.best_of import best_of
from modelport.inference.collect import collect
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    InferenceRequest,
    RequestKind,
    SamplingParams,
    TextDelta,
    TokenLogprob,
    Usage,
)

# Three candidates: their text and their tokens' log-probabilities (means -2.0, -0.5, -1.0).
CANDIDATES = [("a b", (-1.0, -3.0)), ("c d", (-0.5, -0.5)), ("e f", (-1.0, -1.0))]


def _request(n: int = 1, best: int = 3, logprobs: bool = False) -> InferenceRequest:
    sampling = SamplingParams(max_tokens=2, n=n, best_of=best, logprobs=logprobs)
    return InferenceRequest(kind=RequestKind.COMPLETION, prompt="p", sampling=sampling)


class Server:
    """A model server that answers ``n`` candidates, with or without log-probabilities."""

    def __init__(self, *, with_logprobs: bool) -> None:
        self.with_logprobs = with_logprobs
        self.asked: list[InferenceRequest] = []

    async def generate(self, request: InferenceRequest) -> AsyncIterator[Event]:
        self.asked.append(request)
        for index, (text, lps) in enumerate(CANDIDATES[: request.sampling.n]):
            tokens = text.split(" ")
            for token, lp in zip(tokens, lps, strict=True):
                logprobs = (TokenLogprob(token, lp),) if self.with_logprobs else ()
                yield TextDelta(index, token, logprobs)
            yield ChoiceEnd(index, FinishReason.LENGTH)
        yield Usage(1, 2 * request.sampling.n)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_n_best_by_mean_logprob_are_returned_and_every_candidate_billed() -> None:
    server = Server(with_logprobs=True)
    result = await collect(best_of(server.generate, _request(n=2)))
    (asked,) = server.asked
    assert asked.sampling.n == 3 and asked.sampling.logprobs and asked.sampling.best_of is None
    assert [c.text for c in result.choices] == ["cd", "ef"]
    assert [c.index for c in result.choices] == [0, 1]
    assert all(not c.logprobs for c in result.choices)  # not asked for by the caller
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (1, 6)


@pytest.mark.anyio
async def test_the_callers_logprobs_come_with_the_best() -> None:
    result = await collect(best_of(Server(with_logprobs=True).generate, _request(logprobs=True)))
    (best,) = result.choices
    assert [lp.logprob for lp in best.logprobs] == [-0.5, -0.5]


@pytest.mark.anyio
async def test_a_server_without_logprobs_refuses_best_of_and_bills_nothing() -> None:
    events = []
    with pytest.raises(UnsupportedParameter) as failed:
        async for event in best_of(Server(with_logprobs=False).generate, _request()):
            events.append(event)
    assert events == []  # no candidate's text or tokens reach the caller or the bill
    assert failed.value.param == "best_of" and failed.value.status == 400
    assert "log-probabilit" in failed.value.message
