"""PostgreSQL restarting under load (#14.6, "Faults"): in-flight callers on every path get
``DatabaseUnavailableError`` within a bounded time, nothing else escapes, and afterwards the
same client, repositories and pool work again without the caller rebuilding anything.

The server restarted here is one of the test module's own (an :class:`EmbeddedPostgres` in
a temporary folder, migrated with ``migrate deploy``), never the session's shared server.
Paths: the generated client through ``domainlayer.client`` (a coach repository's raw
statement, a madfam repository's model queries inside a unit of work, a bare model query
and raw SQL), and the asyncpg pool of ``domainlayer.pool`` (the same coach repository
given the pool, and raw SQL through :class:`~domainlayer.repository.PoolSql`).
``scripts/bench_faults.py`` runs the same drill and prints its figures.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.client import connect_client
from domainlayer.coach.repository import AuthRepository
from domainlayer.database import EmbeddedPostgres
from domainlayer.errors import DatabaseUnavailableError
from domainlayer.madfam.repository import FeatureFlagRepository, LeadRepository
from domainlayer.pool import connect_pool
from domainlayer.repository import PoolSql
from domainlayer.toolchain import migrate_deploy
from tests.support.restart_drill import (
    CALL_BOUND,
    RECOVERY_DEADLINE,
    DrillResult,
    Operation,
    drill,
)

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
DATABASE = "faults"


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedPostgres]:
    """A migrated PostgreSQL of this module's own, restarted by its tests.

    Its folder is not under pytest's temporary root: a concurrent pytest run resets that
    root to mode 0700, and the server's OS user (as root: ``embedded_postgres``) could no
    longer reach its cluster to stop or start it."""
    folder = Path(tempfile.mkdtemp(prefix="domainlayer-restart-"))
    server = EmbeddedPostgres(folder / "pg")
    try:
        server.ensure_running()
        server.create_database(DATABASE)
        migrate_deploy(server.url(DATABASE))
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Paths:
    client: Prisma
    pool: asyncpg.Pool
    engine_pid: int

    def operations(self, lead_ids: list[str]) -> dict[str, Operation]:
        """Every path, each through objects built once, before the fault."""
        client_auth = AuthRepository(self.client)
        pool_auth = AuthRepository(self.client, pool=self.pool)
        leads = LeadRepository(self.client)
        flags = FeatureFlagRepository(self.client)
        pool_sql = PoolSql(self.pool)
        statuses = ("CONTACTED", "QUALIFIED", "NEW")

        async def coach_client(n: int) -> object:
            return await client_auth.issue_code(f"skool-c{n}", "Ana", NOW)

        async def madfam_unit_of_work(n: int) -> object:
            return await leads.change_status(lead_ids[n % len(lead_ids)], statuses[n % 3])

        async def madfam_model(n: int) -> object:
            return await flags.enabled_for(f"u{n}", environment="prod")

        async def client_raw(n: int) -> object:
            return await self.client.query_raw("SELECT pg_sleep(0.02)::text AS slept, $1 AS n", n)

        async def coach_pool(n: int) -> object:
            return await pool_auth.issue_code(f"skool-p{n}", "Ana", NOW)

        async def pool_raw(n: int) -> object:
            return await pool_sql.fetchrow("SELECT pg_sleep(0.02)::text AS slept, $1::int AS n", n)

        return {
            "client: coach repository": coach_client,
            "client: madfam unit of work": madfam_unit_of_work,
            "client: madfam model query": madfam_model,
            "client: raw SQL": client_raw,
            "pool: coach repository": coach_pool,
            "pool: raw SQL": pool_raw,
        }

    def slow(self) -> dict[str, Operation]:
        """One long statement per path, sure to be running when the server goes down."""

        async def client_sleep(n: int) -> object:
            return await self.client.query_raw("SELECT pg_sleep(600)::text AS slept")

        async def pool_sleep(n: int) -> object:
            return await PoolSql(self.pool).fetchrow("SELECT pg_sleep(600)::text AS slept")

        return {
            "client: 10-minute statement": client_sleep,
            "pool: 10-minute statement": pool_sleep,
        }


@pytest.fixture
async def paths(server: EmbeddedPostgres) -> AsyncIterator[Paths]:
    url = server.url(DATABASE)
    client = await connect_client(f"{url}?connection_limit=10")
    pool = await connect_pool(url, size=10)
    try:
        pid = client._engine.process.pid  # type: ignore[attr-defined]
        yield Paths(client, pool, pid)
    finally:
        await pool.close()
        if client.is_connected():
            await client.disconnect()


async def _leads(client: Prisma, count: int) -> list[str]:
    repository = LeadRepository(client)
    return [
        (await repository.create_lead(email=f"lead{n}@corp.example", tier="L1_ESSENTIALS")).id
        for n in range(count)
    ]


def _check(result: DrillResult, paths: Paths) -> None:
    print(f"\nrestart took {result.downtime:.3f} s")
    for outcome in result.outcomes:
        print(outcome.summary())
        for escaped in outcome.escaped[:2]:
            print("   escaped:", escaped)
    problems = {
        o.path: {"escaped": o.escaped[:3], "hung": o.hung, "recovery": o.recovery_error}
        for o in result.outcomes
        if o.escaped or o.hung or (o.recovery is None and not o.slow)
    }
    assert problems == {}
    # the fault reached every path: each had callers that got the typed error
    assert all(o.typed_errors for o in result.outcomes), [
        o.path for o in result.outcomes if not o.typed_errors
    ]
    # the engine host lived through it (PostgreSQL going away is not the host's death)
    process = paths.client._engine.process  # type: ignore[attr-defined]
    assert process is not None and process.pid == paths.engine_pid and process.poll() is None


async def test_a_fast_restart_gives_typed_errors_and_the_same_objects_recover(
    server: EmbeddedPostgres, paths: Paths
) -> None:
    lead_ids = await _leads(paths.client, 12)
    result = await drill(server.restart, paths.operations(lead_ids), slow=paths.slow())
    _check(result, paths)


async def test_a_killed_postmaster_gives_typed_errors_and_the_same_objects_recover(
    server: EmbeddedPostgres, paths: Paths
) -> None:
    lead_ids = await _leads(paths.client, 12)
    result = await drill(
        lambda: server.restart(crash=True), paths.operations(lead_ids), slow=paths.slow()
    )
    _check(result, paths)
    # crash recovery kept every committed lead
    assert await paths.client.lead.count() >= len(lead_ids)


async def test_calls_while_the_server_is_down_fail_typed_and_work_once_it_is_back(
    server: EmbeddedPostgres, paths: Paths
) -> None:
    operations = paths.operations(await _leads(paths.client, 3))
    for operation in operations.values():
        await operation(0)
    await asyncio.to_thread(server.stop)
    try:
        for name, operation in operations.items():
            try:
                await asyncio.wait_for(operation(1), CALL_BOUND)
            except DatabaseUnavailableError:
                continue
            except Exception as exc:  # reported with its path
                pytest.fail(f"{name}: {type(exc).__name__}: {exc}")
            pytest.fail(f"{name} answered with the server stopped")
    finally:
        await asyncio.to_thread(server.ensure_running)
    for name, operation in operations.items():
        deadline = time.monotonic() + RECOVERY_DEADLINE
        while True:
            try:
                await asyncio.wait_for(operation(2), CALL_BOUND)
                break
            except DatabaseUnavailableError:
                assert time.monotonic() < deadline, f"{name} did not recover"
                await asyncio.sleep(0.05)
