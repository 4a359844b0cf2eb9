"""`prisma migrate dev` on a scratch copy of the project: a schema change becomes a migration."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import asyncpg

from domainlayer.settings import PROJECT_ROOT
from tests.support.processes import run

NEW_MODEL = """
model CoachNote {
  id      String @id @default(cuid())
  content String

  @@schema("coach")
}
"""


def _scratch_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("schema.prisma", "prisma.config.ts", "package.json"):
        shutil.copy(PROJECT_ROOT / name, project / name)
    shutil.copytree(PROJECT_ROOT / "prisma_migrations", project / "prisma_migrations")
    for name in ("engines", "node_modules"):
        (project / name).symlink_to(PROJECT_ROOT / name)
    return project


def _prisma(project: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the project's `prisma` dispatcher inside the scratch project."""
    return run(
        ["node", str(project / "engines" / "prisma-cli.mjs"), *args],
        cwd=project,
        env={**os.environ, "DATABASE_URL": url},
    )


def _migrate_dev(project: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return _prisma(project, url, "migrate", "dev", *args)


async def test_a_schema_change_becomes_a_new_applied_migration(
    tmp_path: Path, empty_database_url: str
) -> None:
    project = _scratch_project(tmp_path)
    first = _migrate_dev(project, empty_database_url, "--skip-generate")
    assert first.returncode == 0, first.stderr
    assert "Already in sync" in first.stdout

    with (project / "schema.prisma").open("a") as schema:
        schema.write(NEW_MODEL)
    before = {p.name for p in (project / "prisma_migrations").iterdir()}
    second = _migrate_dev(project, empty_database_url, "--name", "add note", "--skip-generate")
    assert second.returncode == 0, second.stderr
    created = {p.name for p in (project / "prisma_migrations").iterdir()} - before
    assert len(created) == 1
    (folder,) = created
    assert folder.endswith("_add_note")
    sql = (project / "prisma_migrations" / folder / "migration.sql").read_text()
    assert 'CREATE TABLE "coach"."CoachNote"' in sql

    conn = await asyncpg.connect(empty_database_url)
    try:
        table = await conn.fetchval("SELECT to_regclass('coach.\"CoachNote\"')::text")
        applied = await conn.fetchval(
            "SELECT count(*) FROM _prisma_migrations WHERE migration_name = $1", folder
        )
    finally:
        await conn.close()
    assert table == 'coach."CoachNote"'
    assert applied == 1


def test_create_only_writes_without_applying_and_a_change_needs_a_name(
    tmp_path: Path, database_url: str
) -> None:
    project = _scratch_project(tmp_path)
    with (project / "schema.prisma").open("a") as schema:
        schema.write(NEW_MODEL)
    unnamed = _migrate_dev(project, database_url, "--skip-generate")
    assert unnamed.returncode == 1
    assert "--name" in unnamed.stderr
    drafted = _migrate_dev(
        project, database_url, "--create-only", "--name", "draft", "--skip-generate"
    )
    assert drafted.returncode == 0, drafted.stderr
    assert "not applied" in drafted.stdout
    status = _prisma(project, database_url, "migrate", "status")
    assert "have not yet been applied" in status.stdout
