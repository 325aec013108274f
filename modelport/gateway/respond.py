"""One canonical request through the pipeline, answered as one JSON body or an SSE stream.

Shared by every dialect's routes; what differs per dialect is the :class:`Rendering` (wire bodies
and chunks, and where usage travels in a stream).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from modelport.control.live import LiveDeployment
from modelport.dialects import sse
from modelport.dialects.openai.content_filter import ContentFilterAnnotations
from modelport.dialects.openai.render import ChunkRenderer, LogprobsShape, response_body, usage_dict
from modelport.domain.deployments import KeySlot
from modelport.errors import ModelportError
from modelport.gateway.auth import authorize
from modelport.gateway.errors import error_shape
from modelport.gateway.streaming import sse_response
from modelport.inference.collect import Completion, collect
from modelport.inference.pipeline import PrimedStream, RequestContext
from modelport.inference.types import ChoiceEnd, InferenceRequest
from modelport.services import Services

log = logging.getLogger("modelport.gateway")


async def _collect_while_connected(request: Request, stream: PrimedStream) -> Completion | None:
    """Fold the stream into one result, unless the client disconnects first: then stop the
    generation (a non-streamed answer nobody waits for must not hold an engine slot)."""
    collecting = asyncio.ensure_future(collect(aiter(stream)))
    # The body has been read, so the next ASGI message is the client's disconnect.
    disconnected = asyncio.ensure_future(request.receive())
    try:
        await asyncio.wait({collecting, disconnected}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        disconnected.cancel()
    if collecting.done():
        return collecting.result()
    collecting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await collecting
    return None


async def begin(request: Request, dialect: str) -> tuple[Services, LiveDeployment, KeySlot | None]:
    """Mark the dialect (for error rendering) and authorise the caller for the deployment."""
    request.state.dialect = dialect
    services: Services = request.app.state.services
    found = getattr(request.state, "authorized", None)  # /v1 routes authorise before dispatch
    if found is None:
        p = request.path_params
        region = p.get("region", request.app.state.default_region)
        found = request.state.authorized = await authorize(
            services, region, p["name"], request.headers
        )
    live, slot = found
    # From here on, errors carry the deployment's rate-limit headers (gateway/errors.py).
    request.state.request_ctx = RequestContext(live=live, key_slot=slot, dialect=dialect)
    return services, live, slot


@dataclass(frozen=True)
class Rendering:
    """How a dialect writes its answers (all current dialects use the OpenAI-style bodies)."""

    chat_logprobs: LogprobsShape = "chat"
    separate_usage_chunk: bool = False  # OpenAI include_usage: a final `choices: []` chunk
    content_filter_annotations: bool = False  # prompt/content_filter_results (Azure, OpenAI)


def filter_annotations(
    ctx: RequestContext, rendering: Rendering
) -> ContentFilterAnnotations | None:
    """The content-filter annotations of a request, where the dialect has them."""
    policy = ctx.safety_policy
    if not rendering.content_filter_annotations or policy is None or not policy.enabled:
        return None
    return ContentFilterAnnotations(policy, ctx.prompt_safety, ctx.completion_safety)


async def respond(
    request: Request,
    services: Services,
    live: LiveDeployment,
    slot: KeySlot | None,
    dialect: str,
    canonical: InferenceRequest,
    rendering: Rendering,
) -> Response:
    ctx = getattr(request.state, "request_ctx", None) or RequestContext(
        live=live, key_slot=slot, dialect=dialect
    )
    stream = await services.pipeline.open(ctx, canonical)
    annotate = filter_annotations(ctx, rendering)
    model = live.offer.model_name
    want_logprobs = canonical.sampling.logprobs
    if not canonical.stream:
        try:
            completion = await _collect_while_connected(request, stream)
        finally:
            await stream.aclose()
        if completion is None:  # the client went away: generation stopped, usage metered
            return Response(status_code=499)
        body = response_body(
            canonical.kind,
            completion,
            response_id=ctx.request_id,
            created=ctx.created,
            model=model,
            want_logprobs=want_logprobs,
            chat_logprobs=rendering.chat_logprobs,
        )
        if annotate is not None:
            annotate.body(body)
        return JSONResponse(body, headers={"x-request-id": ctx.request_id, **ctx.limit_headers})

    renderer = ChunkRenderer(
        canonical.kind,
        response_id=ctx.request_id,
        created=ctx.created,
        model=model,
        want_logprobs=want_logprobs,
        chat_logprobs=rendering.chat_logprobs,
    )
    separate = rendering.separate_usage_chunk

    async def chunks(s: PrimedStream) -> AsyncIterator[bytes]:
        try:
            async for frame in _frames(s):
                yield frame
        except ModelportError as error:
            # The 200 is sent: the failure (engine, ledger) ends the stream in-band, in the
            # dialect's error shape, then its terminator; never as a normal end.
            log.warning("request %s failed mid-stream: %s", s.ctx.request_id, error.code)
            yield sse.frame(error_shape(dialect).body(error))
            yield sse.DONE

    async def _frames(s: PrimedStream) -> AsyncIterator[bytes]:
        # Usage always travels in the last chunk: as OpenAI's separate `choices: []` chunk when
        # asked for (include_usage), otherwise on the final finish_reason chunk (code that
        # indexes choices[0] on every chunk keeps working).
        held: dict[str, object] | None = None
        first = True
        async for event in s:
            for chunk in renderer.render(event):
                if annotate is not None:
                    annotate.chunk(chunk, first=first)
                first = False
                if held is not None:
                    yield sse.frame(held)
                    held = None
                if isinstance(event, ChoiceEnd) and not separate:
                    held = chunk
                else:
                    yield sse.frame(chunk)
        if held is not None:
            held["usage"] = usage_dict(s.ctx.usage)
            yield sse.frame(held)
        if separate:
            yield sse.frame(renderer.usage_chunk(s.ctx.usage))
        yield sse.DONE

    return sse_response(stream, chunks)
