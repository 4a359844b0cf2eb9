"""The process's asyncpg pool, for the few statements on a hot path.

Every repository works through the generated client. A handful of invariants are single SQL
statements the client cannot express (a conditional upsert, a data-modifying CTE); those
run as raw SQL, and a repository given a pool sends them over asyncpg instead of through the
client's query-engine process. The statement is the same, so the invariant is the same; the
request just skips the client's HTTP hop and engine, which is most of its latency
(``scripts/bench_repositories.py`` shows both). Like :mod:`domainlayer.client`, a process
keeps one pool: :func:`get_pool` creates it on first use, :func:`close_pool` closes it.

Every pooled connection carries server-side limits, so work never outlives its caller:

- ``statement_timeout`` (default :data:`DEFAULT_STATEMENT_TIMEOUT`, 30 s): PostgreSQL
  cancels a statement that runs longer (the caller gets ``OperationTimeoutError``);
- ``idle_in_transaction_session_timeout`` (default 60 s): a session left inside a
  transaction by a caller that went away is ended, releasing its locks;
- ``client_connection_check_interval`` (default 5 s, PostgreSQL 14 and later): a statement
  whose client has disconnected is stopped instead of running to its end.

A server that cannot be reached, refuses the connection, rejects the credentials or lacks
the database gives :class:`~domainlayer.errors.DatabaseUnavailableError`, here as through
the client.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from .database import resolve_database_url
from .errors import DatabaseUnavailableError, InvalidInputError, OperationTimeoutError
from .settings import describe_target, get_settings

__all__ = [
    "DEFAULT_CONNECTION_CHECK_INTERVAL",
    "DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT",
    "DEFAULT_POOL_SIZE",
    "DEFAULT_STATEMENT_TIMEOUT",
    "close_pool",
    "connect_pool",
    "get_pool",
]

#: Connections in the process-wide pool (PostgreSQL's default allows 100 in all).
DEFAULT_POOL_SIZE = 10
#: Longest a pooled statement may run before PostgreSQL cancels it.
DEFAULT_STATEMENT_TIMEOUT: Final = timedelta(seconds=30)
#: Longest a pooled session may sit idle inside a transaction before PostgreSQL ends it.
DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT: Final = timedelta(seconds=60)
#: How often PostgreSQL (14+) checks, during a statement, that its client is still there.
DEFAULT_CONNECTION_CHECK_INTERVAL: Final = timedelta(seconds=5)
#: Seconds to wait for a connection to be established.
CONNECT_TIMEOUT: Final = 10.0

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


def _ms(delta: timedelta) -> str:
    return str(max(0, round(delta.total_seconds() * 1000)))


async def connect_pool(
    url: str | None = None,
    *,
    size: int = DEFAULT_POOL_SIZE,
    statement_timeout: timedelta = DEFAULT_STATEMENT_TIMEOUT,
    idle_in_transaction_timeout: timedelta = DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT,
    connection_check_interval: timedelta = DEFAULT_CONNECTION_CHECK_INTERVAL,
) -> asyncpg.Pool:
    """A new asyncpg pool on ``url`` (default: the project's database resolution).

    The timeouts are set on every connection (``timedelta(0)`` turns one off). Raises
    :class:`InvalidInputError` for a size below 1, and :class:`DatabaseUnavailableError`
    when the server cannot be reached, refuses, rejects the credentials or lacks the database.
    """
    if size < 1:
        raise InvalidInputError("size: a pool needs at least one connection")
    target = url or resolve_database_url(get_settings())
    target = _without_prisma_options(target)
    check_interval = _ms(connection_check_interval)

    async def _init(connection: asyncpg.Connection) -> None:
        if connection.get_server_version().major >= 14:
            await connection.execute(
                f"SET client_connection_check_interval = {int(check_interval)}"
            )

    try:
        pool = await asyncpg.create_pool(
            target,
            min_size=1,
            max_size=size,
            reset=_keep_session,
            init=_init,
            timeout=CONNECT_TIMEOUT,
            server_settings={
                "statement_timeout": _ms(statement_timeout),
                "idle_in_transaction_session_timeout": _ms(idle_in_transaction_timeout),
            },
        )
    except TimeoutError as exc:
        raise OperationTimeoutError(
            f"no connection to {describe_target(target)} within {CONNECT_TIMEOUT:.0f} s"
        ) from exc
    except (OSError, asyncpg.InterfaceError) as exc:
        raise DatabaseUnavailableError(
            f"cannot connect to {describe_target(target)}: {exc}"
        ) from exc
    except asyncpg.PostgresError as exc:
        # Imported here: domainlayer.repository imports the generated client, which a pool
        # user need not pay for.
        from .repository import error_for_sqlstate

        error = error_for_sqlstate(exc.sqlstate)
        if not issubclass(error, DatabaseUnavailableError):
            error = DatabaseUnavailableError
        raise error(f"cannot connect to {describe_target(target)}: {exc}") from exc
    if pool is None:  # pragma: no cover - create_pool returns None only when awaited lazily
        raise DatabaseUnavailableError("asyncpg returned no pool")
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
