"""The offline Prisma toolchain: the commands an operator types, on a real database."""

from __future__ import annotations

import re

import asyncpg
import pytest

from domainlayer.errors import ToolchainError
from domainlayer.settings import PROJECT_ROOT
from domainlayer.toolchain import run_prisma
from tests.support.processes import run

PRISMA = PROJECT_ROOT / ".venv" / "bin" / "prisma"
DIFF_HISTORY_TO_SCHEMA = [
    "migrate",
    "diff",
    "--from-migrations",
    "prisma_migrations",
    "--to-schema-datamodel",
    "schema.prisma",
]


def test_prisma_validate_passes() -> None:
    out = run_prisma(["validate"]).stdout
    assert "is valid" in out


def test_prisma_format_leaves_the_committed_schema_unchanged() -> None:
    before = (PROJECT_ROOT / "schema.prisma").read_text()
    run_prisma(["format", "--check"])
    assert (PROJECT_ROOT / "schema.prisma").read_text() == before


def test_migrations_and_schema_agree(database_url: str) -> None:
    """A diff from the migration history to schema.prisma is empty (shadow database)."""
    done = run_prisma(
        [*DIFF_HISTORY_TO_SCHEMA, "--exit-code"],
        database_url=database_url,
    )
    assert "No difference detected" in done.stdout


async def test_shadow_databases_are_dropped_after_a_diff(admin_url: str, database_url: str) -> None:
    run_prisma(
        DIFF_HISTORY_TO_SCHEMA,
        database_url=database_url,
    )
    conn = await asyncpg.connect(admin_url)
    try:
        left = await conn.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'"
        )
    finally:
        await conn.close()
    assert left == 0


async def test_migrate_deploy_then_status_on_an_empty_database(empty_database_url: str) -> None:
    deployed = run_prisma(["migrate", "deploy"], database_url=empty_database_url).stdout
    assert re.search(r"migrations? have been successfully applied|applied", deployed)
    status = run_prisma(["migrate", "status"], database_url=empty_database_url).stdout
    assert "Database schema is up to date" in status
    conn = await asyncpg.connect(empty_database_url)
    try:
        applied = await conn.fetchval(
            "SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL"
        )
    finally:
        await conn.close()
    history = [p for p in (PROJECT_ROOT / "prisma_migrations").iterdir() if p.is_dir()]
    assert applied == len(history) > 0


async def test_db_push_creates_the_schema_on_an_empty_database(empty_database_url: str) -> None:
    run_prisma(["db", "push", "--skip-generate"], database_url=empty_database_url)
    conn = await asyncpg.connect(empty_database_url)
    try:
        schemas = {
            r["nspname"]
            for r in await conn.fetch(
                "SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])",
                ["airbar", "churn", "travel", "coach", "madfam"],
            )
        }
    finally:
        await conn.close()
    assert schemas == {"airbar", "churn", "travel", "coach", "madfam"}


async def test_migrate_reset_rebuilds_from_the_history(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute('CREATE TABLE coach."Stray" (id int)')
        run_prisma(
            ["migrate", "reset", "--force", "--skip-generate", "--skip-seed"],
            database_url=database_url,
        )
        stray = await conn.fetchval("SELECT to_regclass('coach.\"Stray\"')")
        rate_limit = await conn.fetchval("SELECT to_regclass('coach.\"RateLimit\"')")
    finally:
        await conn.close()
    assert stray is None
    assert rate_limit is not None


def test_a_failing_command_raises_a_toolchain_error_with_the_cli_output() -> None:
    with pytest.raises(ToolchainError, match="validate"):
        run_prisma(["validate", "--schema", "does-not-exist.prisma"])


def test_the_prisma_command_of_the_environment_runs_the_pinned_cli_offline() -> None:
    """`prisma` (Prisma Client Python's command) reaches the project's CLI, no download."""
    done = run([str(PRISMA), "--version"])
    assert done.returncode == 0, done.stderr
    assert re.search(r"^prisma\s+:\s+6\.19\.3$", done.stdout, re.MULTILINE)
    assert "@prisma/schema-engine-wasm" in done.stdout
