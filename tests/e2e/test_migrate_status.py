"""`prisma migrate status` tells the truth: each state has its message and exit 1."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from domainlayer.settings import PROJECT_ROOT
from tests.e2e.operator_support import output, prisma

HISTORY = sorted(p.name for p in (PROJECT_ROOT / "prisma_migrations").iterdir() if p.is_dir())

INSERT_APPLIED = """
INSERT INTO _prisma_migrations
  (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
VALUES ($1, 'checksum', $2, now(), now(), 1)
"""


async def _execute(url: str, sql: str, *args: object) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


def test_a_migrated_database_is_up_to_date(database_url: str) -> None:
    done = prisma(database_url, "migrate", "status")
    assert done.returncode == 0, output(done)
    assert f"{len(HISTORY)} migrations found in prisma_migrations" in done.stdout
    assert "Database schema is up to date!" in done.stdout


def test_an_empty_database_has_pending_migrations(empty_database_url: str) -> None:
    done = prisma(empty_database_url, "migrate", "status")
    assert done.returncode == 1, output(done)
    assert "Following migrations have not yet been applied:" in done.stdout
    assert all(name in done.stdout for name in HISTORY)
    assert "up to date" not in done.stdout


async def test_applied_migrations_missing_locally_and_an_extra_column_are_reported(
    database_url: str,
) -> None:
    """The issue's case: three migrations only the database knows, plus a column."""
    for i in range(3):
        await _execute(database_url, INSERT_APPLIED, f"gone-{i}", f"2099010100000{i}_gone_{i}")
    await _execute(database_url, 'ALTER TABLE coach."RateLimit" ADD COLUMN extra int')
    done = prisma(database_url, "migrate", "status")
    assert done.returncode == 1, output(done)
    assert (
        "Your local migration history and the migrations table from your database are different"
        in done.stdout
    )
    assert "The migrations from the database are not found locally in prisma_migrations:" in (
        done.stdout
    )
    for i in range(3):
        assert f"2099010100000{i}_gone_{i}" in done.stdout
    assert "up to date" not in done.stdout


async def test_a_column_added_behind_the_history_is_drift(database_url: str) -> None:
    await _execute(database_url, 'ALTER TABLE coach."RateLimit" ADD COLUMN extra int')
    done = prisma(database_url, "migrate", "status")
    assert done.returncode == 1, output(done)
    assert "Drift detected: Your database schema is not in sync with your migration history." in (
        done.stdout
    )
    assert "RateLimit" in done.stdout
    assert "extra" in done.stdout


async def test_a_failed_migration_is_reported_with_how_to_resolve_it(database_url: str) -> None:
    await _execute(
        database_url,
        "UPDATE _prisma_migrations SET finished_at = NULL, logs = 'boom' "
        "WHERE migration_name = '20251111113117_add_phase8_and_phase9_features'",
    )
    done = prisma(database_url, "migrate", "status")
    assert done.returncode == 1, output(done)
    assert "Following migration has failed:" in done.stdout
    assert (
        'prisma migrate resolve --rolled-back "20251111113117_add_phase8_and_phase9_features"'
        in done.stdout
    )


async def test_an_applied_migration_edited_afterwards_is_reported(database_url: str) -> None:
    await _execute(
        database_url,
        "UPDATE _prisma_migrations SET checksum = 'edited'"
        " WHERE migration_name = '20261125024456_init'",
    )
    done = prisma(database_url, "migrate", "status")
    assert done.returncode == 1, output(done)
    assert "The migration `20261125024456_init` was modified after it was applied." in done.stdout


LEAD_COMPANY = 'ALTER TABLE madfam."Lead" ALTER COLUMN "company"'
CACHED = "No drift: the catalog matches the one Prisma's drift check approved for this history"


async def test_a_catalog_prisma_approved_is_not_checked_again_and_drift_is_never_approved(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """engines/schema-fingerprint.mjs: Prisma's drift check runs once per history and
    catalog; a drifted catalog always goes to it, and is never remembered as approved."""
    monkeypatch.setenv("DOMAINLAYER_CACHE_DIR", str(tmp_path))
    first = prisma(database_url, "migrate", "status")
    assert first.returncode == 0, output(first)
    assert CACHED not in first.stderr  # the first check is Prisma's own
    (approval,) = (tmp_path / "drift").glob("*.json")
    assert approval.stat().st_mode & 0o077 == 0
    approved = approval.read_text()

    again = prisma(database_url, "migrate", "status")
    assert again.returncode == 0, output(again)
    assert "Database schema is up to date!" in again.stdout
    assert CACHED in again.stderr

    await _execute(database_url, f"{LEAD_COMPANY} SET DEFAULT 'x'")
    drifted = prisma(database_url, "migrate", "status")
    assert drifted.returncode == 1, output(drifted)
    assert "Drift detected" in drifted.stdout
    assert CACHED not in drifted.stderr
    assert approval.read_text() == approved

    await _execute(database_url, f"{LEAD_COMPANY} DROP DEFAULT")
    restored = prisma(database_url, "migrate", "status")
    assert restored.returncode == 0, output(restored)
    assert CACHED in restored.stderr
