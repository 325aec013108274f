"""The usage ledger: records queued from the event loop, written by one thread with group commit.

Every request hands its record to :meth:`UsageLedger.write` and waits until the transaction that
holds it has committed; the writer takes whatever is queued (up to ``max_batch``) into one
transaction, so one commit serves every request that finished meanwhile. Writes are idempotent
per request id, so a batch retried after an ambiguous failure never bills twice.

The ledger never reports a record durable unless a commit holding it returned: a batch that
cannot be committed within its attempts resolves every waiting request with
:class:`~modelport.errors.LedgerUnavailable`, is logged, and is counted in the metrics; unless a
usage spool is configured (:mod:`modelport.billing.spool`): then the batch is synced to local
disk instead, its requests succeed, and the writer replays the spool into the database once it
answers again (every ``replay_interval`` seconds it tries).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from concurrent.futures import Future
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from modelport.billing.records import UsageRecord
from modelport.billing.spool import UsageSpool
from modelport.errors import LedgerUnavailable
from modelport.store.usage import insert_usage, previous_outcome

log = logging.getLogger("modelport.billing")

_STOP = object()


class LedgerFailures(Protocol):
    def ledger_failed(self, records: int) -> None: ...


class UsageLedger:
    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int = 1000,
        attempts: int = 5,
        backoff: float = 0.05,
        failures: LedgerFailures | None = None,
        spool: UsageSpool | None = None,
        replay_interval: float = 2.0,
    ) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.failures = failures
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="usage-ledger", daemon=True)
        self._closed = False
        self.commits = 0
        self.records = 0  # records made durable (duplicates included: they were durable already)
        self.failed_batches = 0
        self.failed_records = 0
        self.spool = spool
        self.replay_interval = replay_interval
        self.spooled_total = 0  # records that went through the spool
        self.replayed = 0

    def start(self) -> None:
        self._thread.start()

    def submit(self, record: UsageRecord) -> Future[None]:
        """Queue a record (from any thread); the future resolves once it is durable, or fails
        with ``LedgerUnavailable`` when it cannot be made durable."""
        future: Future[None] = Future()
        if self._closed:
            future.set_exception(LedgerUnavailable("the usage ledger is closed", retry_after=1))
            return future
        self._queue.put((record, future))
        return future

    async def previous_outcome(self, request_id: str) -> str | None:
        """What the ledger holds for ``request_id`` (a caller retrying under its own id)."""

        def read() -> str | None:
            with self.engine.connect() as conn:
                return previous_outcome(conn, request_id)

        try:
            return await asyncio.to_thread(read)
        except SQLAlchemyError as exc:
            if self.spool is None:
                raise LedgerUnavailable(
                    "the usage ledger cannot be read; retry", retry_after=1
                ) from exc
        # The database is away and usage goes to the spool: what this gateway served meanwhile
        # is there (a retry served elsewhere is billed once all the same: the ledger keeps one
        # record per request id when the spool is replayed).
        return await asyncio.to_thread(self.spool.outcome_of, request_id)

    async def write(self, record: UsageRecord) -> None:
        """Queue a record and wait until the transaction holding it has committed."""
        await asyncio.wrap_future(self.submit(record))

    def close(self, timeout: float = 30.0) -> None:
        """Write everything queued, then stop the writer."""
        self._closed = True
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def spooled(self) -> int:
        """Records waiting in the spool for the database."""
        return self.spool.count if self.spool is not None else 0

    def _next(self) -> object:
        """The next queued item; while the spool holds records, replay them when idle."""
        while True:
            if self.spool is None or self.spool.count == 0:
                return self._queue.get()
            try:
                return self._queue.get(timeout=self.replay_interval)
            except queue.Empty:
                self._replay()

    def _replay(self) -> None:
        assert self.spool is not None
        records = self.spool.pending()
        if not records:
            self.spool.drop(self.spool.count)
            return
        for start in range(0, len(records), self.max_batch):
            batch = records[start : start + self.max_batch]
            try:
                with self.engine.begin() as conn:
                    insert_usage(conn, batch)
            except SQLAlchemyError as exc:
                log.info("usage spool not replayed yet (%s)", type(exc).__name__)
                self.spool.drop(start)
                return
            self.replayed += len(batch)
        self.spool.drop(len(records))
        log.warning("replayed %d spooled usage records into the database", len(records))

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item = self._next()
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

    def _write(self, records: list[UsageRecord]) -> Exception | None:
        """Commit the batch, retrying database errors with backoff; the error if it never did."""
        error: Exception | None = None
        for attempt in range(self.attempts):
            try:
                with self.engine.begin() as conn:
                    insert_usage(conn, records)
                return None
            except SQLAlchemyError as exc:
                error = exc
                log.warning(
                    "usage batch of %d not committed (attempt %d of %d): %s",
                    len(records),
                    attempt + 1,
                    self.attempts,
                    type(exc).__name__,
                )
                if attempt + 1 < self.attempts:
                    time.sleep(self.backoff * 2**attempt)
            except Exception as exc:  # a defect, not a transient failure: do not retry
                log.exception("usage batch of %d could not be written", len(records))
                return exc
        return error or LedgerUnavailable("no attempt was made")

    def _commit(self, batch: list[tuple[UsageRecord, Future[None]]]) -> None:
        records = [record for record, _ in batch]
        error = self._write(records)
        if error is not None and self.spool is not None:
            try:
                self.spool.append(records)
            except OSError as exc:
                log.error("usage batch could not be spooled either: %s", exc)
            else:
                log.error(
                    "usage batch of %d records spooled to %s until the database is back (%s)",
                    len(records),
                    self.spool.path,
                    type(error).__name__,
                )
                self.spooled_total += len(records)
                error = None
        if error is None:
            self.commits += 1
            self.records += len(records)
        else:
            self.failed_batches += 1
            self.failed_records += len(records)
            log.error(
                "usage batch of %d records lost its commit after %d attempts (%s): the requests "
                "fail with usage_ledger_unavailable",
                len(records),
                self.attempts,
                type(error).__name__,
            )
            if self.failures is not None:
                self.failures.ledger_failed(len(records))
        for _, future in batch:
            if not future.set_running_or_notify_cancel():
                continue
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(
                    LedgerUnavailable(
                        "the usage of this request could not be recorded; retry", retry_after=1
                    )
                )
