"""``best_of``: generate several candidates, return the ``n`` best by mean token log-probability.

Engine-independent: the candidates are one request with ``n = best_of`` (the engine fans them
out), always with log-probabilities so they can be ranked. Not streamable (the best is known only
at the end). Usage bills every candidate: the prompt once, the completion tokens of all of them.

A model server that ignores the request for log-probabilities (some OpenAI-compatible servers
do) leaves nothing to rank by: ``best_of`` is refused as a parameter this deployment's server does
not support (a 400 naming it; like any request refused after admission, only its counted prompt
is metered) rather than the first candidates being returned as if they were the best.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import replace

from modelport.errors import UnsupportedParameter
from modelport.inference.collect import ChoiceResult, collect
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    InferenceRequest,
    TextDelta,
    ToolCallDelta,
)

Generate = Callable[[InferenceRequest], AsyncIterator[Event]]


def mean_logprob(choice: ChoiceResult) -> float:
    if not choice.logprobs:
        return float("-inf")
    return sum(lp.logprob for lp in choice.logprobs) / len(choice.logprobs)


async def best_of(generate: Generate, request: InferenceRequest) -> AsyncGenerator[Event, None]:
    s = request.sampling
    candidates = replace(
        request,
        stream=False,
        sampling=replace(s, n=s.best_of or s.n, best_of=None, logprobs=True),
    )
    completion = await collect(generate(candidates))
    if any(choice.text and not choice.logprobs for choice in completion.choices):
        raise UnsupportedParameter(
            "best_of is not supported by this deployment's model server: it ranks candidates "
            "by log-probability, and the server returned none; send best_of equal to n or leave "
            "it out",
            param="best_of",
        )
    ranked = sorted(completion.choices, key=lambda c: (-mean_logprob(c), c.index))[: s.n]
    for index, choice in enumerate(ranked):
        yield TextDelta(index, choice.text, tuple(choice.logprobs) if s.logprobs else ())
        for number, call in enumerate(choice.tool_calls):
            yield ToolCallDelta(index, number, call.id, call.name, call.arguments)
        yield ChoiceEnd(index, choice.finish_reason or FinishReason.STOP)
    yield completion.usage
