"""The usage spool: records kept on local disk while the database cannot take them.

A gateway that loses its database keeps serving the deployments it knows (for a bounded time,
``MODELPORT_STORE_OUTAGE_GRACE``); the usage of those requests must not be lost. With the spool
on (``MODELPORT_USAGE_SPOOL``; on by default for ``modelport serve``), a batch the ledger cannot
commit is appended to ``<data dir>/usage-spool.jsonl`` and synced (``fsync``) before its
requests are told their usage is durable. The ledger replays the file once the database answers
again: the ledger is idempotent per request id, so a record replayed twice (a crash between the
commit and the truncation) is billed once.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from datetime import datetime
from pathlib import Path

from modelport.billing.records import UsageRecord


def _to_json(record: UsageRecord) -> str:
    values = dataclasses.asdict(record)
    values["time"] = record.time.isoformat()
    return json.dumps(values, sort_keys=True)


def _from_json(line: str) -> UsageRecord:
    values = json.loads(line)
    values["time"] = datetime.fromisoformat(values["time"])
    return UsageRecord(**values)


def _valid(line: str) -> bool:
    if not line.strip():
        return False
    try:
        _from_json(line)
    except (ValueError, TypeError, KeyError):
        return False
    return True


class UsageSpool:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.count = self._count()

    def _count(self) -> int:
        try:
            with self.path.open("rb") as f:
                return sum(1 for line in f if line.strip())
        except FileNotFoundError:
            return 0

    def append(self, records: list[UsageRecord]) -> None:
        """Write ``records`` and sync them to disk (raises OSError when it cannot)."""
        data = "".join(_to_json(r) + "\n" for r in records).encode()
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            self.count += len(records)

    def pending(self) -> list[UsageRecord]:
        """What the spool holds (a torn last line, from a crash mid-write, is skipped: its
        requests were never told their usage was durable)."""
        with self._lock:
            try:
                text = self.path.read_text()
            except FileNotFoundError:
                return []
        return [_from_json(line) for line in text.splitlines() if _valid(line)]

    def drop(self, replayed: int) -> None:
        """Forget the first ``replayed`` records (they are in the database now)."""
        with self._lock:
            try:
                lines = self.path.read_text().splitlines(keepends=True)
            except FileNotFoundError:
                return
            rest = [line for line in lines if _valid(line)][replayed:]
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text("".join(rest))
            os.replace(tmp, self.path)
            self.count = len(rest)

    def outcome_of(self, request_id: str) -> str | None:
        """The outcome of the last spooled record of ``request_id`` (None if none is here)."""
        if self.count == 0:
            return None
        found = None
        for record in self.pending():
            if record.request_id == request_id:
                found = record.outcome
        return found
