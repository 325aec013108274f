"""The one data-plane handler: any dialect's inference request through the pipeline, answered
as one JSON body or an SSE stream.

What differs between dialects is behind :class:`~modelport.dialects.base.Dialect`: parsing, the
answer's bodies and chunks, the in-band end of a failed stream, the error shape. The handler
authorises the caller, opens the pipeline (everything that can fail does so before the 200) and
writes the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import orjson
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from modelport.dialects.base import Dialect, ResponseMeta, StreamWriter, WireRequest
from modelport.errors import ModelportError
from modelport.gateway.auth import authorize
from modelport.inference.collect import Completion, collect
from modelport.inference.context import RequestContext, caller_request_id
from modelport.inference.live import LiveDeployment
from modelport.inference.pipeline import PrimedStream
from modelport.inference.types import RequestKind
from modelport.services import Services

log = logging.getLogger("modelport.gateway")

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# Headers that carry the caller's own request id (azure-core sends the first on every request and
# keeps it across its retries).
CALLER_ID_HEADERS = ("x-ms-client-request-id", "x-request-id")


async def authorise(
    request: Request, dialect: Dialect
) -> tuple[Services, LiveDeployment, RequestContext]:
    """Mark the dialect (errors from here on are written in its shape) and authorise the
    caller for the deployment named in the path (once per request: the /v1 routes authorise
    before they know the offer's dialect)."""
    request.state.dialect = dialect.name
    services: Services = request.app.state.services
    found = getattr(request.state, "authorized", None)
    if found is None:
        p = request.path_params
        region = p.get("region", request.app.state.default_region)
        found = request.state.authorized = await authorize(
            services, region, p["name"], request.headers
        )
    live, slot = found
    caller = caller_id(request.headers)
    if caller is None:
        ctx = RequestContext(live=live, key_slot=slot, dialect=dialect.name)
    else:
        request_id = caller_request_id(live.deployment.id, caller)
        ctx = RequestContext(live, slot, dialect.name, request_id=request_id, caller_id=caller)
    # From here on, errors carry the request id and the deployment's rate-limit headers.
    request.state.request_ctx = ctx
    return services, live, ctx


def caller_id(headers: Headers) -> str | None:
    """The caller's own id for this request, if it sent a usable one."""
    for name in CALLER_ID_HEADERS:
        value = headers.get(name)
        if value:
            value = value.strip()
            if 0 < len(value) <= 128 and value.isprintable():
                return value
    return None


async def handle(request: Request, dialect: Dialect, kind: RequestKind) -> Response:
    services, live, ctx = await authorise(request, dialect)
    wire = WireRequest(await request.body(), request.query_params, request.headers)
    call = dialect.parse(kind, wire, live.offer.model_name)
    stream = await services.pipeline.open(ctx, call.request)
    meta = ResponseMeta(ctx.request_id, ctx.created, live.offer.model_name)
    headers = {"x-request-id": ctx.request_id, **stream.limit_headers}
    safety = stream.safety
    if safety is not None:  # "off": a managed deployment that opted out of content safety
        headers["x-content-filter-mode"] = safety.mode.value if safety.enabled else "off"
    if call.request.stream:
        writer = call.stream(meta, safety)
        return StreamingResponse(
            _frames(stream, writer),
            media_type="text/event-stream",
            headers={**SSE_HEADERS, **headers},
        )
    try:
        completion = await _collect_while_connected(request, stream)
    finally:
        await stream.aclose()
    if completion is None:  # the client went away: generation stopped, usage metered
        return Response(status_code=499)
    body = call.body(meta, completion, stream.usage, safety)
    return Response(orjson.dumps(body), media_type="application/json", headers=headers)


async def _frames(stream: PrimedStream, writer: StreamWriter) -> AsyncIterator[bytes]:
    try:
        async for event in stream:
            frames = writer.event(event)
            if frames:
                yield frames[0] if len(frames) == 1 else b"".join(frames)
        # The stream is over: its usage record is durable (the pipeline waited for it).
        yield b"".join(writer.end(stream.usage))
    except ModelportError as error:
        # The 200 is sent: the failure (engine, ledger, timeout) ends the stream in-band, in
        # the dialect's shape, then its terminator; never as a normal end.
        log.warning("request %s failed mid-stream: %s", stream.ctx.request_id, error.code)
        yield b"".join(writer.fail(error, stream.billed))
    finally:
        # Runs when the stream ends or the client goes away (the response task is
        # cancelled): closing the pipeline closes the engine call, which stops generation.
        await stream.aclose()


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
