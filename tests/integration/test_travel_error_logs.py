"""travel error groups on the real database: fingerprints group, counts are exact."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.errors import InvalidInputError
from domainlayer.travel.error_logs import ErrorGroupNotFound
from domainlayer.travel.repositories.error_logs import ErrorLogRepository

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
STACK = "TypeError: x\n    at fetchDeals (/app/src/deals.ts:{line}:13)\n    at main (/app/m.ts:1:1)"


async def test_occurrences_of_one_fault_share_a_group(
    client: Prisma, db: asyncpg.Connection
) -> None:
    repo = ErrorLogRepository(client)
    first = await repo.record(
        error_type="TypeError",
        message="Cannot read deal 123 of undefined",
        stack=STACK.format(line=42),
        severity="warning",
        now=NOW,
        url="/deals/123",
    )
    second = await repo.record(
        error_type="TypeError",
        message="Cannot read deal 987 of undefined",
        stack=STACK.format(line=57),  # moved by a deploy: same fault
        severity="fatal",
        now=NOW - timedelta(hours=1),
    )
    third = await repo.record(
        error_type="TypeError",
        message="Cannot read deal 5 of undefined",
        now=NOW,
        stack="TypeError: x\n    at renderDeal (/app/src/card.ts:1:1)",
    )
    assert first.new_group and not second.new_group and third.new_group
    assert first.group_id == second.group_id != third.group_id
    group = await repo.get(first.group_id)
    assert group.occurrences == 2
    assert group.firstSeen == NOW - timedelta(hours=1) and group.lastSeen == NOW
    assert group.severity == "fatal"  # the worst seen
    assert group.url == "/deals/123"
    assert await db.fetchval("SELECT count(*) FROM travel.error_logs") == 2


async def test_concurrent_reporters_never_lose_a_count(
    client: Prisma, db: asyncpg.Connection
) -> None:
    repo = ErrorLogRepository(client)
    await asyncio.gather(
        *(
            repo.record(error_type="TimeoutError", message=f"upstream took {n} ms", now=NOW)
            for n in range(60)
        )
    )
    rows = await db.fetch("SELECT occurrences FROM travel.error_logs")
    assert [r["occurrences"] for r in rows] == [60]


async def test_resolve_and_reopen_and_a_regression_reopens(client: Prisma) -> None:
    repo = ErrorLogRepository(client)
    occurrence = await repo.record(error_type="E", message="boom 1", now=NOW)
    resolved = await repo.resolve(occurrence.group_id, by="admin_1", now=NOW)
    assert resolved.resolved and resolved.resolvedBy == "admin_1" and resolved.resolvedAt == NOW
    assert await repo.open_groups() == []
    reopened = await repo.reopen(occurrence.group_id)
    assert not reopened.resolved and reopened.resolvedAt is None and reopened.resolvedBy is None
    await repo.resolve(occurrence.group_id, by="admin_1", now=NOW)
    again = await repo.record(error_type="E", message="boom 2", now=NOW + timedelta(days=1))
    assert again.group_id == occurrence.group_id and again.occurrences == 2
    group = await repo.get(occurrence.group_id)
    assert not group.resolved and group.resolvedBy is None
    assert [g.id for g in await repo.open_groups(severity="error")] == [group.id]
    with pytest.raises(ErrorGroupNotFound):
        await repo.resolve("missing", by="x", now=NOW)
    with pytest.raises(ErrorGroupNotFound):
        await repo.reopen("missing")


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"message": " "}, "message is required"),
        ({"error_type": ""}, "error_type is required"),
        ({"severity": "critical"}, "severity is one of info, warning, error, fatal"),
        ({"now": datetime(2026, 1, 1)}, "now must be a timezone-aware datetime"),
        ({"metadata": {"bad": object()}}, "metadata"),
        ({"url": "x" * 3000}, "url is longer than 2048 characters"),
    ],
)
async def test_bad_occurrences_write_nothing(
    client: Prisma, db: asyncpg.Connection, overrides: dict[str, object], match: str
) -> None:
    fields: dict[str, object] = {"error_type": "E", "message": "m", "now": NOW}
    fields.update(overrides)
    with pytest.raises(InvalidInputError, match=match):
        await ErrorLogRepository(client).record(**fields)  # type: ignore[arg-type]
    assert await db.fetchval("SELECT count(*) FROM travel.error_logs") == 0
