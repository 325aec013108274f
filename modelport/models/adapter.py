"""Model adapters: per-model quirks applied between the canonical request and the engine.

Dialects never know about models and engines never know about dialects; what a particular
model needs (a default system prompt, its prompt format for tools and documents, tool-call
parsing) lives here, and so do the generation strategies built on top of an engine (``best_of``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import replace

from modelport.domain.catalog import Offer
from modelport.engines.base import Engine
from modelport.inference.best_of import best_of
from modelport.inference.types import Event, InferenceRequest, Message, RequestKind
from modelport.models.formats import PromptFormat, get_format
from modelport.models.rendered import RenderedChat, needs_rendering


class ModelAdapter:
    def __init__(self, offer: Offer) -> None:
        self.offer = offer
        self.format: PromptFormat | None = (
            get_format(offer.chat_format) if offer.chat_format else None
        )

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

    def generate(self, engine: Engine, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        """The canonical event stream of ``request`` on ``engine``."""
        request = self.prepare(request)
        s = request.sampling
        if s.best_of is not None and s.best_of > s.n and not s.use_beam_search:
            return best_of(lambda r: self._generate(engine, r), request)
        return self._generate(engine, request)

    def _generate(self, engine: Engine, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        if self.format is None or not needs_rendering(request):
            return engine.generate(request)  # no extra hop per event
        return self._rendered(engine, self.format, request)

    async def _rendered(
        self, engine: Engine, format: PromptFormat, request: InferenceRequest
    ) -> AsyncGenerator[Event, None]:
        plan = RenderedChat.build(format, request)
        async with aclosing(engine.generate(plan.request)) as raw:
            async for event in plan.events(raw):
                yield event
