"""PostgreSQL restarting under load (#14.6, "Faults"): in-flight callers on every path get
``DatabaseUnavailableError`` within a bounded time, nothing else escapes, and afterwards the
same client, repositories and pool work again without the caller rebuilding anything.

The server restarted here is one of the test module's own (an :class:`EmbeddedPostgres` in
a temporary folder, migrated with ``migrate deploy``), never the session's shared server.
Paths (:class:`tests.support.restart_drill.Paths`): the generated client through
``domainlayer.client`` (a coach repository's raw statement, a madfam repository's model
queries inside a unit of work, a bare model query and raw SQL), and the asyncpg pool of
``domainlayer.pool`` (the same coach repository given the pool, and raw SQL through
:class:`~domainlayer.repository.PoolSql`). Run with ``-s`` to see the figures;
``scripts/bench_faults.py`` runs the same drill several times and prints them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from domainlayer.database import EmbeddedPostgres
from domainlayer.errors import DatabaseUnavailableError
from tests.support.restart_drill import (
    CALL_BOUND,
    RECOVERY_DEADLINE,
    DrillResult,
    Paths,
    connected,
    create_leads,
    drill,
    own_server,
)


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedPostgres]:
    """A migrated PostgreSQL of this module's own, restarted by its tests."""
    with own_server() as server:
        yield server


@pytest.fixture
async def paths(server: EmbeddedPostgres) -> AsyncIterator[Paths]:
    async with connected(server) as paths:
        yield paths


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
    lead_ids = await create_leads(paths.client, 12)
    result = await drill(server.restart, paths.operations(lead_ids), slow=paths.slow())
    _check(result, paths)


async def test_a_killed_postmaster_gives_typed_errors_and_the_same_objects_recover(
    server: EmbeddedPostgres, paths: Paths
) -> None:
    lead_ids = await create_leads(paths.client, 12)
    result = await drill(
        lambda: server.restart(crash=True), paths.operations(lead_ids), slow=paths.slow()
    )
    _check(result, paths)
    # crash recovery kept every committed lead
    assert await paths.client.lead.count() >= len(lead_ids)


async def test_calls_while_the_server_is_down_fail_typed_and_work_once_it_is_back(
    server: EmbeddedPostgres, paths: Paths
) -> None:
    operations = paths.operations(await create_leads(paths.client, 3))
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
