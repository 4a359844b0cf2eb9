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
from datetime import timedelta
from typing import Final

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

__all__ = ["ERROR_MAPPING", "domain_error_for", "translating_errors", "unit_of_work"]

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


def domain_error_for(exc: BaseException) -> DomainError | None:
    """The domainlayer error ``exc`` maps to, or None when it is not the client's."""
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
