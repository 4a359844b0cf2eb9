"""Shared fixtures: a real PostgreSQL, one fresh migrated database per test.

The server is ``DATABASE_URL`` when set, else the project's embedded PostgreSQL (started
and reused as ``python -m seed`` does). Once per session the migrations are applied to a
template database whose name carries a hash of ``prisma_migrations/``, so a changed
history gets a new template; every test that asks for ``database_url`` gets its own copy
(``CREATE DATABASE ... TEMPLATE``), dropped afterwards. Nothing is mocked.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.client import connect_client
from domainlayer.database import resolve_database_url
from domainlayer.pool import connect_pool
from domainlayer.settings import PROJECT_ROOT, Settings
from domainlayer.testing import (
    create_isolated_database,
    database_name,
    drop_database,
    url_for_database,
)
from domainlayer.toolchain import migrate_deploy

MIGRATIONS = PROJECT_ROOT / "prisma_migrations"

# Variables that change what the code under test connects to or logs.
_BEHAVIOUR_VARIABLES = ("PRISMA_PY_DEBUG", "PRISMA_PY_DEBUG_GENERATOR", "DEBUG")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _BEHAVIOUR_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _migrations_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(MIGRATIONS).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@pytest.fixture(scope="session")
def admin_url() -> str:
    """URL of a maintenance database on the test server (may create databases)."""
    return resolve_database_url(Settings.load())


@pytest.fixture(scope="session")
async def template_database(admin_url: str) -> str:
    """Name of a database with every migration applied, used as a template."""
    name = f"domainlayer_template_{_migrations_hash()}"
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await conn.close()
    if not exists:
        building = f"{name}_building_{os.getpid()}"
        await create_isolated_database(admin_url, name=building)
        migrate_deploy(url_for_database(admin_url, building))
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        finally:
            await conn.close()
    return name


@pytest.fixture
async def database_url(admin_url: str, template_database: str) -> AsyncIterator[str]:
    """A fresh, fully migrated database of its own for one test."""
    url = await create_isolated_database(admin_url, template=template_database)
    try:
        yield url
    finally:
        await drop_database(admin_url, database_name(url))


@pytest.fixture
async def empty_database_url(admin_url: str) -> AsyncIterator[str]:
    """A fresh database with nothing in it (no migrations applied)."""
    url = await create_isolated_database(admin_url)
    try:
        yield url
    finally:
        await drop_database(admin_url, database_name(url))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A plain asyncpg connection to the test's own database, to check results with SQL."""
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[Prisma]:
    """A connected Prisma Client Python on the test's own database (pool of 10)."""
    db = await connect_client(f"{database_url}?connection_limit=10")
    try:
        yield db
    finally:
        if db.is_connected():
            await db.disconnect()


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """An asyncpg pool on the test's own database (what repositories take for hot paths)."""
    pool = await connect_pool(database_url, size=10)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture(scope="session")
def project_root() -> Iterator[Path]:
    yield PROJECT_ROOT


# Seeded databases (added for the scheduled-jobs tests) -----------------------------------

SEEDED_PRODUCTS = ("churn", "coach", "madfam")


def _seed_code_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted((PROJECT_ROOT / "src" / "seed").rglob("*.py")):
        digest.update(path.read_bytes())
    for path in sorted((PROJECT_ROOT / "seeds").rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


@pytest.fixture(scope="session")
async def seeded_template(admin_url: str, template_database: str) -> str:
    """A migrated database holding ``python -m seed --domain churn coach madfam`` (seed 1,
    now 2026-01-01T00:00Z), built once and copied by :func:`seeded_database_url`."""
    from seed.options import SeedOptions
    from seed.runner import seed_database

    name = f"domainlayer_seeded_{_migrations_hash()[:8]}_{_seed_code_hash()}"
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await conn.close()
    if not exists:
        building = f"{name}_building_{os.getpid()}"
        url = await create_isolated_database(admin_url, template=template_database, name=building)
        await seed_database(url, SeedOptions(domains=SEEDED_PRODUCTS))
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        finally:
            await conn.close()
    return name


@pytest.fixture
async def seeded_database_url(admin_url: str, seeded_template: str) -> AsyncIterator[str]:
    """A database of its own holding the deterministic seed of churn, coach and madfam."""
    url = await create_isolated_database(admin_url, template=seeded_template)
    try:
        yield url
    finally:
        await drop_database(admin_url, database_name(url))
