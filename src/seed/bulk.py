"""Bulk writes: rows stream from generators into ``COPY`` statements, in bounded batches.

Each batch is one binary ``COPY ... FROM STDIN`` (asyncpg's ``copy_records_to_table``) fed
lazily from the product's generator: asyncpg encodes rows as the generator yields them and
sends every ~512 KB, so the server ingests one chunk while Python builds the next, and
memory stays flat however many rows a table gets. The COPY statement reports its own row
count, which is what the seed reports.
"""

from __future__ import annotations

import logging
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from itertools import islice
from typing import Any, Final

import asyncpg

from .errors import InjectedFailure
from .progress import Progress, TableProgress

__all__ = ["BulkWriter", "Row"]

logger = logging.getLogger(__name__)

Row = tuple[Any, ...]

#: Rows between two progress updates (a cheap counter check per row otherwise).
_TICK: Final = 2048


class BulkWriter:
    """COPY rows into one product's tables on the connection of its transaction."""

    def __init__(
        self,
        connection: asyncpg.Connection,
        schema: str,
        *,
        progress: Progress,
        batch_rows: int,
        fail_after: str | None = None,
    ) -> None:
        self._connection = connection
        self._schema = schema
        self._progress = progress
        self._batch_rows = batch_rows
        self._fail_after = fail_after
        #: Rows written per table, in the order the tables were written.
        self.counts: dict[str, int] = {}

    async def copy(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Row],
        *,
        total: int | None = None,
    ) -> int:
        """Write every row of ``rows`` (tuples in ``columns`` order); return the count."""
        started = time.perf_counter()
        bar = self._progress.table(f"{self._schema}.{table}", total)
        try:
            written = await self._copy(table, columns, rows, bar, 0)
        finally:
            bar.close()
        logger.debug(
            "%s.%s: %d rows in %.3f s", self._schema, table, written, time.perf_counter() - started
        )
        self._check_injected(table)
        return written

    @asynccontextmanager
    async def interleaved(
        self, tables: Mapping[str, Sequence[str]], *, total: int | None = None
    ) -> AsyncIterator[Callable[[str, Iterable[Row]], Awaitable[int]]]:
        """Write several tables in turns (parent rows, then their children, per parent).

        Yields ``copy(table, rows)``; each call is one COPY statement into ``table`` (one of
        ``tables``, which maps each to its columns). One progress bar counts them all.
        """
        started = time.perf_counter()
        bar = self._progress.table(f"{self._schema}.{' + '.join(tables)}", total)
        done = 0

        async def copy(table: str, rows: Iterable[Row]) -> int:
            nonlocal done
            written = await self._copy(table, tables[table], rows, bar, done)
            done += written
            return written

        try:
            yield copy
        finally:
            bar.close()
        logger.debug(
            "%s.%s: %d rows in %.3f s",
            self._schema,
            "+".join(tables),
            done,
            time.perf_counter() - started,
        )
        for table in tables:
            self._check_injected(table)

    async def _copy(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Row],
        bar: TableProgress,
        before: int,
    ) -> int:
        source = iter(rows)
        written = 0
        while (first := next(source, None)) is not None:
            status = await self._connection.copy_records_to_table(
                table,
                schema_name=self._schema,
                columns=list(columns),
                records=_batch(first, source, self._batch_rows, bar, before + written),
            )
            written += int(status.rsplit(" ", 1)[-1])
            bar.update(before + written)
        self.counts[table] = self.counts.get(table, 0) + written
        return written

    def _check_injected(self, table: str) -> None:
        if self._fail_after == f"{self._schema}.{table}":
            raise InjectedFailure(f"injected failure after writing {self._schema}.{table}")

    async def executemany(self, statement: str, args: Iterable[Sequence[Any]]) -> None:
        """One statement for many argument tuples (pipelined), in the product's transaction."""
        await self._connection.executemany(statement, args)

    async def execute(self, statement: str, *args: Any) -> None:
        """A statement in the product's transaction (sequence updates and the like)."""
        await self._connection.execute(statement, *args)


def _batch(
    first: Row, source: Iterator[Row], limit: int, bar: TableProgress, before: int
) -> Iterator[Row]:
    """``first`` and up to ``limit - 1`` more rows of ``source``, pulled as COPY asks."""
    yield first
    count = 1
    for row in islice(source, limit - 1):
        yield row
        count += 1
        if count % _TICK == 0:
            bar.update(before + count)
