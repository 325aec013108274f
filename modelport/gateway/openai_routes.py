"""OpenAI-compatible routes under a Target URL (``/chat/completions``, ``/v1/...``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from modelport.dialects import sse
from modelport.dialects.openai.convert import chat_request, completion_request
from modelport.dialects.openai.render import ChunkRenderer, response_body, usage_dict
from modelport.dialects.openai.schemas import ChatCompletionRequest, CompletionRequest
from modelport.dialects.parsing import load_json, validate
from modelport.errors import ModelportError
from modelport.gateway.auth import authorize
from modelport.gateway.limit_headers import attach_to_error
from modelport.gateway.streaming import sse_response
from modelport.inference.collect import collect
from modelport.inference.pipeline import PrimedStream, RequestContext
from modelport.inference.types import ChoiceEnd, InferenceRequest
from modelport.services import Services


async def _handle(request: Request, name: str, region: str, parse: str) -> Response:
    request.state.dialect = "openai"
    services: Services = request.app.state.services
    live, slot = authorize(services.registry, services.vault, region, name, request.headers)
    ctx = RequestContext(live=live, key_slot=slot, dialect="openai")
    try:
        data = load_json(await request.body())
        canonical: InferenceRequest
        if parse == "chat":
            canonical = chat_request(validate(ChatCompletionRequest, data))
        else:
            canonical = completion_request(validate(CompletionRequest, data))
        include_usage = bool((data.get("stream_options") or {}).get("include_usage"))
        stream = await services.pipeline.open(ctx, canonical)
    except ModelportError:
        await attach_to_error(request, services.pipeline, ctx)
        raise
    model = live.offer.model_name
    want_logprobs = canonical.sampling.logprobs
    if not canonical.stream:
        try:
            completion = await collect(aiter(stream))
        except ModelportError:
            await attach_to_error(request, services.pipeline, ctx)
            raise
        finally:
            await stream.aclose()
        body = response_body(
            canonical.kind,
            completion,
            response_id=ctx.request_id,
            created=ctx.created,
            model=model,
            want_logprobs=want_logprobs,
        )
        return JSONResponse(body, headers={"x-request-id": ctx.request_id, **ctx.limit_headers})

    renderer = ChunkRenderer(
        canonical.kind,
        response_id=ctx.request_id,
        created=ctx.created,
        model=model,
        want_logprobs=want_logprobs,
    )

    async def chunks(s: PrimedStream) -> AsyncIterator[bytes]:
        # Usage always travels in the last chunk: as OpenAI's separate `choices: []` chunk when
        # the client asked for include_usage, otherwise on the final finish_reason chunk (code
        # that indexes choices[0] on every chunk keeps working).
        held: dict[str, object] | None = None
        async for event in s:
            for chunk in renderer.render(event):
                if held is not None:
                    yield sse.frame(held)
                    held = None
                if isinstance(event, ChoiceEnd) and not include_usage:
                    held = chunk
                else:
                    yield sse.frame(chunk)
        if held is not None:
            held["usage"] = usage_dict(s.ctx.usage)
            yield sse.frame(held)
        if include_usage:
            yield sse.frame(renderer.usage_chunk(s.ctx.usage))
        yield sse.DONE

    return sse_response(stream, chunks)


async def chat_completions(request: Request) -> Response:
    p = request.path_params
    return await _handle(
        request, p["name"], p.get("region", request.app.state.default_region), "chat"
    )


async def completions(request: Request) -> Response:
    p = request.path_params
    return await _handle(
        request, p["name"], p.get("region", request.app.state.default_region), "completion"
    )
