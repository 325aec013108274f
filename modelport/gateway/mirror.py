"""Mirror traffic: a copy of a live request sent to a shadow deployment, its answer discarded.

The copy runs in the background after the live request is routed, through the same pipeline
(its own request id, rate limits, content safety, metering: a mirrored request is served and
counted like any other, on the shadow deployment), never streamed, and its outcome only logged.
Copies in flight are bounded; beyond the bound a copy is dropped (shadow testing must never slow
the live path).
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request

from modelport.dialects.base import WireRequest
from modelport.dialects.registry import DIALECTS
from modelport.domain.deployments import KeySlot
from modelport.errors import ModelportError
from modelport.inference.collect import collect
from modelport.inference.context import RequestContext
from modelport.inference.live import LiveDeployment
from modelport.inference.pipeline import Pipeline
from modelport.inference.types import RequestKind

log = logging.getLogger("modelport.gateway")

# Route path -> (dialect, or None for the offer's own; kind) of the requests that are mirrored.
_MIRRORED = {
    "/chat/completions": ("azure", RequestKind.CHAT),
    "/completions": ("openai", RequestKind.COMPLETION),
    "/v1/chat/completions": (None, RequestKind.CHAT),
    "/v1/completions": (None, RequestKind.COMPLETION),
}


class Mirror:
    def __init__(self, pipeline: Pipeline, limit: int = 64) -> None:
        self.pipeline = pipeline
        self.limit = limit
        self._tasks: set[asyncio.Task[None]] = set()
        self.dropped = 0

    def copy(
        self, request: Request, path: str, body: bytes, target: LiveDeployment, slot: KeySlot | None
    ) -> None:
        route = _MIRRORED.get(path)
        if route is None:
            return
        if len(self._tasks) >= self.limit:
            self.dropped += 1
            return
        name, kind = route
        dialect = DIALECTS[name or target.offer.dialect.value]
        if kind not in dialect.kinds:
            return
        wire = WireRequest(body, request.query_params, request.headers)
        task = asyncio.get_running_loop().create_task(
            self._run(dialect.name, kind, wire, target, slot)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(
        self,
        dialect_name: str,
        kind: RequestKind,
        wire: WireRequest,
        target: LiveDeployment,
        slot: KeySlot | None,
    ) -> None:
        dialect = DIALECTS[dialect_name]
        ctx = RequestContext(live=target, key_slot=slot, dialect=dialect.name)
        try:
            call = dialect.parse(kind, wire, target.offer.model_name)
            stream = await self.pipeline.open(ctx, call.request)
            try:
                await collect(aiter(stream))
            finally:
                await stream.aclose()
        except ModelportError as exc:
            log.info("mirrored request %s to %s: %s", ctx.request_id, target.name, exc.code)

    async def close(self) -> None:
        """Wait for the copies in flight (at shutdown, before the ledger closes)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
