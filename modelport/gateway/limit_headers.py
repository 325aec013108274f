"""Rate-limit headers (``x-ratelimit-remaining-requests`` / ``-tokens``) on data-plane responses.

Admission puts them on the request context; errors raised before admission (a request that does
not validate) get the deployment's current figures, read without reserving anything.
"""

from __future__ import annotations

from starlette.requests import Request

from modelport.inference.pipeline import Pipeline, RequestContext


async def attach_to_error(request: Request, pipeline: Pipeline, ctx: RequestContext) -> None:
    """Make the error response of this request carry the rate-limit headers."""
    headers = ctx.limit_headers
    if not headers and pipeline.accountant is not None:
        headers = await pipeline.accountant.peek_headers(ctx)
    # The request id too: a refused prompt is metered, and the caller can find it in the usage.
    request.state.extra_error_headers = {**headers, "x-request-id": ctx.request_id}
