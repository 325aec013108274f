"""The change feed: how every gateway and the controller learn that something changed.

Every change other processes must see (keys, deployments created, deleted or restarted, limits,
safety policy, scale, replicas) is one row of the change log, written in the transaction of the
change (:func:`modelport.store.cluster.publish`). Its revision reaches the followers:

- PostgreSQL: ``LISTEN modelport_changes`` on a connection of its own (psycopg 3's async
  notifies); the server sends the revision on commit. The revision is also read every
  ``fallback_poll`` seconds and whenever the listening connection is re-opened, so a follower
  that missed notifications (its connection dropped, it restarted) catches up from the log.
- SQLite: the latest revision is read every ``poll_interval`` seconds (a cheap indexed read).
- In this process: :meth:`ChangeFeed.kick` after a local commit wakes the followers at once.

Followers keep their own cursor and ask :meth:`ChangeFeed.wait_beyond`. The feed also tells
whether the store answers (``store_ok``, ``store_lost_since``): gateways serve from memory for a
bounded time when it does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from modelport.cluster.threads import in_thread_read
from modelport.store import cluster as sql
from modelport.store.repositories import Store

log = logging.getLogger("modelport.cluster")


class ChangeFeed:
    def __init__(
        self, store: Store, *, poll_interval: float = 0.25, fallback_poll: float = 5.0
    ) -> None:
        self.store = store
        self.poll_interval = poll_interval
        self.fallback_poll = fallback_poll
        self.latest = 0
        self.store_ok = True
        self.store_lost_since: float | None = None
        # An outage that ended: (when it began, the revision the store answered again with),
        # until the follower has applied that revision (see outage_since).
        self._recovered: tuple[float, int] | None = None
        self.listening = False  # PostgreSQL: a LISTEN connection is open
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kicks: set[asyncio.Task[None]] = set()  # reads a kick started, awaited by close
        self._closed = False

    @property
    def postgres(self) -> bool:
        return self.store.engine.dialect.name == "postgresql"

    # -- followers ------------------------------------------------------------------------
    def _advance(self, revision: int) -> None:
        if revision > self.latest:
            self.latest = revision
            self._event.set()
            self._event = asyncio.Event()

    async def wait_beyond(self, cursor: int, within: float) -> int:
        """The latest revision once it is past ``cursor`` (or after ``within`` seconds)."""
        if self.latest > cursor:
            return self.latest
        event = self._event
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for loses a cancellation that
        # arrives as the event is set, and a follower cancelled at shutdown would never end.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await event.wait()
        return self.latest

    def kick(self) -> None:
        """A change was committed by this process: read the revision now (thread-safe). Once
        the feed is closed, nothing: the store is about to close."""
        loop = self._loop
        if loop is None or loop.is_closed() or self._closed:
            return
        loop.call_soon_threadsafe(self._poll_soon)

    def _poll_soon(self) -> None:
        if self._closed:
            return
        task = asyncio.ensure_future(self._poll_once())
        self._kicks.add(task)
        task.add_done_callback(self._kicks.discard)

    # -- reading ----------------------------------------------------------------------------
    def _mark(self, ok: bool) -> None:
        """Whether the store answers; call it after :meth:`_advance` with what it answered."""
        if ok and not self.store_ok:
            log.warning("the database answers again")
            if self.store_lost_since is not None:
                self._recovered = (self.store_lost_since, self.latest)
        if not ok and self.store_ok:
            log.error("the database does not answer; serving from memory")
            # Lost again before the last outage was caught up with: stale since that one.
            recovered, self._recovered = self._recovered, None
            self.store_lost_since = recovered[0] if recovered else time.monotonic()
        self.store_ok = ok
        if ok:
            self.store_lost_since = None

    def outage_since(self, synced: int | None) -> float | None:
        """When this process lost the database, as long as what it knows may be stale: while
        the store does not answer, and once it answers again until the follower has applied
        the revision it answered with (``synced``: the follower's revision; None when nothing
        follows the feed here). A gateway that refused calls after the grace period must not
        serve a revoked key in the moment between the store answering and the sync reading
        what changed meanwhile."""
        if self.store_lost_since is not None:
            return self.store_lost_since
        recovered = self._recovered
        if recovered is None:
            return None
        if synced is None or synced >= recovered[1]:
            self._recovered = None
            return None
        return recovered[0]

    async def _poll_once(self) -> None:
        try:
            revision = await in_thread_read(self.store, sql.revision)
        except SQLAlchemyError:
            self._mark(False)
            return
        self._advance(revision)
        self._mark(True)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self._poll_once()
        self._task = asyncio.create_task(self._run(), name="change-feed")

    async def close(self) -> None:
        """Stop following; a read a kick started finishes first (it holds a connection)."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.gather(*self._kicks, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            if self.postgres:
                try:
                    await self._listen()
                except Exception as exc:  # a dropped connection of any kind: poll, retry
                    self.listening = False
                    log.warning("change notifications interrupted (%s)", type(exc).__name__)
                await self._poll_once()
                await asyncio.sleep(self.poll_interval * 4)
            else:
                await self._poll_once()
                await asyncio.sleep(self.poll_interval)

    def _conninfo(self) -> str:
        url = self.store.engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    async def _listen(self) -> None:
        import psycopg

        async with await psycopg.AsyncConnection.connect(
            self._conninfo(), autocommit=True, connect_timeout=5
        ) as conn:
            await conn.execute(f"LISTEN {sql.CHANNEL}")
            self.listening = True
            await self._poll_once()  # what was missed while not listening
            while True:
                got: list[Any] = []
                async for notify in conn.notifies(timeout=self.fallback_poll):
                    got.append(notify)
                    with contextlib.suppress(ValueError):
                        self._advance(int(notify.payload))
                        self._mark(True)
                if not got:  # quiet for a while: check the log and the connection
                    await conn.execute("SELECT 1")
                    await self._poll_once()
