"""Faults below the client (#14.3, #14.6): typed errors in bounded time, then recovery.

PostgreSQL terminating the host's connections (what a server restart does to them) is
done with pg_terminate_backend on the test's own database, so the other tests sharing the
server are not disturbed.
"""

from __future__ import annotations

import asyncio
import math
import time

import asyncpg
import pytest
from prisma import Json, Prisma

from domainlayer.errors import DatabaseUnavailableError, InvalidInputError


async def test_terminated_connections_give_typed_errors_and_the_same_client_recovers(
    client: Prisma, database_url: str
) -> None:
    await client.coachuser.create(
        data={"googleId": "g", "email": "e@example.com", "displayName": "E"}
    )
    engine = client._engine
    pid = engine.process.pid  # type: ignore[attr-defined]
    outcomes: list[object] = []
    stop = asyncio.Event()

    async def caller() -> None:
        while not stop.is_set():
            try:
                outcomes.append(
                    await client.query_raw("SELECT pg_sleep(0.05)::text AS slept, 1 AS one")
                )
            except Exception as exc:  # every outcome is checked below
                outcomes.append(exc)

    tasks = [asyncio.create_task(caller()) for _ in range(20)]
    admin = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + 10
        while len(outcomes) < 40 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        terminated = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert terminated > 0
        seen = len(outcomes)
        while len(outcomes) < seen + 60 and time.monotonic() < deadline + 10:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
        await admin.close()
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert all(isinstance(e, DatabaseUnavailableError) for e in errors), {
        type(e).__name__: str(e)[:200] for e in errors
    }
    # the host survived (same process) and serves again on the same client object
    assert engine.process is not None and engine.process.pid == pid  # type: ignore[attr-defined]
    assert engine.process.poll() is None  # type: ignore[attr-defined]
    assert await client.coachuser.count() == 1


async def test_a_nan_inside_json_is_refused_without_leaking_a_transaction(
    client: Prisma, database_url: str
) -> None:
    flag = await client.airbarfeatureflag.create(data={"key": "k", "name": "n"})
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(InvalidInputError, match="NaN and infinite"):
            async with client.tx() as tx:
                await tx.airbarfeatureflag.update(
                    where={"id": flag.id}, data={"metadata": Json({"x": [1, {"y": bad}]})}
                )
    # no transaction left open, and the row can be written at once
    admin = await asyncpg.connect(database_url)
    try:
        open_transactions = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%'"
        )
    finally:
        await admin.close()
    assert open_transactions == 0
    started = time.monotonic()
    updated = await client.airbarfeatureflag.update(
        where={"id": flag.id}, data={"metadata": Json({"x": 1})}
    )
    assert updated is not None and updated.metadata == {"x": 1}
    assert time.monotonic() - started < 5
