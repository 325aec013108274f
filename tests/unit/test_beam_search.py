"""Beam search's own rules on a scripted llama.cpp (each step offers the same three next tokens:
the end-of-generation token, "a" and "b"), for the sampling fields it honours itself:
``ignore_eos``, ``stop_token_ids`` and the number of ``top_logprobs``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from modelport.engines.llamacpp.beam import beam_search
from modelport.inference.collect import collect
from modelport.inference.types import (
    FinishReason,
    InferenceRequest,
    RequestKind,
    SamplingParams,
)

EOG, A, B = 0, 5, 6
TOPS = [
    {"id": EOG, "token": "", "logprob": -0.1},
    {"id": A, "token": "a", "logprob": -1.0},
    {"id": B, "token": "b", "logprob": -2.0},
]


class ScriptedLlamaCpp:
    def __init__(self) -> None:
        self.steps = 0

    async def tokenize(self, text: str, *, add_special: bool = True) -> list[int]:
        return [1, 2]

    async def prompt_text(self, request: InferenceRequest) -> str:
        return request.prompt or ""

    async def eog_ids(self) -> set[int]:
        return {EOG}

    async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert path == "/completion" and body["n_predict"] == 1 and body["temperature"] == 0
        self.steps += 1
        return {"completion_probabilities": [{"id": A, "top_logprobs": TOPS[: body["n_probs"]]}]}


def _request(**sampling: Any) -> InferenceRequest:
    params = SamplingParams(max_tokens=3, temperature=0.0, best_of=2, use_beam_search=True)
    return InferenceRequest(
        kind=RequestKind.COMPLETION, prompt="p", sampling=replace(params, **sampling)
    )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_likeliest_ending_wins_without_ignore_eos() -> None:
    result = await collect(beam_search(ScriptedLlamaCpp(), _request()))
    (choice,) = result.choices
    assert choice.text == "" and choice.finish_reason is FinishReason.STOP


@pytest.mark.anyio
async def test_ignore_eos_bans_the_end_of_generation_token() -> None:
    result = await collect(beam_search(ScriptedLlamaCpp(), _request(ignore_eos=True)))
    (choice,) = result.choices
    assert choice.text == "aaa" and choice.finish_reason is FinishReason.LENGTH


@pytest.mark.anyio
async def test_stop_token_ids_end_a_beam_keeping_the_token() -> None:
    request = _request(ignore_eos=True, stop_token_ids=(B,), n=2)
    result = await collect(beam_search(ScriptedLlamaCpp(), request))
    assert [c.text for c in result.choices] == ["aa", "ab"]
    assert [c.finish_reason for c in result.choices] == [FinishReason.LENGTH, FinishReason.STOP]


@pytest.mark.anyio
async def test_logprobs_carry_the_alternatives_asked_for() -> None:
    request = _request(ignore_eos=True, logprobs=True, top_logprobs=1)
    (choice,) = (await collect(beam_search(ScriptedLlamaCpp(), request))).choices
    assert [lp.token for lp in choice.logprobs] == ["a", "a", "a"]
    assert all(len(lp.top) == 1 for lp in choice.logprobs)
