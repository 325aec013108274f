"""The audit layer writes a call's record before the response's last byte is sent: a caller that
has its answer and lists the audit log finds the call (it used to be written after the response,
so a quick caller could read the log first)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from modelport.access.audit import AuditTrail
from modelport.access.types import AuditEvent


class _Log:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    async def record(self, event: AuditEvent) -> None:
        await asyncio.sleep(0.01)  # a database write takes a while
        self.events.append(event)


def _scope(log: _Log) -> Scope:
    app = SimpleNamespace(state=SimpleNamespace(services=SimpleNamespace(audit=log)))
    return {
        "type": "http",
        "method": "POST",
        "path": "/portal/sign-out",
        "client": ("127.0.0.1", 1234),
        "app": app,
    }


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _run(app: Any, log: _Log) -> list[tuple[str, bool, int]]:
    """What the server saw sent: (message type, more_body, audit records written by then)."""
    seen: list[tuple[str, bool, int]] = []

    async def send(message: Message) -> None:
        seen.append((message["type"], bool(message.get("more_body")), len(log.events)))

    asyncio.run(AuditTrail(app)(_scope(log), _receive, send))
    return seen


def test_the_record_is_written_before_the_last_body_message() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 303, "headers": []})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        await send({"type": "http.response.body", "body": b"b"})

    log = _Log()
    seen = _run(app, log)
    assert seen == [
        ("http.response.start", False, 0),
        ("http.response.body", True, 0),
        ("http.response.body", False, 1),  # recorded before the caller has its answer
    ]
    assert len(log.events) == 1 and log.events[0].status == 303


def test_a_call_that_fails_before_answering_is_recorded_once_as_500() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    log = _Log()
    with pytest.raises(RuntimeError):
        _run(app, log)
    assert [e.status for e in log.events] == [500]
