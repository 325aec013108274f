"""Training files are checked line by line: every bad line is reported with its number."""

from __future__ import annotations

import json

import pytest

from modelport.errors import InvalidTrainingFile
from modelport.finetune.dataset import examples_as_json, parse_training_file


def line(*messages: dict[str, object], **extra: object) -> str:
    return json.dumps({"messages": list(messages), **extra})


USER = {"role": "user", "content": "hi"}
ASSISTANT = {"role": "assistant", "content": "hello"}
SYSTEM = {"role": "system", "content": "be brief"}


def errors_of(text: str | bytes) -> list[tuple[int, str]]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(InvalidTrainingFile) as refused:
        parse_training_file(data, filename="train.jsonl")
    assert refused.value.status == 400 and refused.value.param == "file"
    assert refused.value.message.startswith("train.jsonl is not a valid fine-tuning file")
    return [(e["line"], e["message"]) for e in refused.value.details["errors"]]


def test_a_valid_file_gives_its_examples_with_their_lines() -> None:
    text = "\n".join(
        [
            line(SYSTEM, USER, ASSISTANT),
            "",  # blank lines are skipped
            line(USER, {"role": "assistant", "content": "first", "weight": 0}, USER, ASSISTANT),
        ]
    )
    examples = parse_training_file(text.encode())
    assert [e.line for e in examples] == [1, 3]
    assert [m.weight for m in examples[1].messages] == [1, 0, 1, 1]
    assert examples_as_json(examples)[0]["messages"][0] == {
        "role": "system",
        "content": "be brief",
        "weight": 1,
    }


def test_every_bad_line_is_reported_with_its_number_and_why() -> None:
    text = "\n".join(
        [
            line(USER, ASSISTANT),
            "{not json",
            line({"role": "bot", "content": "x"}, ASSISTANT),
            line(USER, USER),
            line(USER, ASSISTANT, SYSTEM, ASSISTANT),
            json.dumps([1, 2]),
            line(USER, {"role": "assistant", "content": 3}),
            line(USER, ASSISTANT, extra=True),
            line(USER, {"role": "assistant", "content": "x", "weight": 2}),
            line(USER, {"role": "assistant", "content": "x"}, USER),
            line(),
        ]
    )
    found = errors_of(text)
    assert [n for n, _ in found] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    reasons = dict(found)
    assert "not valid JSON" in reasons[2]
    assert "messages[0].role is 'bot'" in reasons[3]
    assert "no assistant message" in reasons[4]
    assert "system message may only come first" in reasons[5]
    assert "JSON object" in reasons[6]
    assert "content must be a string" in reasons[7]
    assert "unknown key(s) extra" in reasons[8]
    assert "weight must be 0 or 1" in reasons[9]
    assert "last message must be the assistant's" in reasons[10]
    assert "non-empty list" in reasons[11]


def test_an_empty_file_and_a_binary_file_are_refused() -> None:
    assert errors_of("") == [(1, "the file holds no training example")]
    assert errors_of("\n\n  \n") == [(1, "the file holds no training example")]
    assert errors_of(line(USER, ASSISTANT).encode() + b"\n\xff\xfe") == [
        (2, "the file is not UTF-8 text")
    ]


def test_the_message_lists_at_most_twenty_lines() -> None:
    found = errors_of("\n".join("nope" for _ in range(50)))
    assert len(found) == 20
    with pytest.raises(InvalidTrainingFile) as refused:
        parse_training_file(b"\n".join(b"nope" for _ in range(50)))
    assert "(and 30 more)" in refused.value.message
