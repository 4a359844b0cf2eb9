"""The travel document's verification and rollback plan, on a scratch database."""

from __future__ import annotations

import sys

import asyncpg

from domainlayer.client import connect_client
from domainlayer.toolchain import migrate_deploy
from domainlayer.travel.migration import MIGRATION_NAME, TABLES
from domainlayer.travel.repositories.schema import verify_travel_schema
from tests.support.processes import run

SCRIPT = "scripts/rollback_travel.py"


async def _verify(url: str) -> tuple[bool, tuple[str, ...]]:
    client = await connect_client(url)
    try:
        check = await verify_travel_schema(client)
    finally:
        await client.disconnect()
    return check.ok, check.missing


async def _migration_rows(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM _prisma_migrations WHERE migration_name = $1",
                MIGRATION_NAME,
            )
        )
    finally:
        await conn.close()


async def test_rollback_then_redeploy_restores_all_17_tables(database_url: str) -> None:
    assert await _verify(database_url) == (True, ())
    assert await _migration_rows(database_url) == 1

    done = run([sys.executable, SCRIPT, "--yes", "--database-url", database_url])
    assert done.returncode == 0, done.stderr
    assert "dropped 17 of 17" in done.stdout
    ok, missing = await _verify(database_url)
    assert not ok and missing == TABLES
    assert await _migration_rows(database_url) == 0
    conn = await asyncpg.connect(database_url)
    try:  # the other products are untouched
        assert (
            await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'coach'") == 12
        )
    finally:
        await conn.close()

    migrate_deploy(database_url)
    assert await _verify(database_url) == (True, ())
    assert await _migration_rows(database_url) == 1


def test_without_yes_it_only_prints_the_plan(database_url: str) -> None:
    done = run([sys.executable, SCRIPT, "--database-url", database_url])
    assert done.returncode == 0
    assert 'DROP TABLE IF EXISTS "travel"."search_suggestions" CASCADE;' in done.stdout
    assert done.stdout.strip().splitlines()[0].endswith('"search_suggestions" CASCADE;')
    assert MIGRATION_NAME in done.stdout.splitlines()[-1]
    assert "pass --yes" in done.stderr


def test_bad_arguments_exit_2() -> None:
    done = run([sys.executable, SCRIPT, "--bogus"])
    assert done.returncode == 2 and "usage:" in done.stderr
