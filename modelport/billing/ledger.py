"""The usage ledger: records queued from the event loop, written by one thread with group commit.

Every request hands its record to :meth:`UsageLedger.write` and waits until the transaction that
holds it has committed; the writer takes whatever is queued (up to ``max_batch``) into one
transaction, so one commit serves every request that finished meanwhile. Writes are idempotent
per request id, so a batch retried after an ambiguous failure never bills twice.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from concurrent.futures import Future

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from modelport.billing.records import UsageRecord
from modelport.errors import ServiceUnavailable
from modelport.store.usage import DuplicateRecords, insert_usage

log = logging.getLogger("modelport.billing")

_STOP = object()


class LedgerUnavailable(ServiceUnavailable):
    code = "usage_ledger_unavailable"


class UsageLedger:
    def __init__(
        self, engine: Engine, *, max_batch: int = 1000, attempts: int = 5, backoff: float = 0.05
    ) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.attempts = attempts
        self.backoff = backoff
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="usage-ledger", daemon=True)
        self.commits = 0
        self.records = 0

    def start(self) -> None:
        self._thread.start()

    def submit(self, record: UsageRecord) -> Future[None]:
        """Queue a record (from any thread); the future resolves once it is durable."""
        future: Future[None] = Future()
        self._queue.put((record, future))
        return future

    async def write(self, record: UsageRecord) -> None:
        """Queue a record and wait until the transaction holding it has committed."""
        await asyncio.wrap_future(self.submit(record))

    def close(self, timeout: float = 30.0) -> None:
        """Write everything queued, then stop the writer."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            batch: list[tuple[UsageRecord, Future[None]]] = []
            while True:
                if item is _STOP:
                    stopping = True
                else:
                    batch.append(item)  # type: ignore[arg-type]
                if len(batch) >= self.max_batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._commit(batch)

    def _commit(self, batch: list[tuple[UsageRecord, Future[None]]]) -> None:
        records = [record for record, _ in batch]
        error: Exception | None = None
        skip_known = False
        for attempt in range(self.attempts):
            try:
                with self.engine.begin() as conn:
                    insert_usage(conn, records, skip_known=skip_known)
                error = None
                break
            except DuplicateRecords:
                skip_known = True  # rolled back; at once again, minus the known ones
                continue
            except SQLAlchemyError as exc:
                error = exc
                log.warning(
                    "usage batch of %d not committed (attempt %d): %s",
                    len(records),
                    attempt + 1,
                    type(exc).__name__,
                )
                time.sleep(self.backoff * 2**attempt)
        if error is None:
            self.commits += 1
            self.records += len(records)
        for _, future in batch:
            if future.set_running_or_notify_cancel():
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(
                        LedgerUnavailable("usage could not be recorded; retry", retry_after=1)
                    )
