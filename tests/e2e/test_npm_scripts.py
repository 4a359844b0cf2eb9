"""Document 001's habits: `npm run <script>` and `npx prisma ...`, offline, on our CLI."""

from __future__ import annotations

import json

import asyncpg

from domainlayer.settings import PROJECT_ROOT
from tests.e2e.operator_support import GENERATOR_VERSION_ERROR, env_for, output
from tests.support.processes import run

#: Document 001's "Available Scripts", and the Prisma command each one is.
DOCUMENT_001_SCRIPTS = {
    "generate": "generate",
    "migrate": "migrate dev",
    "migrate:deploy": "migrate deploy",
    "migrate:reset": "migrate reset",
    "db:seed": "db seed",
    "db:studio": "studio",
    "db:push": "db push",
    "db:pull": "db pull",
    "format": "format",
}
PRISMA_HOST = "binaries.prisma.sh"


def test_every_script_of_document_001_runs_the_projects_prisma_command() -> None:
    scripts = json.loads((PROJECT_ROOT / "package.json").read_text())["scripts"]
    for name, command in DOCUMENT_001_SCRIPTS.items():
        assert scripts[name] == f"node engines/prisma-cli.mjs {command}", name


async def test_npm_run_migrate_deploy_then_db_seed(empty_database_url: str) -> None:
    env = env_for(empty_database_url)
    deployed = run(["npm", "run", "--silent", "migrate:deploy"], env=env)
    assert deployed.returncode == 0, output(deployed)
    seeded = run(["npm", "run", "--silent", "db:seed", "--", "--", "--domain", "madfam"], env=env)
    assert seeded.returncode == 0, output(seeded)
    conn = await asyncpg.connect(empty_database_url)
    try:
        leads = await conn.fetchval('SELECT count(*) FROM madfam."Lead"')
        coach_users = await conn.fetchval('SELECT count(*) FROM coach."User"')
    finally:
        await conn.close()
    assert leads > 0
    assert coach_users == 0


def test_npm_run_format_checks_the_committed_schema() -> None:
    done = run(["npm", "run", "--silent", "format", "--", "--check"])
    assert done.returncode == 0, output(done)


def test_npx_prisma_migrate_status_runs_offline_on_our_cli(database_url: str) -> None:
    done = run(["npx", "--offline", "prisma", "migrate", "status"], env=env_for(database_url))
    assert done.returncode == 0, output(done)
    assert "Database schema is up to date!" in done.stdout
    assert PRISMA_HOST not in output(done)


def test_npx_prisma_version_and_generate_run_offline_on_our_cli() -> None:
    version = run(["npx", "--offline", "prisma", "--version"])
    assert version.returncode == 0, output(version)
    assert "Prisma Client Python" in version.stdout
    generated = run(["npx", "--offline", "prisma", "generate"])
    assert generated.returncode == 0, output(generated)
    assert "Generated Prisma Client Python" in generated.stdout
    assert PRISMA_HOST not in output(generated)
    assert GENERATOR_VERSION_ERROR not in output(generated)
