"""Issue 14, finding 4: a `migrate deploy` killed mid-way leaves all of a migration or none,
and the next deploy completes.

A scratch migrations folder holds a quick migration and a slow one (``pg_sleep``); the
deploy (Prisma CLI 6.19 on the project's engines/pg-adapter.mjs) is SIGKILLed while the slow
script runs on the server. Two endings:
- the script goes on running for its dead client and commits: the migration is whole, and
  recorded as finished;
- the server ends the script (as a connection check would): nothing of it is applied.
Either way the next deploy exits 0 and the slow migration's table holds its one row.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from domainlayer.settings import PROJECT_ROOT
from tests.support.processes import run

SLOW_SECONDS = 6

_CONFIG = """
import '{root}/engines/cli-process.mjs'
import {{ defineConfig }} from 'prisma/config'
import {{ SchemaEnginePgFactory }} from '{root}/engines/pg-adapter.mjs'

export default defineConfig({{
  schema: 'schema.prisma',
  migrations: {{ path: 'migrations' }},
  experimental: {{ adapter: true }},
  engine: 'js',
  adapter: async () => new SchemaEnginePgFactory(process.env.DATABASE_URL),
}})
"""


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A project folder of two migrations (inside the project, so `prisma/config` resolves)."""
    base = PROJECT_ROOT / ".domainlayer"
    base.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="scratch-migrations-", dir=base))
    try:
        migrations = folder / "migrations"
        (migrations / "20200101000000_quick").mkdir(parents=True)
        (migrations / "20200102000000_slow").mkdir()
        (migrations / "migration_lock.toml").write_text('provider = "postgresql"\n')
        (migrations / "20200101000000_quick" / "migration.sql").write_text(
            "CREATE TABLE quick (id int);\nINSERT INTO quick VALUES (1);\n"
        )
        (migrations / "20200102000000_slow" / "migration.sql").write_text(
            "CREATE TABLE slow (id int);\n"
            f"SELECT pg_sleep({SLOW_SECONDS}); -- a long data migration\n"
            "INSERT INTO slow VALUES (1);\n"
        )
        (folder / "schema.prisma").write_text(
            'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n'
        )
        (folder / "prisma.config.ts").write_text(_CONFIG.format(root=PROJECT_ROOT.as_posix()))
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _deploy_command() -> list[str]:
    cli = PROJECT_ROOT / "node_modules" / "prisma" / "build" / "index.js"
    return ["node", str(cli), "migrate", "deploy", "--config", "prisma.config.ts"]


def _environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "PRISMA_HIDE_UPDATE_MESSAGE": "1",
        "CHECKPOINT_DISABLE": "1",
        "PRISMA_CLIENT_ENGINE_TYPE": "client",
    }


async def _slow_script_pid(url: str, deadline: float) -> int:
    """The server pid running the slow migration's script, polled until ``deadline``."""
    conn = await asyncpg.connect(url)
    try:
        while time.monotonic() < deadline:
            pid = await conn.fetchval(
                "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(' || $1 || ')%'"
                " AND pid <> pg_backend_pid()",
                str(SLOW_SECONDS),
            )
            if pid is not None:
                return int(pid)
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    raise AssertionError("the slow migration never started")


async def _kill_during_slow_migration(scratch: Path, url: str) -> int:
    deploy = await asyncio.create_subprocess_exec(
        *_deploy_command(),
        cwd=scratch,
        env=_environment(url),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        pid = await _slow_script_pid(url, time.monotonic() + 240)
    finally:
        os.killpg(deploy.pid, signal.SIGKILL)
        await asyncio.wait_for(deploy.wait(), timeout=30)
    return pid


async def _state(url: str) -> tuple[list[tuple[str, bool]], int | None]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations"
            " WHERE rolled_back_at IS NULL ORDER BY migration_name"
        )
        slow = None
        if await conn.fetchval("SELECT to_regclass('slow') IS NOT NULL"):
            slow = await conn.fetchval("SELECT count(*) FROM slow")
        return [(r["migration_name"], r["finished"]) for r in rows], slow
    finally:
        await conn.close()


def _redeploy(scratch: Path, url: str) -> subprocess.CompletedProcess[str]:
    return run(_deploy_command(), cwd=scratch, env=_environment(url), timeout=300)


APPLIED = [("20200101000000_quick", True), ("20200102000000_slow", True)]


async def test_a_deploy_killed_while_the_server_runs_its_script_ends_whole(
    scratch: Path, empty_database_url: str
) -> None:
    await _kill_during_slow_migration(scratch, empty_database_url)
    again = _redeploy(scratch, empty_database_url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert await _state(empty_database_url) == (APPLIED, 1)
    # and a third run has nothing to do
    third = _redeploy(scratch, empty_database_url)
    assert third.returncode == 0 and "No pending migrations" in third.stdout, third.stdout


async def test_a_deploy_killed_and_its_script_ended_leaves_none_and_reruns(
    scratch: Path, empty_database_url: str
) -> None:
    pid = await _kill_during_slow_migration(scratch, empty_database_url)
    conn = await asyncpg.connect(empty_database_url)
    try:
        await conn.execute("SELECT pg_terminate_backend($1)", pid)
        # the script's transaction rolled back: no table, the row unfinished
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if not await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
                break
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    assert await _state(empty_database_url) == (
        [("20200101000000_quick", True), ("20200102000000_slow", False)],
        None,
    )
    again = _redeploy(scratch, empty_database_url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert await _state(empty_database_url) == (APPLIED, 1)
