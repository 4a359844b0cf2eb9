"""Seed the chosen products, each in one transaction of its own.

For each product, in document order:

1. open a transaction and take a transaction-scoped advisory lock for the product, so two
   seed runs on one database queue up instead of both inserting;
2. with ``reset``, ``TRUNCATE ... RESTART IDENTITY`` every table of its schema; otherwise,
   if any of its tables already holds rows, keep the product as it is (this is what makes a
   second run a no-op rather than a duplicate: nothing is merged into existing data);
3. stream its rows in with ``COPY`` (see :mod:`seed.bulk`), move its serial sequences past
   the ids it wrote, and commit.

Any error rolls the product's transaction back whole (its reset included) and stops the run
with :class:`~seed.errors.SeedFailed`; products committed before it stay complete.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg

from domainlayer.errors import DatabaseUnavailableError
from domainlayer.pool import connect_pool

from .bulk import BulkWriter
from .context import SeedContext, derive_seed
from .errors import SeedFailed
from .options import SeedOptions
from .products import seeder
from .progress import Progress

__all__ = ["ProductReport", "SeedReport", "seed_database"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ProductReport:
    product: str
    #: "seeded" (written by this run) or "kept" (already had rows; left as it was)
    status: str
    #: Rows per table of the product's schema (all of them, written or not).
    counts: dict[str, int]
    seconds: float = 0.0
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(slots=True)
class SeedReport:
    products: list[ProductReport] = field(default_factory=list)

    def product(self, name: str) -> ProductReport:
        return next(p for p in self.products if p.product == name)


def _quote(schema: str, table: str) -> str:
    return '"{}"."{}"'.format(schema.replace('"', '""'), table.replace('"', '""'))


async def _tables(connection: asyncpg.Connection, schema: str) -> list[str]:
    rows = await connection.fetch(
        "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = $1 ORDER BY tablename",
        schema,
    )
    return [row["tablename"] for row in rows]


async def _counts(
    connection: asyncpg.Connection, schema: str, tables: Sequence[str]
) -> dict[str, int]:
    if not tables:
        return {}
    parts = ", ".join(
        f"(SELECT count(*) FROM {_quote(schema, t)}) AS c{i}" for i, t in enumerate(tables)
    )
    # Identifiers come from pg_tables and are quoted by _quote.
    row = await connection.fetchrow(f"SELECT {parts}")
    assert row is not None
    return {t: int(row[f"c{i}"]) for i, t in enumerate(tables)}


async def _has_rows(connection: asyncpg.Connection, schema: str, tables: Sequence[str]) -> bool:
    if not tables:
        return False
    probe = " OR ".join(f"EXISTS (SELECT 1 FROM {_quote(schema, t)})" for t in tables)
    return bool(await connection.fetchval(f"SELECT {probe}"))


async def _sync_sequences(connection: asyncpg.Connection, schema: str) -> None:
    """Move each serial sequence past the largest id the seed wrote explicitly."""
    rows = await connection.fetch(
        """
        SELECT table_name, column_name,
               pg_get_serial_sequence(format('%I.%I', table_schema, table_name), column_name)
                   AS sequence
        FROM information_schema.columns
        WHERE table_schema = $1 AND column_default LIKE 'nextval(%'
        """,
        schema,
    )
    for row in rows:
        column = row["column_name"].replace('"', '""')
        await connection.execute(
            f'SELECT setval($1::regclass, COALESCE((SELECT max("{column}") FROM '
            f"{_quote(schema, row['table_name'])}), 0) + 1, false)",
            row["sequence"],
        )


def _lock_key(product: str) -> int:
    # pg_advisory_xact_lock takes a signed 64-bit key.
    return derive_seed("domainlayer.seed", product) - 2**63


async def _seed_product(
    connection: asyncpg.Connection, product: str, options: SeedOptions, progress: Progress
) -> ProductReport:
    started = time.perf_counter()
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", _lock_key(product))
        tables = await _tables(connection, product)
        if options.reset and tables:
            names = ", ".join(_quote(product, t) for t in tables)
            await connection.execute(f"TRUNCATE TABLE {names} RESTART IDENTITY")
        elif await _has_rows(connection, product, tables):
            logger.info("%s already has rows: kept (use --reset to re-seed it)", product)
            return ProductReport(product, "kept", await _counts(connection, product, tables))
        context = SeedContext(product, options.seed, options.now, options.scale)
        writer = BulkWriter(
            connection,
            product,
            progress=progress,
            batch_rows=options.batch_rows,
            fail_after=options.fail_after,
        )
        notes = await seeder(product)(context, writer)
        await _sync_sequences(connection, product)
    counts = {t: writer.counts.get(t, 0) for t in tables}
    return ProductReport(product, "seeded", counts, time.perf_counter() - started, tuple(notes))


async def seed_database(
    url: str, options: SeedOptions, *, progress: Progress | None = None
) -> SeedReport:
    """Seed ``options.domains`` on the (migrated) database at ``url``.

    Raises :class:`SeedFailed` naming the product that failed (rolled back whole); its
    ``completed`` holds the products committed before it.
    """
    progress = progress or Progress(enabled=False)
    report = SeedReport()
    try:
        pool = await connect_pool(url, size=1)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise DatabaseUnavailableError(f"cannot connect to the database: {exc}") from exc
    try:
        async with pool.acquire() as connection:
            for product in options.domains:
                logger.debug("seeding %s", product)
                try:
                    result = await _seed_product(connection, product, options, progress)
                except Exception as exc:
                    raise SeedFailed(product, exc, report.products) from exc
                report.products.append(result)
                for note in result.notes:
                    logger.info("%s: %s", product, note)
    finally:
        await pool.close()
    return report
