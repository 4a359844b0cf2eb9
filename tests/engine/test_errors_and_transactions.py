"""Error codes map to the client's exceptions; transactions commit and roll back."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import asyncpg
import pytest
from prisma import Prisma, errors


async def test_unique_violation(client: Prisma) -> None:
    data = {"googleId": "g", "email": "e@example.com", "displayName": "E"}
    await client.coachuser.create(data=data)
    with pytest.raises(errors.UniqueViolationError):
        await client.coachuser.create(data=data)


async def test_foreign_key_violation(client: Prisma) -> None:
    with pytest.raises(errors.ForeignKeyViolationError):
        await client.message.create(
            data={"sessionId": "missing", "userId": "missing", "sender": "user", "content": "x"}
        )


async def test_a_missing_record_maps_to_record_not_found(client: Prisma) -> None:
    # update() returns None exactly when the engine answers P2025 (RecordNotFoundError).
    assert await client.coachuser.update(where={"id": "x"}, data={"role": "coach"}) is None
    with pytest.raises(errors.RecordNotFoundError):
        await client.coachuser.find_unique_or_raise(where={"id": "x"})


async def test_missing_required_value(client: Prisma) -> None:
    with pytest.raises(errors.MissingRequiredValueError):
        await client.coachuser.create(data={"googleId": "g", "email": "e@example.com"})  # type: ignore[typeddict-item]


async def test_table_not_found(client: Prisma, db: asyncpg.Connection) -> None:
    await db.execute('DROP TABLE coach."SkoolMonitoringLog"')
    with pytest.raises(errors.TableNotFoundError):
        await client.skoolmonitoringlog.find_many()


async def test_a_committed_transaction_persists(client: Prisma, db: asyncpg.Connection) -> None:
    async with client.tx() as tx:
        await tx.coachuser.create(
            data={"googleId": "g", "email": "e@example.com", "displayName": "E"}
        )
    assert await db.fetchval('SELECT count(*) FROM coach."User"') == 1


async def test_an_exception_rolls_the_transaction_back(
    client: Prisma, db: asyncpg.Connection
) -> None:
    with pytest.raises(RuntimeError, match=r"^abort$"):
        async with client.tx() as tx:
            await tx.coachuser.create(
                data={"googleId": "g", "email": "e@example.com", "displayName": "E"}
            )
            raise RuntimeError("abort")
    assert await db.fetchval('SELECT count(*) FROM coach."User"') == 0


async def test_a_transaction_past_its_timeout_is_expired(client: Prisma) -> None:
    with pytest.raises(errors.TransactionExpiredError):
        async with client.tx(timeout=dt.timedelta(milliseconds=200)) as tx:
            await tx.coachuser.create(
                data={"googleId": "g", "email": "e@example.com", "displayName": "E"}
            )
            # poll (with a deadline) until the engine has expired the transaction
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                await tx.coachuser.count()
                await asyncio.sleep(0.05)
    assert await client.coachuser.count() == 0
