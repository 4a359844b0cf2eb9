"""The asyncpg pool for hot statements, and the raw-statement runners' error mapping."""

from __future__ import annotations

import asyncpg
import pytest
from prisma import Prisma

from domainlayer import pool as pool_module
from domainlayer.errors import ConflictError, InfrastructureError, InvalidInputError
from domainlayer.pool import close_pool, connect_pool, get_pool
from domainlayer.repository import ClientSql, PoolSql, RawSql, error_for_sqlstate


async def test_connect_pool_accepts_a_prisma_url_with_its_options(database_url: str) -> None:
    pool = await connect_pool(f"{database_url}?connection_limit=3&schema=coach", size=2)
    try:
        assert await pool.fetchval("SELECT current_database()") == database_url.rsplit("/", 1)[1]
        assert pool.get_max_size() == 2
    finally:
        await pool.close()


async def test_connect_pool_refuses_an_empty_pool(database_url: str) -> None:
    with pytest.raises(ValueError):
        await connect_pool(database_url, size=0)


async def test_get_pool_is_one_pool_per_process_until_closed(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr(pool_module, "_pool", None)
    try:
        first = await get_pool()
        assert await get_pool() is first
        await close_pool()
        assert first.is_closing()
        second = await get_pool()
        assert second is not first and await second.fetchval("SELECT 1") == 1
    finally:
        await close_pool()


async def test_a_pooled_connection_keeps_no_transaction_between_statements(
    pool: asyncpg.Pool,
) -> None:
    # The pool skips asyncpg's reset query; a statement must still leave nothing open.
    sql = PoolSql(pool)
    for _ in range(5):
        row = await sql.fetchrow("SELECT txid_current_if_assigned() AS tx, now() AS at")
        assert row is not None and row["tx"] is None
        assert row["at"].tzinfo is not None


@pytest.mark.parametrize("runner", ["client", "pool"])
async def test_raw_statement_errors_are_typed(
    runner: str, client: Prisma, pool: asyncpg.Pool, db: asyncpg.Connection
) -> None:
    sql: RawSql = PoolSql(pool) if runner == "pool" else ClientSql(client)
    insert = (
        'INSERT INTO coach."RateLimit" (id, "skoolUserId", "requestDate", "requestCount",'
        ' "lastRequestAt") VALUES ($1, $2, $3::text::date, 1, now()) RETURNING id'
    )
    assert await sql.fetchrow(insert, "r1", "u1", "2026-11-25") == {"id": "r1"}
    with pytest.raises(ConflictError):
        await sql.fetchrow(insert, "r1", "u2", "2026-11-25")
    with pytest.raises(InvalidInputError):
        await sql.fetchrow(insert, "r2", "u3", "not a date")
    with pytest.raises(InfrastructureError):
        await sql.fetchrow('SELECT * FROM coach."NoSuchTable"')
    assert await db.fetchval('SELECT count(*) FROM coach."RateLimit"') == 1


@pytest.mark.parametrize(
    ("sqlstate", "expected"),
    [
        ("23505", ConflictError),
        ("23503", ConflictError),
        ("40001", ConflictError),
        ("40P01", ConflictError),
        ("23514", InvalidInputError),
        ("23502", InvalidInputError),
        ("22007", InvalidInputError),
        ("42P01", InfrastructureError),
        (None, InfrastructureError),
    ],
)
def test_sqlstates_map_to_the_error_tree(sqlstate: str | None, expected: type) -> None:
    assert error_for_sqlstate(sqlstate) is expected
