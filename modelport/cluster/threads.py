"""Database calls of the cluster's background loops, off the event loop.

A loop cancelled at shutdown while its call runs in a worker thread must not return before the
thread did: the connection it holds would go back to a pool that was disposed meanwhile, and be
left open. :func:`in_thread` waits for the thread when it is cancelled, then lets the
cancellation through.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Connection

if TYPE_CHECKING:
    from modelport.store.repositories import Store

T = TypeVar("T")


async def in_thread(fn: Callable[[], T]) -> T:
    future = asyncio.ensure_future(asyncio.to_thread(fn))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await future
        raise


async def in_thread_run(store: Store, fn: Callable[[Connection], T]) -> T:
    """``store.run(fn)`` in a worker thread (see :func:`in_thread`)."""
    return await in_thread(lambda: store.run(fn))


async def in_thread_read(store: Store, fn: Callable[[Connection], T]) -> T:
    """``store.read(fn)`` (a read-only transaction) in a worker thread."""
    return await in_thread(lambda: store.read(fn))


async def in_thread_snapshot(store: Store, fn: Callable[[Connection], T]) -> T:
    """``store.snapshot(fn)`` (reads that all see one state of the database) in a worker
    thread."""
    return await in_thread(lambda: store.snapshot(fn))
