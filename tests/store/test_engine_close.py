"""Closing the store at shutdown leaves no database connection open, on SQLite and PostgreSQL:
not one a worker thread still holds (a request or a loop cancelled while its call ran), not one
taken after the close, not one a change-feed kick was reading with."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import Any

import pytest
from sqlalchemy import event, text

from modelport.cluster.changes import ChangeFeed
from modelport.store.db import close_engine
from modelport.store.repositories import Store

pytestmark = pytest.mark.anyio


def is_open(dbapi_connection: Any) -> bool:
    if isinstance(dbapi_connection, sqlite3.Connection):
        try:
            dbapi_connection.execute("SELECT 1")
        except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
            return False
        return True
    return not dbapi_connection.closed  # psycopg


def dbapi_of(conn: Any) -> Any:
    return conn.connection.dbapi_connection


async def test_a_connection_in_use_at_close_is_closed_when_it_comes_back(store: Store) -> None:
    taken, release = threading.Event(), threading.Event()

    def hold(conn: Any) -> Any:
        taken.set()
        release.wait(10)
        return dbapi_of(conn)

    holder = asyncio.ensure_future(asyncio.to_thread(store.run, hold))
    await asyncio.to_thread(taken.wait, 10)
    # The thread outlives the wait (a cancelled caller's thread runs on): the close goes on.
    await asyncio.to_thread(close_engine, store.engine, 0.2)
    release.set()
    held = await holder
    assert not is_open(held)
    assert store.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_the_close_waits_for_a_connection_in_use(store: Store) -> None:
    taken = threading.Event()
    held: list[Any] = []

    def hold(conn: Any) -> None:
        held.append(dbapi_of(conn))
        taken.set()
        conn.execute(text("SELECT 1"))
        threading.Event().wait(0.3)

    holder = asyncio.ensure_future(asyncio.to_thread(store.run, hold))
    await asyncio.to_thread(taken.wait, 10)
    await asyncio.to_thread(close_engine, store.engine)
    assert not is_open(held[0])  # came back before the close returned, and was closed
    await holder


async def test_a_connection_taken_after_the_close_is_closed_on_return(store: Store) -> None:
    await asyncio.to_thread(close_engine, store.engine)
    late = await asyncio.to_thread(store.run, dbapi_of)
    assert not is_open(late)


async def test_the_change_feed_reads_nothing_once_closed(store: Store) -> None:
    checkouts: list[object] = []
    event.listen(store.engine, "checkout", lambda *args: checkouts.append(args))
    feed = ChangeFeed(store, poll_interval=60, fallback_poll=60)
    await feed.start()
    feed.kick()  # a change committed just before shutdown: its read ends before close returns
    await asyncio.sleep(0)
    await feed.close()
    assert store.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    before = len(checkouts)
    feed.kick()  # after close (a late commit): no read, the store is about to close
    await asyncio.sleep(0.2)
    assert len(checkouts) == before
