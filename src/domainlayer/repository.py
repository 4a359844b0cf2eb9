"""What every repository shares: the client's exceptions mapped to ours, and a unit of work.

One table (:data:`ERROR_MAPPING`) says which domainlayer error each Prisma Client Python
exception becomes, so that callers catch our tree and never the client's; the most specific
class wins. Transport errors (the engine process is gone, the connection was refused) are
infrastructure failures. :func:`unit_of_work` owns a business operation's transaction: it
commits when the block succeeds and rolls back when it raises, translating errors on the
way out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Protocol, cast

import asyncpg
import httpx
from prisma import Json as _PrismaJson
from prisma import Prisma
from prisma import errors as prisma_errors
from prisma.engine import errors as prisma_engine_errors

from .errors import (
    ConflictError,
    DatabaseUnavailableError,
    DomainError,
    InfrastructureError,
    InvalidInputError,
    NotFoundError,
    OperationTimeoutError,
    ToolchainError,
)

__all__ = [
    "ERROR_MAPPING",
    "TIMEOUT_CODES",
    "UNAVAILABLE_CODES",
    "ClientSql",
    "Json",
    "PoolSql",
    "RawSql",
    "domain_error_for",
    "error_for_sqlstate",
    "raw_sql",
    "translating_errors",
    "unit_of_work",
]

if TYPE_CHECKING:
    from prisma.types import Serializable

log = logging.getLogger(__name__)


class Json(_PrismaJson):
    """``prisma.Json`` taking any JSON value (``dict[str, int]``, ``list[str]``, ...).

    The client types its argument ``Serializable``, a recursive union whose ``Dict`` and
    ``List`` members mypy checks invariantly: once the generated types are precise enough to
    check callers (``recursive_type_depth = -1``), ``Json({"score": 3})`` is refused. Values
    are still serialised by the client exactly as before (this is the same class to it).
    """

    def __init__(self, data: object) -> None:
        super().__init__(cast("Serializable", data))


#: Prisma error codes of infrastructure failures, whatever client class carries them
#: (the engine answers with them; the client raises them as ``DataError``): can't reach the
#: server (P1001), authentication failed (P1000), database does not exist (P1003), server
#: closed the connection (P1017), timed out (P1002, P1008), TLS (P1011), too many
#: connections (P2037), no pooled connection in time (P2024).
UNAVAILABLE_CODES: Final[frozenset[str]] = frozenset(
    {"P1000", "P1001", "P1002", "P1003", "P1008", "P1010", "P1011", "P1017", "P2037"}
)
#: Prisma error codes of timeouts (a subclass of the unavailable branch, never a conflict).
TIMEOUT_CODES: Final[frozenset[str]] = frozenset({"P1008", "P2024"})

#: Client exception -> domainlayer error, most specific first. Error codes are looked at
#: before classes (:func:`domain_error_for`); a transaction error that reports a timeout
#: or an expiry is :class:`OperationTimeoutError`.
ERROR_MAPPING: Final[tuple[tuple[type[BaseException], type[DomainError]], ...]] = (
    (prisma_errors.UniqueViolationError, ConflictError),
    (prisma_errors.ForeignKeyViolationError, ConflictError),
    (prisma_errors.RecordNotFoundError, NotFoundError),
    (prisma_errors.MissingRequiredValueError, InvalidInputError),
    (prisma_errors.FieldNotFoundError, InvalidInputError),
    (prisma_errors.InputError, InvalidInputError),
    (prisma_errors.TableNotFoundError, InfrastructureError),
    (prisma_errors.TransactionExpiredError, OperationTimeoutError),
    (prisma_errors.TransactionError, ConflictError),
    (prisma_errors.RawQueryError, InfrastructureError),
    (prisma_errors.DataError, InvalidInputError),
    (prisma_errors.ClientNotConnectedError, DatabaseUnavailableError),
    (prisma_engine_errors.BinaryNotFoundError, ToolchainError),
    (prisma_engine_errors.EngineConnectionError, DatabaseUnavailableError),
    (prisma_engine_errors.NotConnectedError, DatabaseUnavailableError),
    (httpx.TimeoutException, OperationTimeoutError),
    (httpx.TransportError, DatabaseUnavailableError),
    (asyncio.TimeoutError, OperationTimeoutError),
    (ConnectionError, DatabaseUnavailableError),
    (prisma_errors.PrismaError, InfrastructureError),
)

#: Seconds a unit of work may wait for a connection, and may run.
UNIT_OF_WORK_MAX_WAIT: Final[timedelta] = timedelta(seconds=5)
UNIT_OF_WORK_TIMEOUT: Final[timedelta] = timedelta(seconds=15)

#: Words of the engine's messages for transactions that ran out of time.
_TIMEOUT_WORDS: Final = ("timeout", "timed out", "expired", "in the given time")

#: SQLSTATEs of timeouts and cancellations: statement timeout / cancel (57014), lock
#: timeout (55P03), idle-in-transaction timeout (25P03), transaction timeout (25P04).
_TIMEOUT_STATES: Final = frozenset({"57014", "55P03", "25P03", "25P04"})
#: SQLSTATE classes and codes of an unreachable or refusing server: connection exceptions
#: (08), bad credentials (28), missing database (3D000), too many connections (53300),
#: shutting down / restarting (57P01..57P05), out of resources (53).
_UNAVAILABLE_CLASSES: Final = frozenset({"08", "28", "53"})
_UNAVAILABLE_STATES: Final = frozenset({"3D000", "57P01", "57P02", "57P03", "57P04", "57P05"})


def error_for_sqlstate(sqlstate: str | None) -> type[DomainError]:
    """PostgreSQL's error class (SQLSTATE) as ours, for errors of raw statements."""
    if sqlstate in ("23505", "23503", "40001", "40P01"):  # unique, FK, serialization, deadlock
        return ConflictError
    if sqlstate in _TIMEOUT_STATES:
        return OperationTimeoutError
    if sqlstate and (sqlstate in _UNAVAILABLE_STATES or sqlstate[:2] in _UNAVAILABLE_CLASSES):
        return DatabaseUnavailableError
    if sqlstate and sqlstate[:2] in ("22", "23"):  # data exception, other integrity violation
        return InvalidInputError
    return InfrastructureError


def _code_of(exc: BaseException) -> str | None:
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) else None


def domain_error_for(exc: BaseException) -> DomainError | None:
    """The domainlayer error ``exc`` maps to, or None when it is not the client's."""
    code = _code_of(exc)
    if isinstance(exc, prisma_errors.PrismaError) and code is not None:
        if code in TIMEOUT_CODES:
            return OperationTimeoutError(str(exc))
        if code in UNAVAILABLE_CODES:
            return DatabaseUnavailableError(str(exc))
    if isinstance(exc, prisma_errors.RawQueryError):
        meta = exc.meta if isinstance(exc.meta, dict) else {}
        return error_for_sqlstate(meta.get("code"))(str(exc))
    if isinstance(exc, prisma_errors.TransactionError) and any(
        word in str(exc).lower() for word in _TIMEOUT_WORDS
    ):
        return OperationTimeoutError(str(exc))
    for client_type, domain_type in ERROR_MAPPING:
        if isinstance(exc, client_type):
            return domain_type(str(exc) or type(exc).__name__)
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


def _milliseconds(delta: timedelta) -> str:
    return str(max(1, round(delta.total_seconds() * 1000)))


@asynccontextmanager
async def unit_of_work(
    client: Prisma,
    *,
    max_wait: timedelta = UNIT_OF_WORK_MAX_WAIT,
    timeout: timedelta = UNIT_OF_WORK_TIMEOUT,  # noqa: ASYNC109 - the engine transaction timeout
) -> AsyncIterator[Prisma]:
    """A transaction: committed if the block succeeds, rolled back if it raises.

    ``timeout`` bounds the work on the server too, not only the caller's wait: the
    transaction's first statement sets ``statement_timeout`` to it and
    ``idle_in_transaction_session_timeout`` to twice that (``set_config(..., true)``, so for
    this transaction only), and PostgreSQL cancels a statement still running when it passes. The
    caller gets :class:`~domainlayer.errors.OperationTimeoutError` (a
    ``DatabaseUnavailableError``), never a ``ConflictError``, and nothing is committed.
    """
    # The engine rolls back at ``timeout``; the idle limit is a backstop for an engine that
    # is gone, so it is longer (a session it ends takes the engine's connection with it).
    with translating_errors():
        async with client.tx(max_wait=max_wait, timeout=timeout) as tx:
            await tx.query_raw(
                "SELECT set_config('statement_timeout', $1, true) AS s, "
                "set_config('idle_in_transaction_session_timeout', $2, true) AS i",
                _milliseconds(timeout),
                _milliseconds(timeout * 2 + timedelta(seconds=1)),
            )
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
        except TimeoutError as exc:
            raise OperationTimeoutError(f"the database did not answer in time: {exc}") from exc
        except (OSError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError) as exc:
            raise DatabaseUnavailableError(str(exc) or type(exc).__name__) from exc
        except asyncpg.exceptions.OutdatedSchemaCacheError as exc:
            raise InfrastructureError(str(exc)) from exc
        except asyncpg.InternalClientError as exc:
            # asyncpg's protocol state is broken: seen when the server ends the connection
            # in the middle of a statement (a restart); the pool replaces the connection.
            raise DatabaseUnavailableError(
                f"the connection failed during the statement: {exc}"
            ) from exc
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
