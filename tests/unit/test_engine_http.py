"""The lean engine HTTP client against a real loopback server (asyncio.start_server): chunked and
sized bodies, keep-alive reuse, a stale pooled connection, a server that dies mid-body, a server
that stops answering."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from modelport.engines.http import EngineHTTPError, EnginePool

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    return await reader.readexactly(length)


def serve(handler: Handler) -> Callable[[], Awaitable[tuple[asyncio.Server, str, list[int]]]]:
    async def start() -> tuple[asyncio.Server, str, list[int]]:
        connections: list[int] = []

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connections.append(1)
            try:
                await handler(reader, writer)
            finally:
                writer.close()

        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        return server, f"http://127.0.0.1:{port}", connections

    return start


async def chunked_events(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        try:
            body = await read_request(reader)
        except asyncio.IncompleteReadError:
            return
        writer.write(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: text/event-stream\r\n\r\n"
        )
        for part in (b'data: {"a": 1}\n\n', b"data: " + body + b"\n\n", b"data: [DONE]\n\n"):
            writer.write(b"%x\r\n%s\r\n" % (len(part), part))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()


def test_chunked_body_and_keep_alive() -> None:
    async def main() -> None:
        server, base, connections = await serve(chunked_events)()
        pool = EnginePool(base, max_connections=2)
        try:
            for i in range(3):
                response = await pool.request("POST", "/v1/x", b'{"n": %d}' % i, {"X": "y"})
                assert response.status == 200
                body = await response.read()
                await response.aclose()
                assert body == b'data: {"a": 1}\n\ndata: {"n": %d}\n\ndata: [DONE]\n\n' % i
            assert len(connections) == 1  # one kept-alive connection served all three
        finally:
            pool.close_idle()
            server.close()
            await asyncio.sleep(0.01)

    asyncio.run(main())


def test_sized_error_body() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\n{"e": "x"}\n')
        await writer.drain()

    async def main() -> None:
        server, base, _ = await serve(handler)()
        pool = EnginePool(base)
        try:
            response = await pool.request("POST", "/x", b"{}", {})
            assert (response.status, await response.read()) == (400, b'{"e": "x"}\n')
            await response.aclose()
        finally:
            pool.close_idle()
            server.close()
            await asyncio.sleep(0.01)

    asyncio.run(main())


def test_a_stale_pooled_connection_is_retried_on_a_fresh_one() -> None:
    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        body = await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()  # then the connection closes (the server's keep-alive limit)

    async def main() -> None:
        server, base, connections = await serve(once)()
        pool = EnginePool(base)
        try:
            for i in range(3):
                response = await pool.request("POST", "/x", b"%d" % i, {})
                assert await response.read() == b"%d" % i
                await response.aclose()
                await asyncio.sleep(0.05)  # the server has closed it by now
            assert len(connections) == 3
        finally:
            pool.close_idle()
            server.close()
            await asyncio.sleep(0.01)

    asyncio.run(main())


def test_a_server_that_dies_mid_body_is_an_answered_failure() -> None:
    async def dies(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        await writer.drain()

    async def main() -> None:
        server, base, _ = await serve(dies)()
        pool = EnginePool(base)
        try:
            response = await pool.request("POST", "/x", b"{}", {})
            parts = []
            with pytest.raises(EngineHTTPError) as failed:
                async for part in response.iter_raw():
                    parts.append(part)
            await response.aclose()
            assert parts == [b"hello"] and failed.value.answered and not failed.value.timeout
        finally:
            pool.close_idle()
            server.close()
            await asyncio.sleep(0.01)

    asyncio.run(main())


def test_a_silent_server_times_out_and_a_closed_port_is_unanswered() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)

    async def main() -> None:
        server, base, _ = await serve(silent)()
        pool = EnginePool(base, read_timeout=0.2)
        try:
            with pytest.raises(EngineHTTPError) as failed:
                await pool.request("POST", "/x", b"{}", {})
            assert failed.value.timeout and not failed.value.answered
        finally:
            pool.close_idle()
            server.close()
            await asyncio.sleep(0.01)
        closed = EnginePool(base, connect_timeout=1)
        with pytest.raises(EngineHTTPError) as refused:
            await closed.request("POST", "/x", b"{}", {})
        assert not refused.value.answered and not refused.value.timeout

    asyncio.run(main())


def test_a_body_left_mid_way_is_read_to_its_end_by_a_later_read() -> None:
    """The caller stops iterating at its own end marker; the chunks after it (here the end of the
    body, received in the same packet) are still there for read(), and the connection is kept."""

    async def one_packet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                await read_request(reader)
            except asyncio.IncompleteReadError:
                return
            parts = [b"data: 1\n\n", b"data: [DONE]\n\n"]
            body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
            await writer.drain()

    async def main() -> None:
        server, base, connections = await serve(one_packet)()
        pool = EnginePool(base, read_timeout=2)
        try:
            for _ in range(3):
                response = await pool.request("POST", "/x", b"{}", {})
                async for part in response.iter_raw():
                    if part == b"data: [DONE]\n\n":
                        break
                assert await response.read() == b""
                await response.aclose()
            assert len(connections) == 1
        finally:
            pool.close_idle()
            server.close()
            await asyncio.sleep(0.01)

    asyncio.run(main())


def test_a_server_silent_mid_body_times_out_but_a_slow_reader_does_not() -> None:
    """The read deadline counts time spent waiting for the engine, not time the caller spends
    between reads: a caller that pauses longer than the deadline still reads the rest."""

    async def stalls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        body = await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        part = b"data: 1\n\n"
        writer.write(b"%x\r\n%s\r\n" % (len(part), part))
        await writer.drain()
        if body == b"stall":
            await asyncio.sleep(5)
        writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(part), part))
        await writer.drain()

    async def main() -> None:
        server, base, _ = await serve(stalls)()
        pool = EnginePool(base, read_timeout=0.3)
        try:
            response = await pool.request("POST", "/x", b"stall", {})
            parts = response.iter_raw()
            assert await anext(parts) == b"data: 1\n\n"
            started = asyncio.get_running_loop().time()
            with pytest.raises(EngineHTTPError) as failed:
                await anext(parts)
            waited = asyncio.get_running_loop().time() - started
            assert failed.value.timeout and failed.value.answered
            assert 0.25 <= waited < 2.0, waited
            await response.aclose()

            response = await pool.request("POST", "/x", b"go", {})
            await asyncio.sleep(0.6)  # the caller is slow, the engine is not
            assert await response.read() == b"data: 1\n\ndata: 1\n\n"
            await response.aclose()
        finally:
            pool.close_idle()
            server.close()
            await asyncio.sleep(0.01)

    asyncio.run(main())
