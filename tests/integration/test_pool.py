"""The asyncpg pool for hot statements, and the raw-statement runners' error mapping."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from prisma import Prisma

from domainlayer import pool as pool_module
from domainlayer.errors import (
    ConflictError,
    DatabaseUnavailableError,
    InfrastructureError,
    InvalidInputError,
    OperationTimeoutError,
)
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
    with pytest.raises(InvalidInputError, match="at least one connection"):
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
    # The server's detail on the pool and on the 5.17 engine (as the native engine words
    # it); engine 7's adapter passes on the message, which names the constraint.
    with pytest.raises(ConflictError, match=r'Key \(id\)=\(r1\) already exists|"RateLimit_pkey"'):
        await sql.fetchrow(insert, "r1", "u2", "2026-11-25")
    with pytest.raises(InvalidInputError, match="invalid input syntax for type date"):
        await sql.fetchrow(insert, "r2", "u3", "not a date")
    with pytest.raises(InfrastructureError, match=r'relation "coach\.NoSuchTable" does not exist'):
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
        ("28P01", DatabaseUnavailableError),
        ("3D000", DatabaseUnavailableError),
        ("08006", DatabaseUnavailableError),
        ("57P01", DatabaseUnavailableError),
        ("57014", OperationTimeoutError),
        ("25P03", OperationTimeoutError),
    ],
)
def test_sqlstates_map_to_the_error_tree(sqlstate: str | None, expected: type) -> None:
    assert error_for_sqlstate(sqlstate) is expected


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens there once the probe is closed


def _with(url: str, *, password: str | None = None, database: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if password is not None:
        user = parts.username or "postgres"
        netloc = f"{user}:{password}@{parts.hostname}:{parts.port}"
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit(parts._replace(netloc=netloc, path=path))


def _unavailable_urls(database_url: str) -> dict[str, str]:
    return {
        "refused": f"postgresql://postgres:x@127.0.0.1:{_closed_port()}/db",
        "unreachable": "postgresql://postgres:x@unreachable.invalid:5432/db",
        "bad credentials": _with(database_url, password="wrong-password"),
        "missing database": _with(database_url, database="no_such_database_here"),
    }


@pytest.mark.parametrize("case", ["refused", "unreachable", "bad credentials", "missing database"])
async def test_an_unavailable_database_is_database_unavailable_through_the_pool(
    database_url: str, case: str
) -> None:
    url = _unavailable_urls(database_url)[case]
    with pytest.raises(DatabaseUnavailableError) as raised:
        await connect_pool(url, size=1)
    assert "wrong-password" not in str(raised.value)
    # And through get_pool, which a service calls.
    pool_module._pool = None
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        pool_module.get_settings.cache_clear()
        try:
            with pytest.raises(DatabaseUnavailableError):
                await get_pool()
        finally:
            pool_module.get_settings.cache_clear()
    await close_pool()


@pytest.mark.parametrize("case", ["refused", "unreachable", "bad credentials", "missing database"])
async def test_an_unavailable_database_is_database_unavailable_through_raw_sql(
    database_url: str, case: str
) -> None:
    # A pool whose connections all go away, then point at the failing server: the same
    # class of error as the connect path, from a statement (what repositories see).
    url = _unavailable_urls(database_url)[case]
    pool = await connect_pool(database_url, size=1)
    try:
        sql = PoolSql(pool)
        await pool.expire_connections()
        pool.set_connect_args(url)
        with pytest.raises(DatabaseUnavailableError):
            await sql.fetchrow("SELECT 1 AS one")
    finally:
        pool.terminate()


async def test_pooled_connections_carry_the_server_side_timeouts(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        settings = dict(
            await connection.fetch(
                "SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])",
                [
                    "statement_timeout",
                    "idle_in_transaction_session_timeout",
                    "client_connection_check_interval",
                ],
            )
        )
    assert settings == {
        "statement_timeout": "30000",
        "idle_in_transaction_session_timeout": "60000",
        "client_connection_check_interval": "5000",
    }


async def _running(db: asyncpg.Connection, marker: str) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1"
        " AND pid <> pg_backend_pid()",
        f"%{marker}%",
    )
    return count


async def _until_stopped(db: asyncpg.Connection, marker: str, seconds: float) -> float:
    deadline = time.monotonic() + seconds
    while await _running(db, marker):
        assert time.monotonic() < deadline, f"{marker} still running on the server"
        await asyncio.sleep(0.05)
    return time.monotonic()


async def test_a_pool_statement_past_its_timeout_is_cancelled_on_the_server(
    database_url: str, db: asyncpg.Connection
) -> None:
    pool = await connect_pool(database_url, size=1, statement_timeout=timedelta(seconds=1))
    try:
        started = time.monotonic()
        with pytest.raises(OperationTimeoutError):
            await PoolSql(pool).fetchrow("SELECT pg_sleep(4) /* pool-timeout-probe */")
        answered = time.monotonic() - started
        assert 0.9 <= answered < 2.5, answered
        assert await _running(db, "pool-timeout-probe") == 0
    finally:
        await pool.close()
