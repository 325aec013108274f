"""Canonical ↔ OpenAI-compatible wire conversion, per server wire (llama.cpp, vLLM, OpenAI's
standard fields only)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from modelport.engines.openai_wire import (
    Wire,
    chunk_events,
    refuse_unsupported,
    request_body,
    route_for,
)
from modelport.errors import UnsupportedParameter
from modelport.inference.types import (
    ChoiceEnd,
    FinishReason,
    InferenceRequest,
    Message,
    RequestKind,
    ResponseFormat,
    SamplingParams,
    TextDelta,
    ToolCallDelta,
    ToolSpec,
    Usage,
)


def test_chat_body_carries_sampling_and_always_streams() -> None:
    request = InferenceRequest(
        kind=RequestKind.CHAT,
        messages=(Message("user", "hi"),),
        sampling=SamplingParams(
            max_tokens=5, temperature=0.0, stop=("x",), seed=7, logprobs=True, top_logprobs=2
        ),
        response_format=ResponseFormat("json_object"),
        tools=(ToolSpec("f", "does f", {"type": "object"}),),
    )
    body = request_body(request, Wire.LLAMACPP, seed_offset=3)
    assert route_for(request) == "/v1/chat/completions"
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert body["max_tokens"] == 5 and body["temperature"] == 0.0 and body["stop"] == ["x"]
    assert body["seed"] == 10
    assert body["logprobs"] is True and body["top_logprobs"] == 2
    # JSON mode is llama.cpp's schema-constrained sampling (a grammar), not response_format.
    assert body["json_schema"] == {"type": "object"} and "response_format" not in body
    assert body["tools"][0]["function"]["name"] == "f"


def test_completion_body() -> None:
    request = InferenceRequest(
        kind=RequestKind.COMPLETION,
        prompt="Once",
        sampling=SamplingParams(logprobs=True, top_logprobs=3),
    )
    body = request_body(request, Wire.LLAMACPP)
    assert route_for(request) == "/v1/completions"
    assert body["prompt"] == "Once" and body["logprobs"] == 3 and "messages" not in body


SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def _chat(**fields: object) -> InferenceRequest:
    base = InferenceRequest(
        kind=RequestKind.CHAT, messages=(Message("user", "hi"),), sampling=SamplingParams()
    )
    return replace(base, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("wire", [Wire.VLLM, Wire.OPENAI])
def test_json_mode_is_response_format_for_vllm_and_standard_servers(wire: Wire) -> None:
    body = request_body(_chat(response_format=ResponseFormat("json_object")), wire)
    assert body["response_format"] == {"type": "json_object"} and "json_schema" not in body
    named = ResponseFormat("json_schema", SCHEMA, "place", strict=True)
    body = request_body(_chat(response_format=named), wire)
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "place", "schema": SCHEMA, "strict": True},
    }
    # OpenAI requires a name: a schema given without one (a forced tool call) gets one.
    unnamed = request_body(_chat(response_format=ResponseFormat("json_schema", SCHEMA)), wire)
    assert unnamed["response_format"]["json_schema"] == {"name": "response", "schema": SCHEMA}
    assert "response_format" not in request_body(_chat(), wire)


def test_json_mode_is_llamacpps_grammar_for_llamacpp() -> None:
    named = ResponseFormat("json_schema", SCHEMA, "place", strict=True)
    body = request_body(_chat(response_format=named), Wire.LLAMACPP)
    assert body["json_schema"] == SCHEMA and "response_format" not in body


@pytest.mark.parametrize("wire", [Wire.LLAMACPP, Wire.VLLM])
def test_the_extensions_go_to_llamacpp_and_vllm(wire: Wire) -> None:
    sampling = SamplingParams(top_k=5, ignore_eos=True, stop_token_ids=(7,))
    body = request_body(_chat(sampling=sampling), wire)
    assert body["top_k"] == 5 and body["ignore_eos"] is True
    if wire is Wire.VLLM:  # vLLM's own field
        assert body["stop_token_ids"] == [7] and "logprobs" not in body
    else:  # llama.cpp returns the sampled ids with the logprobs; the client stops on them
        assert body["logprobs"] is True and "stop_token_ids" not in body
    passed = request_body(_chat(extra={"top_k": 3}), wire)
    assert passed["top_k"] == 3


def test_a_raw_completion_asks_vllm_for_json_with_response_format() -> None:
    raw = InferenceRequest(
        kind=RequestKind.COMPLETION,
        prompt="<json>",
        sampling=SamplingParams(),
        response_format=ResponseFormat("json_schema", SCHEMA, "tool_calls"),
    )
    assert request_body(raw, Wire.VLLM)["response_format"]["json_schema"]["name"] == "tool_calls"
    assert request_body(raw, Wire.LLAMACPP)["json_schema"] == SCHEMA


@pytest.mark.parametrize(
    ("request_", "param"),
    [
        (_chat(sampling=SamplingParams(top_k=5)), "top_k"),
        (_chat(sampling=SamplingParams(ignore_eos=True)), "ignore_eos"),
        (_chat(extra={"top_k": 3}), "top_k"),  # extra-parameters: pass-through
        (_chat(extra={"ignore_eos": False}), "ignore_eos"),
        (_chat(sampling=SamplingParams(stop_token_ids=(7,))), "stop_token_ids"),
        (
            InferenceRequest(
                kind=RequestKind.COMPLETION,
                prompt="<json>",
                sampling=SamplingParams(),
                response_format=ResponseFormat("json_object"),
            ),
            "response_format",
        ),
    ],
)
def test_a_standard_server_is_never_sent_an_extension(
    request_: InferenceRequest, param: str
) -> None:
    """Refused with a 400 naming the parameter, not left out silently, not sent to be refused
    by the server in its own words."""
    with pytest.raises(UnsupportedParameter) as caught:
        refuse_unsupported(request_, Wire.OPENAI)
    assert caught.value.param == param and caught.value.status == 400
    assert caught.value.code == "unsupported_parameter"
    assert (
        param in caught.value.message and "not supported by this deployment" in caught.value.message
    )
    assert "llamacpp or vllm" in caught.value.message
    with pytest.raises(UnsupportedParameter):
        request_body(request_, Wire.OPENAI)
    refuse_unsupported(request_, Wire.LLAMACPP)  # llama.cpp takes all of them


BEAM = SamplingParams(max_tokens=4, temperature=0.0, best_of=2, use_beam_search=True)


@pytest.mark.parametrize("wire", list(Wire))
def test_beam_search_is_refused_unless_the_engine_runs_it(wire: Wire) -> None:
    """Only the llama.cpp engine runs beam search (on llama.cpp's native API): on vLLM and on
    attached servers, of any wire, it is refused rather than sampled instead."""
    request_ = _chat(sampling=BEAM)
    with pytest.raises(UnsupportedParameter) as caught:
        refuse_unsupported(request_, wire)
    assert caught.value.param == "use_beam_search" and caught.value.status == 400
    assert "llama.cpp engine only" in caught.value.message
    refuse_unsupported(request_, wire, beam_search=True)
    # A body is one sampled call: the engine decided on beam search before; rendering a beam
    # request's prompt (llama.cpp's template) needs its body, which never carries the flag.
    body = request_body(request_, wire)
    assert not {"use_beam_search", "best_of", "n"} & body.keys()


@pytest.mark.parametrize("param", ["presence_penalty", "frequency_penalty"])
def test_penalties_are_refused_with_beam_search(param: str) -> None:
    """Beam search ranks the model's own log-probabilities: a penalty would be ignored."""
    with pytest.raises(UnsupportedParameter) as caught:
        refuse_unsupported(
            _chat(sampling=replace(BEAM, **{param: 0.5})), Wire.LLAMACPP, beam_search=True
        )
    assert caught.value.param == param and "use_beam_search" in caught.value.message
    zero = _chat(sampling=replace(BEAM, **{param: 0.0}))
    refuse_unsupported(zero, Wire.LLAMACPP, beam_search=True)
    refuse_unsupported(_chat(sampling=SamplingParams(**{param: 0.5})), Wire.OPENAI)


def test_skip_special_tokens_false_is_vllms_alone() -> None:
    kept = _chat(sampling=SamplingParams(skip_special_tokens=False))
    assert request_body(kept, Wire.VLLM)["skip_special_tokens"] is False
    for wire in (Wire.LLAMACPP, Wire.OPENAI):
        assert "skip_special_tokens" not in request_body(_chat(), wire)  # the default: skipped
        with pytest.raises(UnsupportedParameter) as caught:
            request_body(kept, wire)
        assert caught.value.param == "skip_special_tokens"
    assert "skip_special_tokens" not in request_body(_chat(), Wire.VLLM)


def test_a_standard_request_goes_to_a_standard_server_as_is() -> None:
    sampling = SamplingParams(max_tokens=4, temperature=0.5, top_p=0.9, seed=1, stop=("x",))
    body = request_body(_chat(sampling=sampling, extra={"user": "u"}), Wire.OPENAI, model="m")
    assert body == {
        "stream": True,
        "stream_options": {"include_usage": True},
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 4,
        "temperature": 0.5,
        "top_p": 0.9,
        "stop": ["x"],
        "seed": 1,
        "user": "u",
    }


def test_chat_chunks_become_events() -> None:
    chunk = {
        "choices": [
            {
                "index": 0,
                "delta": {"content": "Hel"},
                "finish_reason": None,
                "logprobs": {
                    "content": [
                        {
                            "token": "Hel",
                            "logprob": -0.5,
                            "top_logprobs": [{"token": "Hel", "logprob": -0.5}],
                        }
                    ]
                },
            }
        ]
    }
    (event,) = chunk_events(chunk, 2)
    assert isinstance(event, TextDelta) and event.index == 2 and event.text == "Hel"
    assert event.logprobs[0].logprob == -0.5 and event.logprobs[0].top[0].token == "Hel"
    end = chunk_events({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}, 0)
    assert end == [ChoiceEnd(0, FinishReason.LENGTH)]
    usage = chunk_events({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}}, 0)
    assert usage == [Usage(3, 4)]


def test_tool_call_deltas() -> None:
    chunk = {
        "choices": [
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {"index": 1, "id": "c1", "function": {"name": "f", "arguments": '{"a"'}}
                    ]
                },
            }
        ]
    }
    assert chunk_events(chunk, 0) == [ToolCallDelta(0, 1, "c1", "f", '{"a"')]


def test_completion_chunks_with_legacy_logprobs() -> None:
    chunk = {
        "choices": [
            {
                "index": 0,
                "text": "ab",
                "finish_reason": "stop",
                "logprobs": {
                    "tokens": ["a", "b"],
                    "token_logprobs": [-1.0, -2.0],
                    "top_logprobs": [{"a": -1.0}, {"b": -2.0}],
                },
            }
        ]
    }
    delta, end = chunk_events(chunk, 0)
    assert isinstance(delta, TextDelta) and delta.text == "ab"
    assert [lp.token for lp in delta.logprobs] == ["a", "b"]
    assert end == ChoiceEnd(0, FinishReason.STOP)
