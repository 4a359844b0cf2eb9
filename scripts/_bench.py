"""Timing helpers shared by the benchmark scripts (they print figures; no test asserts time)."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any


async def timed(fn: Callable[[], Awaitable[Any]], n: int) -> list[float]:
    """Milliseconds of ``n`` calls, after up to 20 warm-up calls."""
    for _ in range(min(20, n)):
        await fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


class RoundTripCounter:
    """A TCP proxy in front of PostgreSQL that counts round trips in the wire protocol.

    Every client, whatever its driver (asyncpg here, node-postgres in the engine host),
    ends each request with a Sync ('S', extended protocol) or sends a simple Query ('Q');
    the server answers each with ReadyForQuery. Counting those messages from the client
    counts round trips, measured rather than assumed.
    """

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.round_trips = 0
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)

        async def downstream() -> None:
            with contextlib.suppress(ConnectionError):
                while data := await up_reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.close()

        down = asyncio.create_task(downstream())
        try:
            # Untyped startup packets (SSLRequest, StartupMessage) until the startup message.
            while True:
                head = await reader.readexactly(4)
                body = await reader.readexactly(int.from_bytes(head, "big") - 4)
                up_writer.write(head + body)
                await up_writer.drain()
                if body[:4] != (80877103).to_bytes(4, "big"):  # not an SSLRequest
                    break
            while True:
                kind = await reader.readexactly(1)
                head = await reader.readexactly(4)
                body = await reader.readexactly(int.from_bytes(head, "big") - 4)
                if kind in (b"S", b"Q"):
                    self.round_trips += 1
                up_writer.write(kind + head + body)
                await up_writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            up_writer.close()
            await down
