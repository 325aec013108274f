"""Training files: JSONL in the chat format, checked line by line before any job can use them.

One example per line::

    {"messages": [{"role": "system", "content": "..."},
                  {"role": "user", "content": "..."},
                  {"role": "assistant", "content": "...", "weight": 1}]}

Roles are ``system`` (first only), ``user`` and ``assistant``; every example has at least one
assistant message, whose tokens are the ones trained on (``weight: 0`` leaves one out). Blank
lines are skipped. Every problem is reported with its line number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from modelport.errors import InvalidTrainingFile

ROLES = ("system", "user", "assistant")
MESSAGE_KEYS = frozenset({"role", "content", "weight", "name"})
MAX_REPORTED = 20


@dataclass(frozen=True, slots=True)
class Message:
    role: str
    content: str
    weight: int = 1  # assistant messages only: 0 = context, not trained on


@dataclass(frozen=True, slots=True)
class Example:
    line: int
    messages: tuple[Message, ...]


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


def _message(index: int, raw: Any) -> tuple[Message | None, str | None]:
    where = f"messages[{index}]"
    if not isinstance(raw, dict):
        return None, f"{where} must be an object with 'role' and 'content'"
    unknown = sorted(set(raw) - MESSAGE_KEYS)
    if unknown:
        return None, f"{where} has unknown key(s) {', '.join(unknown)}"
    role = raw.get("role")
    if role not in ROLES:
        return None, f"{where}.role is {role!r}; it must be one of {', '.join(ROLES)}"
    content = raw.get("content")
    if not isinstance(content, str):
        return None, f"{where}.content must be a string"
    weight = raw.get("weight", 1)
    if weight not in (0, 1) or isinstance(weight, bool):
        return None, f"{where}.weight must be 0 or 1"
    if role != "assistant" and "weight" in raw:
        return None, f"{where}.weight is allowed on assistant messages only"
    return Message(role, content, int(weight)), None


def _example(line: int, raw: Any) -> tuple[Example | None, str | None]:
    if not isinstance(raw, dict):
        return None, "each line must be a JSON object with a 'messages' list"
    unknown = sorted(set(raw) - {"messages"})
    if unknown:
        return None, f"unknown key(s) {', '.join(unknown)} (only 'messages' is read)"
    raw_messages = raw.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        return None, "'messages' must be a non-empty list"
    messages = []
    for index, item in enumerate(raw_messages):
        message, problem = _message(index, item)
        if problem is not None or message is None:
            return None, problem
        if message.role == "system" and index != 0:
            return None, f"messages[{index}]: a system message may only come first"
        messages.append(message)
    if not any(m.role == "assistant" and m.weight for m in messages):
        return None, "the example has no assistant message to train on"
    if messages[-1].role != "assistant":
        return None, "the last message must be the assistant's"
    return Example(line, tuple(messages)), None


def parse_training_file(data: bytes, *, filename: str = "the file") -> list[Example]:
    """Every example of a JSONL chat file, or ``InvalidTrainingFile`` listing each bad line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _invalid(filename, [LineError(line, "the file is not UTF-8 text")]) from exc
    examples: list[Example] = []
    errors: list[LineError] = []
    for number, text_line in enumerate(text.splitlines(), start=1):
        if not text_line.strip():
            continue
        try:
            raw = orjson.loads(text_line)
        except orjson.JSONDecodeError as exc:
            errors.append(LineError(number, f"not valid JSON ({exc})"))
            continue
        example, problem = _example(number, raw)
        if problem is not None or example is None:
            errors.append(LineError(number, problem or "invalid example"))
        else:
            examples.append(example)
    if errors:
        raise _invalid(filename, errors)
    if not examples:
        raise _invalid(filename, [LineError(1, "the file holds no training example")])
    return examples


def _invalid(filename: str, errors: list[LineError]) -> InvalidTrainingFile:
    shown = errors[:MAX_REPORTED]
    more = f" (and {len(errors) - len(shown)} more)" if len(errors) > len(shown) else ""
    lines = "; ".join(f"line {e.line}: {e.message}" for e in shown)
    return InvalidTrainingFile(
        f"{filename} is not a valid fine-tuning file (JSONL, one chat example per line): "
        f"{lines}{more}",
        param="file",
        details={"errors": [e.as_json() for e in shown]},
    )


def examples_as_json(examples: list[Example]) -> list[dict[str, Any]]:
    """The examples as the training worker reads them."""
    return [
        {
            "line": e.line,
            "messages": [
                {"role": m.role, "content": m.content, "weight": m.weight} for m in e.messages
            ],
        }
        for e in examples
    ]
