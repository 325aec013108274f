"""The one small interface every API dialect implements.

A dialect owns its wire: :meth:`Dialect.parse` turns what arrived (:class:`WireRequest`) into a
:class:`Call`: the canonical request plus how to answer it. A call renders a whole answer
(:meth:`Call.body`) or a stream (:meth:`Call.stream`, a :class:`StreamWriter` that turns canonical
events into SSE frames, ends the stream with its usage and terminator, and ends a failed stream
in-band in the dialect's shape). :meth:`Dialect.error_body` / ``error_status`` / ``error_headers``
write the error tree (:mod:`modelport.errors`) in the dialect's shape.

The gateway has one generic handler over this interface (``gateway/handler.py``); nothing here
knows HTTP frameworks, engines or the control plane.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from modelport.errors import ModelportError
from modelport.inference.collect import Completion
from modelport.inference.types import Event, InferenceRequest, RequestKind, Usage
from modelport.policy.safety.report import SafetyReport


@dataclass(frozen=True, slots=True)
class WireRequest:
    """A request as it arrived: the raw body, query parameters and headers."""

    body: bytes
    query: Mapping[str, str]
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ResponseMeta:
    """What every answer of one request carries: its id, creation time and model name."""

    request_id: str
    created: int
    model: str


class StreamWriter(ABC):
    """One streamed answer: canonical events in, SSE frames (bytes) out."""

    @abstractmethod
    def event(self, event: Event) -> list[bytes]:
        """The frames of one event (possibly none: a chunk may be held for the usage)."""

    @abstractmethod
    def end(self, usage: Usage) -> list[bytes]:
        """The last frames of a stream that ended normally: usage, then the terminator."""

    @abstractmethod
    def fail(self, error: ModelportError, usage: Usage | None) -> list[bytes]:
        """The last frames of a stream that failed after the 200: the error in the dialect's
        shape (with the usage billed so far; ``None`` when it could not be recorded), then the
        terminator."""


class Call(ABC):
    """One parsed request and how its dialect answers it."""

    request: InferenceRequest

    @abstractmethod
    def body(
        self, meta: ResponseMeta, completion: Completion, usage: Usage, safety: SafetyReport | None
    ) -> dict[str, Any]:
        """The whole (non-streamed) answer."""

    @abstractmethod
    def stream(self, meta: ResponseMeta, safety: SafetyReport | None) -> StreamWriter:
        """A writer for the streamed answer."""


class Dialect(ABC):
    name: ClassVar[str]
    kinds: ClassVar[frozenset[RequestKind]] = frozenset({RequestKind.CHAT})

    @abstractmethod
    def parse(self, kind: RequestKind, wire: WireRequest, model_name: str) -> Call:
        """Validate and convert a request (``model_name``: what the deployment serves); raise
        an error of the tree for bad input."""

    @abstractmethod
    def error_body(self, error: ModelportError) -> dict[str, Any]:
        """The error's body in this dialect's shape."""

    def error_status(self, error: ModelportError) -> int:
        return error.status

    def error_headers(self, error: ModelportError) -> dict[str, str]:
        return {}
