"""The process's asyncpg pool, for the few statements on a hot path.

Every repository works through the generated client. A handful of invariants are single SQL
statements the client cannot express (a conditional upsert, a data-modifying CTE); those
run as raw SQL, and a repository given a pool sends them over asyncpg instead of through the
client's query-engine process. The statement is the same, so the invariant is the same; the
request just skips the client's HTTP hop and engine, which is most of its latency
(``scripts/bench_repositories.py`` shows both). Like :mod:`domainlayer.client`, a process
keeps one pool: :func:`get_pool` creates it on first use, :func:`close_pool` closes it.
"""

from __future__ import annotations

import asyncio
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from .database import resolve_database_url
from .settings import get_settings

__all__ = ["DEFAULT_POOL_SIZE", "close_pool", "connect_pool", "get_pool"]

#: Connections in the process-wide pool (PostgreSQL's default allows 100 in all).
DEFAULT_POOL_SIZE = 10

_PRISMA_OPTIONS: Final = frozenset(
    {
        "connection_limit",
        "pool_timeout",
        "schema",
        "socket_timeout",
        "pgbouncer",
        "statement_cache_size",
        "connect_timeout",
    }
)

_pool: asyncpg.Pool | None = None
_lock: asyncio.Lock | None = None


async def connect_pool(url: str | None = None, *, size: int = DEFAULT_POOL_SIZE) -> asyncpg.Pool:
    """A new asyncpg pool on ``url`` (default: the project's database resolution)."""
    if size < 1:
        raise ValueError("a pool needs at least one connection")
    target = url or resolve_database_url(get_settings())
    target = _without_prisma_options(target)
    pool = await asyncpg.create_pool(target, min_size=1, max_size=size, reset=_keep_session)
    if pool is None:  # pragma: no cover - create_pool returns None only when awaited lazily
        raise RuntimeError("asyncpg returned no pool")
    return pool


def _without_prisma_options(url: str) -> str:
    # Prisma's own URL options (connection_limit, schema, ...) are not libpq's.
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in _PRISMA_OPTIONS]
    return urlunsplit(parts._replace(query=urlencode(query)))


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Skip asyncpg's reset query on release (RESET ALL, UNLISTEN, ...): a round trip per
    statement that buys nothing here, since pooled statements never change session state.
    (An unfinished transaction is still rolled back by asyncpg itself.)"""


async def get_pool() -> asyncpg.Pool:
    """The process-wide pool, created on first use."""
    global _pool, _lock
    if _pool is not None and not _pool.is_closing():
        return _pool
    if _lock is None:
        _lock = asyncio.Lock()
    async with _lock:
        if _pool is None or _pool.is_closing():
            _pool = await connect_pool()
    return _pool


async def close_pool() -> None:
    """Close the process-wide pool, if any."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None and not pool.is_closing():
        await pool.close()
