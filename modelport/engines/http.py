"""A small HTTP/1.1 client for the engine servers the gateway drives, on asyncio streams.

Generation streams one server-sent event per token, so the client's cost per read is paid per
token: this client reads the response as raw bytes from an ``asyncio.StreamReader`` (no cancel
scope, context lookup or event objects per read, as a general-purpose client has) and decodes
``Content-Length`` and ``chunked`` bodies itself. Connections are kept alive in a pool per
server (``host:port``), up to ``max_connections``; a request that fails on a pooled connection
before any byte of the answer (the server had closed it) is sent again on a fresh one, which is
safe because the server never saw it.

Errors are Python's own (``OSError``, ``asyncio.IncompleteReadError``, ``TimeoutError``) wrapped
in :class:`EngineHTTPError`, which says whether the server had started answering.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Mapping
from urllib.parse import urlsplit


class EngineHTTPError(Exception):
    """The exchange with the engine failed; ``answered``: after the status line arrived."""

    def __init__(self, message: str, *, answered: bool, timeout: bool = False) -> None:
        super().__init__(message)
        self.answered = answered
        self.timeout = timeout


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()

    def abort(self) -> None:
        """Drop the connection now (a read waiting on it ends)."""
        with contextlib.suppress(Exception):
            self.writer.transport.abort()


class EngineResponse:
    """A response whose status and headers are read; the body is read on demand."""

    def __init__(
        self,
        pool: EnginePool,
        connection: _Connection,
        status: int,
        headers: dict[str, str],
        read_timeout: float,
    ) -> None:
        self.status = status
        self.headers = headers
        self._pool: EnginePool | None = pool  # None once closed (its slot given back)
        self._connection: _Connection | None = connection
        self._read_timeout = read_timeout
        self._chunked = headers.get("transfer-encoding", "").lower() == "chunked"
        length = headers.get("content-length")
        self._remaining = int(length) if length is not None and not self._chunked else -1
        self._done = self._remaining == 0
        self._reusable = headers.get("connection", "").lower() != "close"
        self._buffer = bytearray()  # received, not yet decoded (chunked bodies)
        # The read deadline: one timer per response, not one per read (a stream reads once per
        # token). A read in progress for ``read_timeout`` seconds aborts the connection.
        self._loop = asyncio.get_running_loop()
        self._read_since: float | None = None  # when the read in progress began
        self._timed_out = False
        self._watch: asyncio.TimerHandle | None = (
            None if self._done else self._loop.call_later(read_timeout, self._check)
        )

    def _check(self) -> None:
        started = self._read_since
        now = self._loop.time()
        if started is not None and now - started >= self._read_timeout:
            self._timed_out = True
            self._watch = None
            if self._connection is not None:
                self._connection.abort()  # the pending read ends at once
            return
        due = (started if started is not None else now) + self._read_timeout
        self._watch = self._loop.call_at(due, self._check)

    def _unwatch(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None

    async def _read(self, call: Awaitable[bytes]) -> bytes:
        self._read_since = self._loop.time()
        try:
            data = await call
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            self._discard()
            if self._timed_out:
                raise self._timeout() from exc
            raise EngineHTTPError(f"the engine connection broke: {exc!r}", answered=True) from exc
        finally:
            self._read_since = None
        if not data and self._timed_out:
            self._discard()
            raise self._timeout()
        return data

    @staticmethod
    def _timeout() -> EngineHTTPError:
        return EngineHTTPError("the engine stopped answering", answered=True, timeout=True)

    async def iter_raw(self) -> AsyncIterator[bytes]:
        """The body's bytes, as they arrive."""
        connection = self._connection
        if connection is None:
            return
        reader = connection.reader
        if self._chunked:
            # Decoded from a buffer filled by whatever the socket has: one read (one await) per
            # burst from the engine, however many chunks it holds. The buffer outlives this
            # iterator: a later read() picks up what an abandoned one had received.
            buffer = self._buffer
            while not self._done:
                while True:
                    end = buffer.find(b"\r\n")
                    if end < 0:
                        break
                    try:
                        size = int(bytes(buffer[:end]).split(b";", 1)[0].strip() or b"0", 16)
                    except ValueError as exc:
                        self._discard()
                        raise EngineHTTPError(
                            "the engine sent a malformed body", answered=True
                        ) from exc
                    if size == 0:
                        if buffer.find(b"\r\n", end + 2) < 0:
                            break  # the (empty) trailer has not arrived yet
                        self._done = True
                        self._unwatch()
                        return
                    if len(buffer) < end + 4 + size:
                        break
                    data = bytes(buffer[end + 2 : end + 2 + size])
                    del buffer[: end + 4 + size]
                    yield data
                more = await self._read(reader.read(65536))
                if not more:
                    self._discard()
                    raise EngineHTTPError("the engine closed the connection", answered=True)
                buffer += more
            return
        while not self._done:
            if self._remaining > 0:
                data = await self._read(reader.read(min(self._remaining, 65536)))
                if not data:
                    self._discard()
                    raise EngineHTTPError("the engine closed the connection", answered=True)
                self._remaining -= len(data)
                self._done = self._remaining == 0
                if self._done:
                    self._unwatch()
                yield data
            else:  # no length: the body ends when the server closes the connection
                data = await self._read(reader.read(65536))
                if not data:
                    self._done = True
                    self._reusable = False
                    self._unwatch()
                    break
                yield data

    async def read(self) -> bytes:
        return b"".join([part async for part in self.iter_raw()])

    def _discard(self) -> None:
        self._unwatch()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def aclose(self) -> None:
        """Give the connection back when the body was read to its end; close it otherwise (a
        closed connection is how a streaming engine learns to stop generating)."""
        self._unwatch()
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        connection, self._connection = self._connection, None
        if connection is not None and self._done and self._reusable:
            pool.release(connection)
        else:
            if connection is not None:
                connection.close()
            pool.release(None)


class EnginePool:
    """Keep-alive connections to one engine server (``http://host:port``)."""

    def __init__(
        self,
        base_url: str,
        *,
        max_connections: int = 32,
        connect_timeout: float = 5.0,
        read_timeout: float = 600.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"not an http:// URL: {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self._host_header = parts.netloc
        self._idle: deque[_Connection] = deque()
        self._slots = asyncio.Semaphore(max_connections)
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout

    def release(self, connection: _Connection | None) -> None:
        """A response is over: its slot is free; its connection (if reusable) goes idle."""
        self._slots.release()
        if connection is None:
            return
        if len(self._idle) < self.max_connections:
            self._idle.append(connection)
        else:
            connection.close()

    async def _connect(self) -> _Connection:
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(self.host, self.port)
        except (OSError, TimeoutError) as exc:
            raise EngineHTTPError(f"cannot connect to the engine: {exc!r}", answered=False) from exc
        return _Connection(reader, writer)

    def _head(self, method: str, path: str, headers: Mapping[str, str], length: int) -> bytes:
        lines = [f"{method} {self.prefix}{path} HTTP/1.1", f"Host: {self._host_header}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines += [f"Content-Length: {length}", "Content-Type: application/json", "", ""]
        return "\r\n".join(lines).encode("latin-1")

    async def request(
        self, method: str, path: str, body: bytes, headers: Mapping[str, str]
    ) -> EngineResponse:
        """Send a request; return once the status line and headers have arrived."""
        message = self._head(method, path, headers, len(body)) + body
        await self._slots.acquire()
        try:
            while True:
                pooled = bool(self._idle)
                connection = self._idle.pop() if pooled else await self._connect()
                try:
                    connection.writer.write(message)
                    async with asyncio.timeout(self.read_timeout):
                        status, response_headers = await _read_head(connection.reader)
                except TimeoutError as exc:
                    connection.close()
                    raise EngineHTTPError(
                        "the engine did not answer in time", answered=False, timeout=True
                    ) from exc
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    connection.close()
                    # A pooled connection the server had closed (llama.cpp ends a keep-alive
                    # connection after a few requests or seconds, not always saying so): it
                    # never saw this request. Try the next one, or a fresh one.
                    if pooled:
                        continue
                    raise EngineHTTPError(
                        f"the engine connection broke: {exc!r}", answered=False
                    ) from exc
                return EngineResponse(self, connection, status, response_headers, self.read_timeout)
            raise AssertionError("unreachable")
        except BaseException:
            self._slots.release()
            raise

    def close_idle(self) -> None:
        """Close the idle connections (responses in flight close theirs when they end)."""
        while self._idle:
            self._idle.pop().close()


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status_line = await reader.readline()
    if not status_line:
        raise asyncio.IncompleteReadError(b"", None)
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ValueError(f"not an HTTP response: {status_line[:80]!r}")
    status = int(parts[1])
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n"):
            break
        if not line:
            raise asyncio.IncompleteReadError(b"", None)
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if status == 100:
        return await _read_head(reader)
    return status, headers
