"""The shared repository layer: the client's errors become ours; units of work are atomic."""

from __future__ import annotations

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.errors import ConflictError, InvalidInputError, NotFoundError
from domainlayer.repository import translating_errors, unit_of_work

USER = {"googleId": "g", "email": "e@example.com", "displayName": "E"}


async def test_a_unique_violation_is_a_conflict(client: Prisma) -> None:
    await client.coachuser.create(data=USER)
    with pytest.raises(ConflictError) as raised, translating_errors():
        await client.coachuser.create(data=USER)
    assert "googleId" in str(raised.value) or "email" in str(raised.value)


async def test_a_missing_record_is_not_found_and_a_lookup_error(client: Prisma) -> None:
    with pytest.raises(NotFoundError) as raised, translating_errors():
        await client.coachuser.find_unique_or_raise(where={"id": "nope"})
    assert isinstance(raised.value, LookupError)


async def test_a_missing_required_value_is_invalid_input(client: Prisma) -> None:
    with pytest.raises(InvalidInputError), translating_errors():
        await client.coachuser.create(data={"googleId": "g"})  # type: ignore[typeddict-item]


async def test_a_unit_of_work_commits_on_success(client: Prisma, db: asyncpg.Connection) -> None:
    async with unit_of_work(client) as tx:
        await tx.coachuser.create(data=USER)
    assert await db.fetchval('SELECT count(*) FROM coach."User"') == 1


async def test_a_failing_unit_of_work_writes_nothing(
    client: Prisma, db: asyncpg.Connection
) -> None:
    with pytest.raises(ConflictError):
        async with unit_of_work(client) as tx:
            await tx.coachuser.create(data=USER)
            await tx.coachuser.create(data=USER)
    assert await db.fetchval('SELECT count(*) FROM coach."User"') == 0
