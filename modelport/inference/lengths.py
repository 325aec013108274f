"""Fitting a request into its deployment's context, before any engine work.

A request may use ``context`` tokens: its prompt plus everything it generates (per candidate:
``n`` choices and ``best_of`` candidates are separate sequences). One whose prompt plus
``max_tokens`` does not fit is refused with a 400 that shows the sums, in the dialect's shape;
one without ``max_tokens`` gets what fits (at most its dialect's default), so every engine call
carries an explicit bound and the rate-limit reservation is exactly what the engine may generate.
"""

from __future__ import annotations

from dataclasses import replace

from modelport.errors import ContextLengthExceeded
from modelport.inference.types import InferenceRequest


def fit_to_context(request: InferenceRequest, prompt_tokens: int, context: int) -> InferenceRequest:
    s = request.sampling
    room = context - prompt_tokens
    if room <= 0:
        raise ContextLengthExceeded(
            f"the prompt is {prompt_tokens} tokens, and this deployment's context is {context} "
            "tokens (prompt and completion together); shorten the prompt",
            param="messages" if request.messages else "prompt",
        )
    if s.max_tokens is None:
        default = s.default_max_tokens
        fitted = room if default is None else min(default, room)
        return replace(request, sampling=replace(s, max_tokens=fitted))
    if s.max_tokens > room:
        raise ContextLengthExceeded(
            f"the prompt ({prompt_tokens} tokens) plus max_tokens ({s.max_tokens}) is "
            f"{prompt_tokens + s.max_tokens} tokens, more than this deployment's context of "
            f"{context} tokens; ask for at most {room} tokens",
            param="max_tokens",
        )
    return request
