"""Llama requests → canonical requests, with the reference's rules for best_of and beam search."""

from __future__ import annotations

from modelport.dialects.llama.schemas import (
    LlamaChatRequest,
    LlamaCompletionRequest,
    LlamaSampling,
)
from modelport.errors import InvalidRequest
from modelport.inference.types import (
    InferenceRequest,
    Message,
    RequestKind,
    SamplingParams,
)

DEFAULT_MAX_TOKENS = 16  # the reference's (and vLLM's) default


def _sampling(wire: LlamaSampling) -> SamplingParams:
    if wire.stream_options is not None and not wire.stream:  # vLLM's rule
        raise InvalidRequest(
            "stream_options is only allowed when stream is true", param="stream_options"
        )
    if wire.best_of is not None:
        if wire.best_of < wire.n:
            raise InvalidRequest("best_of must be greater than or equal to n", param="best_of")
        if wire.best_of > 1 and wire.stream:
            raise InvalidRequest("best_of > 1 cannot be streamed", param="best_of")
    if wire.use_beam_search:
        if wire.best_of is None or wire.best_of <= 1:
            raise InvalidRequest("use_beam_search needs best_of > 1", param="best_of")
        if wire.temperature != 0:
            raise InvalidRequest("use_beam_search needs temperature 0", param="temperature")
    stop: tuple[str, ...] = ()
    if isinstance(wire.stop, str):
        stop = (wire.stop,)
    elif wire.stop:
        stop = tuple(wire.stop)
    return SamplingParams(
        max_tokens=wire.max_tokens,
        default_max_tokens=DEFAULT_MAX_TOKENS,
        temperature=wire.temperature,
        top_p=wire.top_p,
        stop=stop,
        n=wire.n,
        seed=wire.seed,
        presence_penalty=wire.presence_penalty,
        frequency_penalty=wire.frequency_penalty,
        logprobs=wire.logprobs is not None,
        top_logprobs=wire.logprobs or 0,
        best_of=wire.best_of,
        use_beam_search=wire.use_beam_search,
        ignore_eos=wire.ignore_eos,
        stop_token_ids=tuple(wire.stop_token_ids or ()),
        skip_special_tokens=True if wire.skip_special_tokens is None else wire.skip_special_tokens,
    )


def completion_request(wire: LlamaCompletionRequest) -> InferenceRequest:
    return InferenceRequest(
        kind=RequestKind.COMPLETION,
        prompt=wire.prompt,
        stream=wire.stream,
        sampling=_sampling(wire),
    )


def chat_request(wire: LlamaChatRequest) -> InferenceRequest:
    return InferenceRequest(
        kind=RequestKind.CHAT,
        messages=tuple(Message(role=m.role, content=m.content) for m in wire.messages),
        stream=wire.stream,
        sampling=_sampling(wire),
    )
