"""Canonical request → OpenAI-compatible server JSON, and its stream chunks → canonical events.

Shared by every engine that speaks the OpenAI wire format: the llama.cpp worker, vLLM's OpenAI
server, and bring-your-own servers. Engines are driven through their OpenAI-compatible routes,
always streamed (so that a client that goes away cancels the generation).

What a server takes beyond OpenAI's own fields is its :class:`Wire`: llama.cpp and vLLM accept
the sampling extensions (``top_k``, ``ignore_eos``), sent only where the canonical request asks
for them; JSON mode is llama.cpp's own ``json_schema`` field (a grammar) for llama.cpp and the
standard ``response_format`` for the others; ``skip_special_tokens: false`` is vLLM's alone.
Beam search is not a field: the llama.cpp engine runs its own on llama.cpp's native API. A
request that needs what the server (or the engine) does not take is refused
(:func:`refuse_unsupported`), never sent with the field silently left out.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import Any

from modelport.errors import InvalidRequest, UnknownParameter, UnsupportedParameter
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    InferenceRequest,
    Message,
    RequestKind,
    TextDelta,
    TokenLogprob,
    ToolCallDelta,
    TopLogprob,
    Usage,
)


class Wire(StrEnum):
    """The request fields a server takes beyond OpenAI's standard ones."""

    OPENAI = "openai"  # none: JSON mode as response_format, on chat only
    LLAMACPP = "llamacpp"  # the extensions; JSON mode as its own json_schema (a grammar)
    VLLM = "vllm"  # the extensions; JSON mode as response_format, on both routes

    @property
    def extensions(self) -> bool:
        """``top_k``, ``ignore_eos`` and ``stop_token_ids`` (vLLM's own field; llama.cpp's
        sampled token ids, on which the client stops)."""
        return self is not Wire.OPENAI


_FINISH = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "tool_calls": FinishReason.TOOL_CALLS,
    "content_filter": FinishReason.CONTENT_FILTER,
}


# Engine-native parameters a caller may pass through (Azure's ``extra-parameters: pass-through``)
# that set how long a generation runs: bounded by the request's max_tokens (its reservation).
# llama.cpp's n_predict overrides max_tokens; the others are other servers' spellings.
LENGTH_KNOBS = frozenset(
    {"n_predict", "max_new_tokens", "max_length", "max_completion_tokens", "min_tokens"}
)
# ... and those that multiply the work of one request: refused (n and best_of are API fields
# with their own accounting; passed through, they would bypass it).
MULTIPLYING_KNOBS = frozenset(
    {"n", "best_of", "n_cmpl", "n_completions", "use_beam_search", "num_beams", "beam_width"}
)


def bound_extra(request: InferenceRequest) -> InferenceRequest:
    """Pass-through parameters made safe for the reservation: length knobs bounded by
    ``max_tokens`` (a negative value, "unlimited", becomes ``max_tokens``), multiplying knobs
    refused."""
    if not request.extra:
        return request
    limit = request.sampling.max_tokens
    bounded: dict[str, Any] = {}
    for key, value in request.extra.items():
        if key in MULTIPLYING_KNOBS:
            raise UnknownParameter(
                f"{key!r} cannot be passed through to the model: it would generate more than "
                "the request reserves; use the API's own parameters",
                param=key,
            )
        if key in LENGTH_KNOBS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidRequest(f"{key} must be an integer", param=key)
            if limit is None:
                raise UnknownParameter(
                    f"{key!r} cannot be passed through without max_tokens; set max_tokens",
                    param=key,
                )
            value = limit if value < 0 else min(value, limit)
        bounded[key] = value
    return replace(request, extra=bounded)


def json_schema_of(request: InferenceRequest) -> dict[str, Any] | None:
    """The JSON schema that constrains sampling, if the request asks for JSON output."""
    rf = request.response_format
    if rf.type == "json_object":
        return {"type": "object"}
    if rf.type == "json_schema":
        return rf.json_schema or {"type": "object"}
    return None


def unsupported(request: InferenceRequest, wire: Wire, *, beam_search: bool = False) -> str | None:
    """The first parameter of the request that a server of this wire does not take.
    ``beam_search``: the engine runs beam search itself (llama.cpp's, on its native API)."""
    s = request.sampling
    asked = {
        # Modelport's own beam search (engines/llamacpp/beam.py). vLLM's use_beam_search is not
        # the same from one version to the next: a sampling parameter with best_of as the width
        # up to 0.6.2 (vllm#10605), refused by default from vllm#8763, a separate search of
        # width n since vllm#9087 (0.6.3), refused with stream on current completions routes;
        # current servers ignore unknown fields. Hence refused (docs/engines.md).
        "use_beam_search": s.use_beam_search and not beam_search,
        # On top of beam search, which ranks the model's own log-probabilities:
        "presence_penalty": s.use_beam_search and s.presence_penalty not in (None, 0.0),
        "frequency_penalty": s.use_beam_search and s.frequency_penalty not in (None, 0.0),
        # Special tokens are left out of the text by every server; only vLLM takes a switch.
        "skip_special_tokens": not s.skip_special_tokens and wire is not Wire.VLLM,
    }
    if not wire.extensions:
        asked |= {
            "top_k": s.top_k is not None or "top_k" in request.extra,
            "ignore_eos": s.ignore_eos or "ignore_eos" in request.extra,
            "stop_token_ids": bool(s.stop_token_ids),
            "response_format": request.kind is RequestKind.COMPLETION
            and request.response_format.type != "text",
        }
    return next((name for name, on in asked.items() if on), None)


def refuse_unsupported(request: InferenceRequest, wire: Wire, *, beam_search: bool = False) -> None:
    """Refuse (400) a request that needs a parameter the engine's server does not take (or, for
    ``use_beam_search``, that the engine does not run: ``beam_search``)."""
    param = unsupported(request, wire, beam_search=beam_search)
    if param is None:
        return
    raise UnsupportedParameter(_why(param, wire), param=param)


def _why(param: str, wire: Wire) -> str:
    hint = "(an operator can declare the server's wire as llamacpp or vllm)"
    if param == "use_beam_search":
        return (
            "use_beam_search is not supported by this deployment: beam search runs on "
            "Modelport's llama.cpp engine only (a deployment on the llamacpp engine); this "
            "deployment's model server is driven through its OpenAI-compatible routes, which "
            "have no beam search that works alike (use best_of for the best of several samples)"
        )
    if param in ("presence_penalty", "frequency_penalty"):
        return (
            f"{param} cannot be combined with use_beam_search: beam search ranks the model's own "
            "log-probabilities; leave it out or set it to 0"
        )
    if param == "skip_special_tokens":
        if wire is Wire.LLAMACPP:
            why = "llama.cpp always leaves special tokens out of the text, with no switch"
        else:
            why = (
                "it takes OpenAI's standard parameters only, which have no switch for special "
                "tokens (an operator can declare an attached vLLM server's wire as vllm)"
            )
        return (
            f"skip_special_tokens false is not supported by this deployment's model server: {why}"
        )
    if param == "response_format":
        return (
            "JSON output (response_format, or a required tool call) is not supported by this "
            "deployment: the model's prompt is rendered here and sent as a raw completion, and "
            "its model server takes OpenAI's standard parameters only, which constrain JSON on "
            f"chat requests only {hint}"
        )
    return (
        f"{param} is not supported by this deployment: its model server takes OpenAI's "
        f"standard parameters only, and {param} is a llama.cpp and vLLM extension {hint}"
    )


def response_format_of(request: InferenceRequest) -> dict[str, Any] | None:
    """OpenAI's ``response_format`` for a request that asks for JSON output (a schema is named:
    OpenAI requires a name, and some callers give none)."""
    rf = request.response_format
    if rf.type == "json_object":
        return {"type": "json_object"}
    if rf.type == "json_schema":
        spec: dict[str, Any] = {
            "name": rf.name or "response",
            "schema": rf.json_schema or {"type": "object"},
        }
        if rf.strict is not None:
            spec["strict"] = rf.strict
        return {"type": "json_schema", "json_schema": spec}
    return None


def route_for(request: InferenceRequest) -> str:
    return "/v1/chat/completions" if request.kind is RequestKind.CHAT else "/v1/completions"


def _message(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role, "content": message.content or ""}
    if message.tool_calls:
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    if message.tool_call_id:
        out["tool_call_id"] = message.tool_call_id
    if message.name:
        out["name"] = message.name
    return out


def request_body(
    request: InferenceRequest, wire: Wire, *, seed_offset: int = 0, model: str | None = None
) -> dict[str, Any]:
    """The body of one engine call (one choice; ``n`` is fanned out by the caller) to a server
    of ``wire``. ``model`` is the name the engine serves the model under, for servers that
    require it. Beam search is never in a body: the engine decides on it before (a beam-search
    request comes here only to have its prompt rendered)."""
    refuse_unsupported(request, wire, beam_search=True)
    s = request.sampling
    body: dict[str, Any] = {"stream": True, "stream_options": {"include_usage": True}}
    if model is not None:
        body["model"] = model
    if request.kind is RequestKind.CHAT:
        body["messages"] = [_message(m) for m in request.messages]
    else:
        body["prompt"] = request.prompt or ""
    if s.max_tokens is not None:
        body["max_tokens"] = s.max_tokens
    if s.temperature is not None:
        body["temperature"] = s.temperature
    if s.top_p is not None:
        body["top_p"] = s.top_p
    if s.top_k is not None:
        body["top_k"] = s.top_k
    if s.stop:
        body["stop"] = list(s.stop)
    if s.seed is not None:
        body["seed"] = s.seed + seed_offset
    if s.presence_penalty is not None:
        body["presence_penalty"] = s.presence_penalty
    if s.frequency_penalty is not None:
        body["frequency_penalty"] = s.frequency_penalty
    if s.ignore_eos:
        body["ignore_eos"] = True
    if not s.skip_special_tokens and wire is Wire.VLLM:
        body["skip_special_tokens"] = False  # vLLM's own field; the others were refused
    if s.logprobs:
        if request.kind is RequestKind.CHAT:
            body["logprobs"] = True
            body["top_logprobs"] = s.top_logprobs
        else:
            body["logprobs"] = max(s.top_logprobs, 1)
    if s.stop_token_ids and wire is Wire.VLLM:
        body["stop_token_ids"] = list(s.stop_token_ids)  # vLLM stops on them itself
    elif s.stop_token_ids:
        # llama.cpp's sampled token ids arrive with the logprobs; the client stops on them
        # (openai_client.py).
        body.setdefault("logprobs", True if request.kind is RequestKind.CHAT else 1)
    if wire is Wire.LLAMACPP:
        schema = json_schema_of(request)
        if schema is not None:
            # llama.cpp's own field, on both routes: the schema becomes a grammar that constrains
            # sampling, so the output is valid JSON (not merely asked for in the prompt).
            body["json_schema"] = schema
    else:
        response_format = response_format_of(request)
        if response_format is not None:
            body["response_format"] = response_format
    if request.tools and request.kind is RequestKind.CHAT:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    "description": t.description or "",
                    "parameters": t.parameters or {"type": "object", "properties": {}},
                },
            }
            for t in request.tools
        ]
        if request.tool_choice is not None:
            tc = request.tool_choice
            body["tool_choice"] = (
                {"type": "function", "function": {"name": tc.function}}
                if tc.mode == "function"
                else tc.mode
            )
    for key, value in request.extra.items():
        body.setdefault(key, value)
    return body


def _logprobs(raw: Any) -> tuple[TokenLogprob, ...]:
    if not isinstance(raw, dict):
        return ()
    content = raw.get("content")
    if isinstance(content, list):  # chat shape
        return tuple(
            TokenLogprob(
                token=item.get("token", ""),
                logprob=float(item.get("logprob", 0.0)),
                top=tuple(
                    TopLogprob(t.get("token", ""), float(t.get("logprob", 0.0)))
                    for t in item.get("top_logprobs") or ()
                ),
            )
            for item in content
        )
    tokens = raw.get("tokens")  # legacy completions shape
    if isinstance(tokens, list):
        lps = raw.get("token_logprobs") or []
        tops = raw.get("top_logprobs") or []
        out = []
        for i, token in enumerate(tokens):
            top = tops[i] if i < len(tops) and isinstance(tops[i], dict) else {}
            out.append(
                TokenLogprob(
                    token=token,
                    logprob=float(lps[i]) if i < len(lps) and lps[i] is not None else 0.0,
                    top=tuple(TopLogprob(k, float(v)) for k, v in top.items()),
                )
            )
        return tuple(out)
    return ()


def chunk_events(chunk: dict[str, Any], index: int) -> list[Event]:
    """Events of one streamed chunk of the engine, re-indexed to choice ``index``."""
    events: list[Event] = []
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta")
        logprobs = _logprobs(choice.get("logprobs"))
        if delta is None:  # completions shape
            text = choice.get("text") or ""
            if text or logprobs:
                events.append(TextDelta(index, text, logprobs))
        else:
            text = delta.get("content") or ""
            if text or logprobs:
                events.append(TextDelta(index, text, logprobs))
            for call in delta.get("tool_calls") or ():
                fn = call.get("function") or {}
                events.append(
                    ToolCallDelta(
                        index=index,
                        call_index=int(call.get("index", 0)),
                        id=call.get("id"),
                        name=fn.get("name"),
                        arguments=fn.get("arguments") or "",
                    )
                )
        reason = choice.get("finish_reason")
        if reason:
            events.append(ChoiceEnd(index, _FINISH.get(reason, FinishReason.STOP)))
    usage = chunk.get("usage")
    if isinstance(usage, dict):
        events.append(
            Usage(int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)))
        )
    return events


def sampled_token_ids(chunk: dict[str, Any]) -> list[int]:
    """The ids of the tokens sampled in one streamed chunk (present when logprobs were asked)."""
    ids: list[int] = []
    for choice in chunk.get("choices") or ():
        raw = choice.get("logprobs")
        if isinstance(raw, dict):
            ids.extend(int(item["id"]) for item in raw.get("content") or () if "id" in item)
    return ids
