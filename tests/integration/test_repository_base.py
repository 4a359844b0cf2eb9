"""The shared repository layer: the client's errors become ours; units of work are atomic."""

from __future__ import annotations

import time
from datetime import timedelta

import asyncpg
import pytest
from prisma import Prisma
from prisma import errors as prisma_errors

from domainlayer.errors import (
    ConflictError,
    DatabaseUnavailableError,
    InvalidInputError,
    NotFoundError,
    OperationTimeoutError,
)
from domainlayer.repository import domain_error_for, translating_errors, unit_of_work

USER = {"googleId": "g", "email": "e@example.com", "displayName": "E"}


async def test_a_unique_violation_is_a_conflict(client: Prisma) -> None:
    await client.coachuser.create(data=USER)
    with (
        pytest.raises(ConflictError, match="Unique constraint failed") as raised,
        translating_errors(),
    ):
        await client.coachuser.create(data=USER)
    assert "googleId" in str(raised.value) or "email" in str(raised.value)


async def test_a_missing_record_is_not_found_and_a_lookup_error(client: Prisma) -> None:
    with (
        pytest.raises(NotFoundError, match="Expected a record, found none") as raised,
        translating_errors(),
    ):
        await client.coachuser.find_unique_or_raise(where={"id": "nope"})
    assert isinstance(raised.value, LookupError)


async def test_a_missing_required_value_is_invalid_input(client: Prisma) -> None:
    with (
        pytest.raises(InvalidInputError, match="A value is required but not set"),
        translating_errors(),
    ):
        await client.coachuser.create(data={"googleId": "g"})  # type: ignore[typeddict-item]


async def test_a_unit_of_work_commits_on_success(client: Prisma, db: asyncpg.Connection) -> None:
    async with unit_of_work(client) as tx:
        await tx.coachuser.create(data=USER)
    assert await db.fetchval('SELECT count(*) FROM coach."User"') == 1


async def test_a_failing_unit_of_work_writes_nothing(
    client: Prisma, db: asyncpg.Connection
) -> None:
    with pytest.raises(ConflictError, match="Unique constraint failed"):
        async with unit_of_work(client) as tx:
            await tx.coachuser.create(data=USER)
            await tx.coachuser.create(data=USER)
    assert await db.fetchval('SELECT count(*) FROM coach."User"') == 0


async def test_a_unit_of_work_past_its_timeout_stops_the_statement_on_the_server(
    client: Prisma, db: asyncpg.Connection
) -> None:
    started = time.monotonic()
    with pytest.raises(OperationTimeoutError) as raised:
        async with unit_of_work(client, timeout=timedelta(seconds=1)) as tx:
            await tx.query_raw("SELECT pg_sleep(4) /* uow-timeout-probe */")
    answered = time.monotonic() - started
    assert isinstance(raised.value, DatabaseUnavailableError)
    assert not isinstance(raised.value, ConflictError)
    assert answered < 2.5, f"answered after {answered:.2f} s"
    running = await db.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
        " AND query LIKE '%uow-timeout-probe%' AND pid <> pg_backend_pid()"
    )
    assert running == 0
    # The same client goes on working.
    assert await client.coachuser.count() == 0


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("P1001", DatabaseUnavailableError),  # can't reach the server
        ("P1000", DatabaseUnavailableError),  # authentication failed
        ("P1003", DatabaseUnavailableError),  # database does not exist
        ("P1017", DatabaseUnavailableError),  # server closed the connection
        ("P1008", OperationTimeoutError),
        ("P2024", OperationTimeoutError),  # no pooled connection in time
    ],
)
def test_prisma_infrastructure_codes_map_to_database_unavailable(code: str, expected: type) -> None:
    error = prisma_errors.DataError({"user_facing_error": {"error_code": code, "message": "m"}})
    assert type(domain_error_for(error)) is expected


def test_transaction_timeouts_are_never_conflicts() -> None:
    expired = prisma_errors.TransactionExpiredError("Transaction already closed: expired")
    assert isinstance(domain_error_for(expired), OperationTimeoutError)
    waited = prisma_errors.TransactionError(
        "Transaction API error: Unable to start a transaction in the given time."
    )
    assert isinstance(domain_error_for(waited), OperationTimeoutError)
