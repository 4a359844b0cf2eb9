"""`prisma migrate dev` on a scratch copy of the project, as safe as Prisma's own.

A schema change becomes an applied migration; drift and lost history are found before
anything is written and need a reset (asked on a terminal, --force off one); data loss is
counted and needs confirmation or --accept-data-loss; --help; the name is asked on a
terminal; --create-only writes without applying; an empty database is seeded.
"""

from __future__ import annotations

import asyncpg

from tests.e2e.operator_support import (
    GENERATOR_VERSION_ERROR,
    Terminal,
    append_to_schema,
    env_for,
    migration_folders,
    output,
    prisma,
    scratch_project,
)

NEW_MODEL = """
model CoachNote {
  id      String @id @default(cuid())
  content String

  @@schema("coach")
}
"""
LAST_REQUEST_AT = "  lastRequestAt DateTime @default(now()) // implied\n"


def _migrate_dev(project, url, *args):
    return prisma(url, "migrate", "dev", *args, cwd=project)


async def _fetchval(url: str, sql: str, *args: object) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def _execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _two_rate_limits(url: str) -> None:
    await _execute(
        url,
        """INSERT INTO coach."RateLimit" (id, "skoolUserId", "requestDate")
           VALUES ('r1', 'user-one', '2026-01-01'), ('r2', 'user-two', '2026-01-01')""",
    )


async def test_a_schema_change_becomes_a_new_applied_migration(tmp_path, empty_database_url):
    project = scratch_project(tmp_path)
    first = _migrate_dev(project, empty_database_url, "--skip-generate", "--skip-seed")
    assert first.returncode == 0, output(first)
    assert "Already in sync" in first.stdout

    append_to_schema(project, NEW_MODEL)
    before = migration_folders(project)
    second = _migrate_dev(project, empty_database_url, "--name", "add note", "--skip-generate")
    assert second.returncode == 0, output(second)
    created = migration_folders(project) - before
    assert len(created) == 1
    (folder,) = created
    assert folder.endswith("_add_note")
    sql = (project / "prisma_migrations" / folder / "migration.sql").read_text()
    assert 'CREATE TABLE "coach"."CoachNote"' in sql
    assert await _fetchval(
        empty_database_url, "SELECT to_regclass('coach.\"CoachNote\"')::text"
    ) == ('coach."CoachNote"')
    applied = await _fetchval(
        empty_database_url,
        "SELECT count(*) FROM _prisma_migrations WHERE migration_name = $1",
        folder,
    )
    assert applied == 1


def test_create_only_writes_without_applying_and_off_a_terminal_a_change_needs_a_name(
    tmp_path, database_url
):
    project = scratch_project(tmp_path)
    history = migration_folders(project)
    append_to_schema(project, NEW_MODEL)
    unnamed = _migrate_dev(project, database_url, "--skip-generate")
    assert unnamed.returncode == 1
    assert "--name" in unnamed.stderr
    assert migration_folders(project) == history
    drafted = _migrate_dev(
        project, database_url, "--create-only", "--name", "draft", "--skip-generate"
    )
    assert drafted.returncode == 0, output(drafted)
    assert "not applied" in drafted.stdout
    status = prisma(database_url, "migrate", "status", "--no-drift", cwd=project)
    assert status.returncode == 1
    assert "not yet been applied" in status.stdout


def test_help_prints_the_usage_and_exits_0(tmp_path, database_url):
    done = _migrate_dev(scratch_project(tmp_path), database_url, "--help")
    assert done.returncode == 0, output(done)
    for flag in (
        "--name",
        "--create-only",
        "--skip-generate",
        "--skip-seed",
        "--accept-data-loss",
        "--force",
    ):
        assert flag in done.stdout
    assert "at " not in done.stderr  # no stack trace
    bad = _migrate_dev(scratch_project(tmp_path / "b"), database_url, "--no-such-flag")
    assert bad.returncode == 1
    assert "unknown option --no-such-flag" in bad.stderr


def test_on_a_terminal_the_name_is_asked(tmp_path, database_url):
    project = scratch_project(tmp_path)
    history = migration_folders(project)
    append_to_schema(project, NEW_MODEL)
    term = Terminal(
        ["node", str(project / "engines" / "prisma-cli.mjs"), "migrate", "dev", "--skip-generate"],
        cwd=project,
        env=env_for(database_url),
    )
    term.expect("Enter a name for the new migration")
    term.send("asked name")
    assert term.wait() == 0, term.seen
    (created,) = migration_folders(project) - history
    assert created.endswith("_asked_name")


async def test_dropping_a_column_that_holds_data_warns_with_counts_and_needs_acceptance(
    tmp_path, database_url
):
    await _two_rate_limits(database_url)
    project = scratch_project(tmp_path)
    schema = project / "schema.prisma"
    schema.write_text(schema.read_text().replace(LAST_REQUEST_AT, ""))
    before = migration_folders(project)

    refused = _migrate_dev(project, database_url, "--name", "drop", "--skip-generate")
    assert refused.returncode == 1, output(refused)
    assert (
        "You are about to drop the column `lastRequestAt` on the `RateLimit` table in schema "
        "`coach`, which still contains 2 non-null values." in refused.stdout
    )
    assert "--accept-data-loss" in refused.stderr
    assert migration_folders(project) == before  # nothing written
    column = (
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'coach'"
        " AND table_name = 'RateLimit' AND column_name = 'lastRequestAt'"
    )
    assert await _fetchval(database_url, column) == 1

    accepted = _migrate_dev(
        project, database_url, "--name", "drop", "--skip-generate", "--accept-data-loss"
    )
    assert accepted.returncode == 0, output(accepted)
    assert await _fetchval(database_url, column) == 0
    assert await _fetchval(database_url, 'SELECT count(*) FROM coach."RateLimit"') == 2


async def test_narrowing_a_type_warns_and_a_yes_on_a_terminal_applies_it(tmp_path, database_url):
    await _two_rate_limits(database_url)
    project = scratch_project(tmp_path)
    schema = project / "schema.prisma"
    text = schema.read_text()
    narrowed = text.replace(
        "  skoolUserId   String\n  /// Date of requests",
        "  skoolUserId   String   @db.VarChar(20)\n  /// Date of requests",
    )
    assert narrowed != text
    schema.write_text(narrowed)
    term = Terminal(
        [
            "node",
            str(project / "engines" / "prisma-cli.mjs"),
            "migrate",
            "dev",
            "--name",
            "narrow",
            "--skip-generate",
        ],
        cwd=project,
        env=env_for(database_url),
    )
    term.expect("Are you sure you want to create and apply this migration?")
    assert "which contains 2 non-null values" in term.seen
    assert "cast from `text` to `VARCHAR(20)`" in term.seen
    term.send("y")
    assert term.wait() == 0, term.seen
    kind = await _fetchval(
        database_url,
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = 'coach.\"RateLimit\"'::regclass AND attname = 'skoolUserId'",
    )
    assert kind == "character varying(20)"


async def test_drift_is_found_before_anything_is_written_and_needs_a_reset(tmp_path, database_url):
    """`db push` of a change, then `migrate dev`: Prisma's drift report, reset required."""
    project = scratch_project(tmp_path)
    append_to_schema(project, NEW_MODEL)
    pushed = prisma(database_url, "db", "push", "--skip-generate", cwd=project)
    assert pushed.returncode == 0, output(pushed)
    before = migration_folders(project)

    refused = _migrate_dev(project, database_url, "--name", "note", "--skip-generate")
    assert refused.returncode == 1, output(refused)
    assert (
        "Drift detected: Your database schema is not in sync with your migration history."
        in refused.stdout
    )
    assert "CoachNote" in refused.stdout
    assert "We need to reset" in refused.stderr
    assert migration_folders(project) == before
    failed = "SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NULL"
    assert await _fetchval(database_url, failed) == 0

    forced = _migrate_dev(
        project, database_url, "--name", "note", "--skip-generate", "--skip-seed", "--force"
    )
    assert forced.returncode == 0, output(forced)
    assert len(migration_folders(project) - before) == 1
    assert await _fetchval(database_url, failed) == 0
    assert await _fetchval(database_url, "SELECT count(*) FROM _prisma_migrations") == len(
        migration_folders(project)
    )


async def test_applied_migrations_missing_locally_need_a_reset_asked_on_a_terminal(
    tmp_path, database_url
):
    await _execute(
        database_url,
        """INSERT INTO _prisma_migrations
             (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ('gone-1', 'x', '20990101000000_gone', now(), now(), 1)""",
    )
    project = scratch_project(tmp_path)
    term = Terminal(
        ["node", str(project / "engines" / "prisma-cli.mjs"), "migrate", "dev", "--skip-generate"],
        cwd=project,
        env=env_for(database_url),
    )
    term.expect("Do you want to continue? All data will be lost.")
    assert "missing from the local migrations directory: 20990101000000_gone" in term.seen
    term.send("n")
    assert term.wait() == 1
    assert (
        await _fetchval(
            database_url,
            "SELECT count(*) FROM _prisma_migrations WHERE migration_name = '20990101000000_gone'",
        )
        == 1
    )


async def test_migrate_dev_on_an_empty_database_migrates_generates_and_seeds(
    empty_database_url,
):
    done = prisma(empty_database_url, "migrate", "dev")
    assert done.returncode == 0, output(done)
    assert GENERATOR_VERSION_ERROR not in output(done)
    assert "Generated Prisma Client Python" in done.stdout
    assert await _fetchval(empty_database_url, 'SELECT count(*) FROM coach."User"') > 0
    assert await _fetchval(empty_database_url, 'SELECT count(*) FROM madfam."Lead"') > 0
