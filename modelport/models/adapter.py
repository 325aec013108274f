"""Model adapters: per-model quirks applied to canonical requests before they reach an engine.

Dialects never know about models and engines never know about dialects; what a particular
model needs (a default system prompt, a prompt format, tool-call parsing) lives here.
"""

from __future__ import annotations

from dataclasses import replace

from modelport.domain.catalog import Offer
from modelport.inference.types import InferenceRequest, Message, RequestKind


class ModelAdapter:
    def __init__(self, offer: Offer) -> None:
        self.offer = offer

    def prepare(self, request: InferenceRequest) -> InferenceRequest:
        if (
            request.kind is RequestKind.CHAT
            and self.offer.default_system_prompt
            and not any(m.role == "system" for m in request.messages)
        ):
            # Small models answer sensibly only with a plain system message (see the catalog
            # entry); callers who send their own system message are left alone.
            system = Message(role="system", content=self.offer.default_system_prompt)
            request = replace(request, messages=(system, *request.messages))
        return request
