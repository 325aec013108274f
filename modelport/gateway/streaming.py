"""Turning a primed event stream into an HTTP response (SSE or one JSON body)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from starlette.responses import StreamingResponse

from modelport.inference.pipeline import PrimedStream

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def sse_response(
    stream: PrimedStream, body: Callable[[PrimedStream], AsyncIterator[bytes]]
) -> StreamingResponse:
    async def guarded() -> AsyncIterator[bytes]:
        try:
            async for chunk in body(stream):
                yield chunk
        finally:
            # Runs when the stream ends or the client goes away (the response task is
            # cancelled): closing the pipeline closes the engine call, which stops generation.
            await stream.aclose()

    headers = {**SSE_HEADERS, "x-request-id": stream.ctx.request_id, **stream.ctx.limit_headers}
    return StreamingResponse(guarded(), media_type="text/event-stream", headers=headers)
