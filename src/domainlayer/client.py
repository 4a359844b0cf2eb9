"""The connected Prisma client of this process.

Prisma Client Python talks to one engine process per client; opening one per request would
start a Node process each time. So, as the seed documents' singleton pattern does, a process
keeps one connected client and every caller reuses it: :func:`get_client` connects on first
use (concurrent first callers share one connection attempt) and :func:`close_client`
disconnects, which also stops the engine process. If the engine process has died (killed,
out of memory), the next :func:`get_client` reconnects instead of handing out a client
whose every call would fail.

The clients made here are :class:`DomainlayerPrisma`, the generated ``Prisma`` with one
change: its engine is :class:`~domainlayer._engine.ChannelEngine`, the same Node host
reached over a private Unix-socket channel instead of HTTP on a TCP port (faster, closed
to other local users, and self-healing: a host that died is replaced on the next call, so
client objects held by callers keep working). See :mod:`domainlayer._engine`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from prisma import Prisma
from prisma.engine.abstract import AbstractEngine

from ._engine import ChannelEngine
from .database import resolve_database_url
from .settings import Settings, get_settings

__all__ = ["DomainlayerPrisma", "close_client", "connect_client", "get_client"]

log = logging.getLogger(__name__)

_client: Prisma | None = None
_lock: asyncio.Lock | None = None


class DomainlayerPrisma(Prisma):
    """The generated client on domainlayer's engine class (the package is unmodified)."""

    def _create_engine(self, dml_path: Path | None = None) -> AbstractEngine:
        return ChannelEngine(
            dml_path=dml_path or self._packaged_schema_path, log_queries=self._log_queries
        )

    @property
    def _engine_class(self) -> type[AbstractEngine]:
        return ChannelEngine


async def connect_client(url: str | None = None, *, settings: Settings | None = None) -> Prisma:
    """A new connected client for ``url`` (default: the project's database resolution)."""
    started = time.perf_counter()
    target = url or resolve_database_url(settings or get_settings())
    client = DomainlayerPrisma(datasource={"url": target}, auto_register=False)
    await client.connect()
    log.debug("connected a Prisma client in %.3f s", time.perf_counter() - started)
    return client


def _usable(client: Prisma) -> bool:
    if not client.is_connected():
        return False
    engine = client._engine
    if isinstance(engine, ChannelEngine):
        return engine.alive
    # The stock engine keeps its process privately; it has no public liveness check.
    process = getattr(engine, "process", None)
    return process is None or process.poll() is None


async def get_client() -> Prisma:
    """The process-wide connected client, connected on first use and reused after."""
    global _client, _lock
    client = _client
    if client is not None and _usable(client):
        return client
    if _lock is None:
        _lock = asyncio.Lock()
    async with _lock:
        client = _client
        if client is not None and client.is_connected() and not _usable(client):
            engine = client._engine
            if isinstance(engine, ChannelEngine):
                # the same object recovers: callers holding it keep a working client
                await engine.ensure_alive()
                return client
            log.warning("the query engine process died; reconnecting")
            await client.disconnect()
            client = None
        if client is None or not client.is_connected():
            client = _client = await connect_client()
    return client


async def close_client() -> None:
    """Disconnect the process-wide client (and stop its engine), if any."""
    global _client
    client, _client = _client, None
    if client is not None and client.is_connected():
        await client.disconnect()
