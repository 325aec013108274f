"""What a test server was doing when it stalled: for long runs against a :class:`ThreadServer`
(the fuzz runs), a watcher thread samples the server's event loop and its default thread pool
once a second; when the loop answers late or work waits in the pool's queue, it keeps the
stacks of every thread in the process, to print with a failure."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.support import ThreadServer

LATE_S = 5.0  # the loop answering later than this, or work queued this long, is a stall
KEEP = 3  # stack dumps kept per run


@dataclass
class StallWatch:
    server: ThreadServer
    stalls: list[str] = field(default_factory=list)
    worst_lag_s: float = 0.0
    worst_queue: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def report(self) -> str:
        head = (
            f"event loop answered within {self.worst_lag_s:.1f} s at worst; "
            f"at most {self.worst_queue} calls waited for a pool thread"
        )
        return "\n".join([head, *self.stalls])

    def _pool(self, loop: asyncio.AbstractEventLoop) -> tuple[int, int]:
        executor: Any = getattr(loop, "_default_executor", None)
        if executor is None:
            return 0, 0
        return executor._work_queue.qsize(), len(executor._threads)

    def _dump(self, why: str) -> None:
        if len(self.stalls) >= KEEP:
            return
        names = {t.ident: t.name for t in threading.enumerate()}
        parts = [f"--- stall: {why} ---"]
        for ident, frame in sys._current_frames().items():
            if ident == threading.get_ident():
                continue
            stack = "".join(traceback.format_stack(frame, limit=12))
            parts.append(f"thread {names.get(ident, ident)}:\n{stack}")
        loop = self.server.loop
        if loop is not None:
            with contextlib.suppress(Exception):
                tasks = asyncio.run_coroutine_threadsafe(_task_stacks(), loop).result(10)
                parts.append(tasks)
        self.stalls.append("\n".join(parts))

    def _watch(self) -> None:
        queued_since: float | None = None
        while not self._stop.wait(1.0):
            loop = self.server.loop
            if loop is None:
                continue
            started = time.monotonic()
            probe = asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop)
            try:
                probe.result(LATE_S)
            except TimeoutError:
                self._dump(f"the event loop did not answer within {LATE_S:.0f} s")
                with contextlib.suppress(Exception):
                    probe.result(120)
            lag = time.monotonic() - started
            self.worst_lag_s = max(self.worst_lag_s, lag)
            queued, threads = self._pool(loop)
            self.worst_queue = max(self.worst_queue, queued)
            if queued == 0:
                queued_since = None
            elif queued_since is None:
                queued_since = time.monotonic()
            elif time.monotonic() - queued_since > LATE_S:
                self._dump(f"{queued} calls queued for the pool ({threads} threads) for 5 s")
                queued_since = None


async def _task_stacks() -> str:
    lines = ["asyncio tasks:"]
    for task in asyncio.all_tasks():
        frames = task.get_stack(limit=3)
        where = " <- ".join(f"{f.f_code.co_name}:{f.f_lineno}" for f in frames) or "-"
        lines.append(f"  {task.get_name()}: {where}")
    return "\n".join(lines)


@contextlib.contextmanager
def stall_watch(server: ThreadServer) -> Iterator[StallWatch]:
    watch = StallWatch(server)
    thread = threading.Thread(target=watch._watch, name="stall-watch", daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        watch._stop.set()
        thread.join(timeout=130)
