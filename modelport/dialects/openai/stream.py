"""Streams in the OpenAI family's chunk shape (OpenAI, Azure AI Model Inference, AI21, Llama).

:class:`ChunkStream` renders canonical events as chunks, keeps the chunk that ends a choice until
the next one so that usage travels in the last chunk (or in OpenAI's separate ``choices: []``
chunk when ``include_usage`` asked for it), and ends with ``data: [DONE]``. How a stream that
failed after its 200 ends is the dialect's choice (:data:`Failure`), because the clients differ:

- :func:`error_frame`: an ``{"error": ...}`` event (the openai SDK raises ``APIError`` on it);
- :func:`error_finish`: a last chunk whose open choices end with ``finish_reason: "error"`` and
  which carries the usage and the dialect's error object under ``error`` (clients that drop
  chunks without choices, like azure-ai-inference, or that validate every chunk, like ai21,
  deliver it as an ordinary last chunk).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modelport.dialects import sse
from modelport.dialects.base import StreamWriter
from modelport.dialects.openai.content_filter import ContentFilterAnnotations
from modelport.dialects.openai.render import ChunkRenderer, usage_dict
from modelport.errors import ModelportError
from modelport.inference.types import ChoiceEnd, Event, Usage

Failure = Callable[["ChunkStream", ModelportError, Usage | None], list[dict[str, Any]]]
"""The payloads that end a failed stream (before ``[DONE]``)."""


class ChunkStream(StreamWriter):
    def __init__(
        self,
        renderer: ChunkRenderer,
        failure: Failure,
        *,
        separate_usage: bool = False,
        annotations: ContentFilterAnnotations | None = None,
    ) -> None:
        self.renderer = renderer
        self.failure = failure
        self.separate_usage = separate_usage
        self.annotations = annotations
        self._held: dict[str, Any] | None = None
        self._first = True

    def event(self, event: Event) -> list[bytes]:
        chunks = self.renderer.render(event)
        if not chunks:
            return []
        out: list[bytes] = []
        for chunk in chunks:
            if self.annotations is not None:
                self.annotations.chunk(chunk, first=self._first)
            self._first = False
            if self._held is not None:
                out.append(sse.frame(self._held))
                self._held = None
            if isinstance(event, ChoiceEnd) and not self.separate_usage:
                self._held = chunk  # the last chunk carries the usage
            else:
                out.append(sse.frame(chunk))
        return out

    def release_held(self) -> list[bytes]:
        held, self._held = self._held, None
        return [sse.frame(held)] if held is not None else []

    def end(self, usage: Usage) -> list[bytes]:
        out: list[bytes] = []
        if self._held is not None:
            self._held["usage"] = usage_dict(usage)
            out.extend(self.release_held())
        if self.separate_usage:
            out.append(sse.frame(self.renderer.usage_chunk(usage)))
        out.append(sse.DONE)
        return out

    def fail(self, error: ModelportError, usage: Usage | None) -> list[bytes]:
        out = self.release_held()
        out.extend(sse.frame(payload) for payload in self.failure(self, error, usage))
        out.append(sse.DONE)
        return out


def error_frame(inner: Callable[[ModelportError], dict[str, Any]]) -> Failure:
    """End a failed stream with ``{"error": inner(error), "usage": ...}`` (after the separate
    usage chunk, when the client asked for one; no usage when it could not be recorded)."""

    def fail(
        stream: ChunkStream, error: ModelportError, usage: Usage | None
    ) -> list[dict[str, Any]]:
        if usage is None:
            return [{"error": inner(error)}]
        payloads = []
        if stream.separate_usage:
            payloads.append(stream.renderer.usage_chunk(usage))
        payloads.append({"error": inner(error), "usage": usage_dict(usage)})
        return payloads

    return fail


def error_finish(inner: Callable[[ModelportError], dict[str, Any]]) -> Failure:
    """End a failed stream with one last chunk whose choices finish with ``"error"`` (the open
    ones; the last one when the failure came after every choice ended: its usage could not be
    recorded), carrying ``error: inner(error)`` and the usage (none when it was not recorded)."""

    def fail(
        stream: ChunkStream, error: ModelportError, usage: Usage | None
    ) -> list[dict[str, Any]]:
        renderer = stream.renderer
        choices = [renderer.error_choice(i) for i in renderer.open_choices() or [renderer.last]]
        extra: dict[str, Any] = {"error": inner(error)}
        if usage is not None:
            extra["usage"] = usage_dict(usage)
        return [renderer.chunk(choices, **extra)]

    return fail
