"""Beam search on top of llama.cpp's server, which has none of its own.

Each step asks the engine for the ``width`` most likely next tokens of every live beam
(``POST /completion`` with the prompt as token ids, ``n_predict=1``, ``n_probs=width``,
``temperature=0`` so the probabilities are the model's own softmax). The expansions are ranked by
cumulative log-probability; the best ``width`` stay alive, expansions that end (end-of-generation
token or a stop string) among the best ``width`` are set aside as finished. The search ends when
``width`` beams have finished, nothing is alive, or ``max_tokens`` steps were taken; the ``n``
best sequences by length-normalised log-probability are returned.

As in llama.cpp's own sampling: ``ignore_eos`` bans the end-of-generation tokens (their
expansions are dropped, the next likeliest take their places), a token of ``stop_token_ids``
ends its beam with the token's text kept, ``logprobs`` gives at most ``top_logprobs``
alternatives per token. Penalties are refused before admission
(:func:`modelport.engines.openai_wire.unsupported`).

Deterministic: the calls are made one after another, and ties are broken by token ids.

Cost: up to ``max_tokens x width`` engine calls, each decoding one token. ``cache_prompt`` lets the
engine reuse the beam's prefix from its KV cache, so a step costs about one token of compute per
beam plus the request overhead (a few milliseconds on the embedded model). Usage bills the prompt
once and one completion token per call, i.e. every token of every beam explored.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any, Protocol

from modelport.errors import InvalidRequest
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    InferenceRequest,
    TextDelta,
    TokenLogprob,
    TopLogprob,
    Usage,
)

DEFAULT_MAX_TOKENS = 16


class BeamEngine(Protocol):
    async def tokenize(self, text: str, *, add_special: bool = True) -> list[int]: ...

    async def prompt_text(self, request: InferenceRequest) -> str: ...

    async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]: ...

    async def eog_ids(self) -> set[int]: ...


@dataclass(frozen=True)
class _Beam:
    tokens: tuple[int, ...] = ()
    pieces: tuple[bytes, ...] = ()
    logprobs: tuple[TokenLogprob, ...] = ()
    cumulative: float = 0.0
    finish: FinishReason | None = None
    cut: str | None = field(default=None)  # the text, when a stop string ended the beam

    def text(self) -> str:
        return self.cut if self.cut is not None else b"".join(self.pieces).decode(errors="replace")

    def score(self) -> float:
        return self.cumulative / max(1, len(self.tokens))


@dataclass(frozen=True)
class _Stops:
    strings: tuple[str, ...]
    token_ids: frozenset[int]


def _stop_cut(text: str, stops: tuple[str, ...]) -> str | None:
    hits = [text.find(stop) for stop in stops if stop and stop in text]
    return text[: min(hits)] if hits else None


async def beam_search(engine: BeamEngine, request: InferenceRequest) -> AsyncGenerator[Event, None]:
    s = request.sampling
    width = max(s.best_of or 1, s.n)
    if width < 2:
        raise InvalidRequest("beam search needs best_of > 1", param="best_of")
    max_tokens = s.max_tokens if s.max_tokens is not None else DEFAULT_MAX_TOKENS
    prompt_ids = await engine.tokenize(await engine.prompt_text(request))
    eog = await engine.eog_ids()
    stops = _Stops(s.stop, frozenset(s.stop_token_ids))
    alive = [_Beam()]
    finished: list[_Beam] = []
    calls = 0
    for _ in range(max_tokens):
        expansions: list[_Beam] = []
        for beam in alive:
            result = await engine.post_json(
                "/completion",
                {
                    "prompt": [*prompt_ids, *beam.tokens],
                    "n_predict": 1,
                    # ignore_eos: the banned tokens are asked for too, then dropped
                    "n_probs": width + (len(eog) if s.ignore_eos else 0),
                    "temperature": 0,
                    "cache_prompt": True,
                },
            )
            calls += 1
            probs = result.get("completion_probabilities") or []
            if not probs:
                finished.append(_Beam(**{**beam.__dict__, "finish": FinishReason.STOP}))
                continue
            if result.get("stop_type") == "eos":
                eog.add(int(probs[0]["id"]))
            tops = probs[0].get("top_logprobs") or []
            alternatives = tuple(
                TopLogprob(t["token"], float(t["logprob"])) for t in tops[: s.top_logprobs]
            )
            for top in tops:
                token_id = int(top["id"])
                if s.ignore_eos and token_id in eog:
                    continue
                logprob = float(top["logprob"])
                step = TokenLogprob(top["token"], logprob, alternatives if s.logprobs else ())
                expansions.append(_expand(beam, token_id, top, step, logprob, eog, stops))
        expansions.sort(key=lambda b: (-b.cumulative, b.tokens))
        alive = []
        for rank, candidate in enumerate(expansions):
            if candidate.finish is not None:
                if rank < width:
                    finished.append(candidate)
            elif len(alive) < width:
                alive.append(candidate)
        if len(finished) >= width or not alive:
            break
    ended = [_Beam(**{**b.__dict__, "finish": FinishReason.LENGTH}) for b in alive]
    best = sorted(finished + ended, key=lambda b: (-b.score(), b.tokens))[: s.n]
    for index, beam in enumerate(best):
        yield TextDelta(index, beam.text(), beam.logprobs if s.logprobs else ())
        yield ChoiceEnd(index, beam.finish or FinishReason.STOP)
    yield Usage(len(prompt_ids), calls)


def _expand(
    beam: _Beam,
    token_id: int,
    top: dict[str, Any],
    step: TokenLogprob,
    logprob: float,
    eog: set[int],
    stops: _Stops,
) -> _Beam:
    cumulative = beam.cumulative + logprob
    if token_id in eog:
        return _Beam(beam.tokens, beam.pieces, beam.logprobs, cumulative, FinishReason.STOP)
    piece = bytes(top.get("bytes") or top["token"].encode())
    grown = _Beam(
        (*beam.tokens, token_id), (*beam.pieces, piece), (*beam.logprobs, step), cumulative
    )
    if token_id in stops.token_ids:
        return _Beam(grown.tokens, grown.pieces, grown.logprobs, cumulative, FinishReason.STOP)
    cut = _stop_cut(grown.text(), stops.strings) if stops.strings else None
    if cut is not None:
        return _Beam(grown.tokens, grown.pieces, grown.logprobs, cumulative, FinishReason.STOP, cut)
    return grown
