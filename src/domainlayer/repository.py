"""What every repository shares: the client's exceptions mapped to ours, and a unit of work.

One table (:data:`ERROR_MAPPING`) says which domainlayer error each Prisma Client Python
exception becomes, so that callers catch our tree and never the client's; the most specific
class wins. Transport errors (the engine process is gone, the connection was refused) are
infrastructure failures. :func:`unit_of_work` owns a business operation's transaction: it
commits when the block succeeds and rolls back when it raises, translating errors on the
way out.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

import asyncpg
import httpx
from prisma import Prisma
from prisma import errors as prisma_errors

from .errors import (
    ConflictError,
    DatabaseUnavailableError,
    DomainError,
    InfrastructureError,
    InvalidInputError,
    NotFoundError,
)

__all__ = [
    "ERROR_MAPPING",
    "ClientSql",
    "PoolSql",
    "RawSql",
    "domain_error_for",
    "error_for_sqlstate",
    "raw_sql",
    "translating_errors",
    "unit_of_work",
]

log = logging.getLogger(__name__)

#: Client exception -> domainlayer error, most specific first.
ERROR_MAPPING: Final[tuple[tuple[type[BaseException], type[DomainError]], ...]] = (
    (prisma_errors.UniqueViolationError, ConflictError),
    (prisma_errors.ForeignKeyViolationError, ConflictError),
    (prisma_errors.RecordNotFoundError, NotFoundError),
    (prisma_errors.MissingRequiredValueError, InvalidInputError),
    (prisma_errors.FieldNotFoundError, InvalidInputError),
    (prisma_errors.InputError, InvalidInputError),
    (prisma_errors.TableNotFoundError, InfrastructureError),
    (prisma_errors.TransactionError, ConflictError),
    (prisma_errors.RawQueryError, InfrastructureError),
    (prisma_errors.DataError, InvalidInputError),
    (prisma_errors.ClientNotConnectedError, DatabaseUnavailableError),
    (httpx.TransportError, DatabaseUnavailableError),
    (prisma_errors.PrismaError, InfrastructureError),
)

#: Seconds a unit of work may wait for a connection, and may run.
UNIT_OF_WORK_MAX_WAIT: Final[timedelta] = timedelta(seconds=5)
UNIT_OF_WORK_TIMEOUT: Final[timedelta] = timedelta(seconds=15)


def error_for_sqlstate(sqlstate: str | None) -> type[DomainError]:
    """PostgreSQL's error class (SQLSTATE) as ours, for errors of raw statements."""
    if sqlstate in ("23505", "23503", "40001", "40P01"):  # unique, FK, serialization, deadlock
        return ConflictError
    if sqlstate and sqlstate[:2] in ("22", "23"):  # data exception, other integrity violation
        return InvalidInputError
    return InfrastructureError


def domain_error_for(exc: BaseException) -> DomainError | None:
    """The domainlayer error ``exc`` maps to, or None when it is not the client's."""
    if isinstance(exc, prisma_errors.RawQueryError):
        meta = exc.meta if isinstance(exc.meta, dict) else {}
        return error_for_sqlstate(meta.get("code"))(str(exc))
    for client_type, domain_type in ERROR_MAPPING:
        if isinstance(exc, client_type):
            return domain_type(str(exc))
    return None


@contextmanager
def translating_errors() -> Iterator[None]:
    """Re-raise the client's exceptions as domainlayer errors (the cause is kept)."""
    try:
        yield
    except DomainError:
        raise
    except Exception as exc:
        translated = domain_error_for(exc)
        if translated is None:
            raise
        raise translated from exc


@asynccontextmanager
async def unit_of_work(
    client: Prisma,
    *,
    max_wait: timedelta = UNIT_OF_WORK_MAX_WAIT,
    timeout: timedelta = UNIT_OF_WORK_TIMEOUT,  # noqa: ASYNC109 - the engine transaction timeout
) -> AsyncIterator[Prisma]:
    """A transaction: committed if the block succeeds, rolled back if it raises."""
    with translating_errors():
        async with client.tx(max_wait=max_wait, timeout=timeout) as tx:
            yield tx


class RawSql(Protocol):
    """Where a repository sends the raw statements the client cannot express.

    Parameters are positional (``$1``, ``$2``...) and the SQL casts each one from text
    (``$1::text::timestamp``), so the same statement and arguments work through the
    client's raw queries and through asyncpg.
    """

    async def fetchrow(self, sql: str, *args: Any) -> dict[str, Any] | None: ...


class ClientSql:
    """Raw statements through the generated client (its query-engine process)."""

    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def fetchrow(self, sql: str, *args: Any) -> dict[str, Any] | None:
        with translating_errors():
            row: dict[str, Any] | None = await self._client.query_first(sql, *args)
        return row or None


class PoolSql:
    """Raw statements over an asyncpg pool: the same SQL, without the engine hop."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def fetchrow(self, sql: str, *args: Any) -> dict[str, Any] | None:
        try:
            row = await self._pool.fetchrow(sql, *args)
        except (OSError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError) as exc:
            raise DatabaseUnavailableError(str(exc)) from exc
        except asyncpg.PostgresError as exc:
            raise error_for_sqlstate(exc.sqlstate)(str(exc)) from exc
        if row is None:
            return None
        # Prisma keeps UTC in `timestamp` columns and reads them back as aware datetimes.
        return {
            key: value.replace(tzinfo=UTC)
            if isinstance(value, datetime) and value.tzinfo is None
            else value
            for key, value in row.items()
        }


def raw_sql(client: Prisma, pool: asyncpg.Pool | None) -> RawSql:
    """The pool when the caller gave one, else the client's raw queries."""
    return PoolSql(pool) if pool is not None else ClientSql(client)
