"""Golden tests: the seeds' request, response and stream examples, field for field.

Each fixture in ``tests/golden`` is an example from the documents the dialects implement (the
seeds under shared/, and the Azure AI Model Inference specification's required fields); its
``source`` says where it comes from. Requests must parse through the dialect; for responses and
streams, the dialect renders the example's own content and usage, and every field of the example
must be in ours with the same JSON type and, where the value is not per-request (ids, times),
the same value. Extra fields of ours are allowed (clients need some: ``object``, ``model``).

One canonicalisation: an example chunk that carries both the last content piece and the finish
reason is compared with two of ours, the content chunk and then the finish chunk (``delta: {}``,
the finish reason, the usage): the engine reports the last token and the end as two events, and
a client reads the same text, finish reason and usage from both forms.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from modelport.dialects.base import ResponseMeta, WireRequest
from modelport.dialects.registry import DIALECTS
from modelport.inference.collect import ChoiceResult, Completion
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    RequestKind,
    TextDelta,
    Usage,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
PER_REQUEST = {"id", "created", "model"}  # values that differ per request


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / name).read_text())
    assert data["source"]
    return data


def wire(body: dict[str, Any]) -> WireRequest:
    return WireRequest(orjson.dumps(body), {}, {})


def same_fields(example: Any, ours: Any, path: str = "") -> list[str]:
    """Where ``ours`` lacks a field of ``example``, or has another type or value."""
    if isinstance(example, dict):
        if not isinstance(ours, dict):
            return [f"{path or '.'}: expected an object, got {ours!r}"]
        problems = []
        for key, value in example.items():
            where = f"{path}.{key}"
            if key not in ours:
                problems.append(f"{where}: missing")
            else:
                problems += same_fields(value, ours[key], where)
        return problems
    if isinstance(example, list):
        if not isinstance(ours, list) or len(ours) != len(example):
            return [f"{path}: expected {len(example)} items, got {ours!r}"]
        return [
            p
            for i, (e, o) in enumerate(zip(example, ours, strict=True))
            for p in same_fields(e, o, f"{path}[{i}]")
        ]
    if type(example) is not type(ours) and not (
        isinstance(example, int | float) and isinstance(ours, int | float)
    ):
        return [f"{path}: expected {type(example).__name__}, got {ours!r}"]
    if path.rsplit(".", 1)[-1] not in PER_REQUEST and example != ours:
        return [f"{path}: expected {example!r}, got {ours!r}"]
    return []


def parse_frames(frames: list[bytes]) -> list[Any]:
    text = b"".join(frames).decode()
    assert text.endswith("\n\n") and "\r" not in text
    events = text[:-2].split("\n\n")
    assert all(e.startswith("data: ") for e in events)
    return [e[6:] if e == "data: [DONE]" else json.loads(e[6:]) for e in events]


def events_of_stream(example: list[str]) -> tuple[list[Event], Usage]:
    """The canonical events that should render as the example stream (its content pieces)."""
    chunks = [json.loads(line[6:]) for line in example if line != "data: [DONE]"]
    events: list[Event] = []
    reason = FinishReason.STOP
    for chunk in chunks:
        for choice in chunk["choices"]:
            content = choice["delta"].get("content")
            if content is not None:
                events.append(TextDelta(choice["index"], content))
            if choice["finish_reason"]:
                reason = FinishReason(choice["finish_reason"])
    usage = chunks[-1]["usage"]
    events += [ChoiceEnd(0, reason), Usage(usage["prompt_tokens"], usage["completion_tokens"])]
    return events, Usage(usage["prompt_tokens"], usage["completion_tokens"])


def expected_stream(example: list[str]) -> list[Any]:
    """The example's chunks (and terminator), its merged last chunk split in two."""
    out: list[Any] = []
    for line in example:
        if line == "data: [DONE]":
            out.append("[DONE]")
            continue
        chunk = json.loads(line[6:])
        choice = chunk["choices"][0]
        if choice["finish_reason"] and choice["delta"].get("content"):
            content = {k: v for k, v in chunk.items() if k != "usage"}
            content["choices"] = [{**choice, "finish_reason": None}]
            out.append(content)
            chunk = {**chunk, "choices": [{**choice, "delta": {}}]}
        out.append(chunk)
    return out


def render_stream(
    dialect: str, request: dict[str, Any], events: list[Event], usage: Usage
) -> list[Any]:
    call = DIALECTS[dialect].parse(RequestKind.CHAT, wire(request), request.get("model", ""))
    writer = call.stream(ResponseMeta("cmpl-ours", 1717487336, request.get("model", "")), None)
    frames: list[bytes] = []
    for event in events:
        frames += writer.event(event)
    frames += writer.end(usage)
    return parse_frames(frames)


def render_body(
    dialect: str, kind: RequestKind, request: dict[str, Any], example: dict[str, Any]
) -> dict[str, Any]:
    call = DIALECTS[dialect].parse(kind, wire(request), request.get("model", ""))
    choices = []
    for c in example["choices"]:
        text = c["message"]["content"] if kind is RequestKind.CHAT else c["text"]
        choices.append(ChoiceResult(c["index"], text, FinishReason(c["finish_reason"])))
    u = example["usage"]
    usage = Usage(u["prompt_tokens"], u["completion_tokens"])
    meta = ResponseMeta("cmpl-ours", 1, example.get("model", ""))
    return call.body(meta, Completion(choices, usage), usage, None)


@pytest.mark.parametrize(
    ("fixture", "dialect"),
    [("ai21_on_azure.json", "ai21"), ("ai21.json", "ai21"), ("azure_inference.json", "azure")],
)
def test_request_examples_parse(fixture: str, dialect: str) -> None:
    for request in load(fixture)["requests"]:
        call = DIALECTS[dialect].parse(RequestKind.CHAT, wire(request), request.get("model", ""))
        assert len(call.request.messages) == len(request["messages"])
        assert call.request.sampling.n == request.get("n", 1)


@pytest.mark.parametrize(
    ("fixture", "dialect"),
    [("ai21_on_azure.json", "ai21"), ("ai21.json", "ai21"), ("azure_inference.json", "azure")],
)
def test_stream_examples_field_for_field(fixture: str, dialect: str) -> None:
    data = load(fixture)
    request = {**data["requests"][0], "stream": True}
    events, usage = events_of_stream(data["stream"])
    ours = render_stream(dialect, request, events, usage)
    example = expected_stream(data["stream"])
    assert len(ours) == len(example), ours
    problems = [
        p
        for i, (e, o) in enumerate(zip(example, ours, strict=True))
        for p in same_fields(e, o, f"[{i}]")
    ]
    assert not problems, "\n".join(problems)
    # Each delta is exactly the example's: AI21's first holds the role and never content.
    assert [c["choices"][0]["delta"] for c in ours[:-1]] == [
        c["choices"][0]["delta"] for c in example[:-1]
    ]
    assert ours[-1] == "[DONE]"


def test_ai21_stream_delta_holds_role_or_content_never_both() -> None:
    request = {
        "model": "jamba-1.5-mini",
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": True,
    }
    events: list[Event] = [
        TextDelta(0, "Hello"),
        TextDelta(0, " there"),
        ChoiceEnd(0, FinishReason.STOP),
        Usage(3, 2),
    ]
    ours = render_stream("ai21", request, events, Usage(3, 2))
    deltas = [c["choices"][0]["delta"] for c in ours[:-1]]
    assert deltas[0] == {"role": "assistant"}
    assert all(set(d) <= {"content"} for d in deltas[1:])
    assert "".join(d.get("content", "") for d in deltas) == "Hello there"


@pytest.mark.parametrize(
    ("fixture", "dialect"), [("ai21.json", "ai21"), ("azure_inference.json", "azure")]
)
def test_chat_response_examples_field_for_field(fixture: str, dialect: str) -> None:
    data = load(fixture)
    ours = render_body(dialect, RequestKind.CHAT, data["requests"][0], data["response"])
    problems = same_fields(data["response"], ours)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", [RequestKind.COMPLETION, RequestKind.CHAT])
def test_llama_examples_field_for_field(kind: RequestKind) -> None:
    data = load("llama.json")["completions" if kind is RequestKind.COMPLETION else "chat"]
    call = DIALECTS["llama"].parse(kind, wire(data["request"]), "")
    assert call.request.sampling.max_tokens == data["request"]["max_tokens"]
    ours = render_body("llama", kind, data["request"], data["response"])
    problems = same_fields(data["response"], ours)
    assert not problems, "\n".join(problems)


def test_the_checker_reports_missing_and_different_fields() -> None:
    example = {"a": {"b": 1, "c": None}, "finish_reason": "stop"}
    assert same_fields(example, {"a": {"b": 1, "c": None}, "finish_reason": "stop", "x": 1}) == []
    assert same_fields(example, {"a": {"b": "1"}, "finish_reason": "length"}) == [
        ".a.b: expected int, got '1'",
        ".a.c: missing",
        ".finish_reason: expected 'stop', got 'length'",
    ]
