"""travel error monitoring (002: "error_logs: Fingerprinting, grouping, resolution") on the
real database: the branches the first suite left out. A group keeps the worst severity it has
seen, the latest page and user, the occurrence's metadata; lookups of unknown groups and bad
filters are typed errors that change nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.errors import InvalidInputError
from domainlayer.travel.error_logs import ErrorGroupNotFound
from domainlayer.travel.repositories.error_logs import ErrorLogRepository

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


async def test_a_milder_occurrence_never_lowers_the_groups_severity(
    client: Prisma, db: asyncpg.Connection
) -> None:
    repo = ErrorLogRepository(client)
    for severity in ("error", "info", "warning", "error"):
        await repo.record(
            error_type="PaymentError", message="card declined", severity=severity, now=NOW
        )

    row = await db.fetchrow("SELECT severity, occurrences FROM travel.error_logs")
    assert row is not None and tuple(row) == ("error", 4)
    await repo.record(error_type="PaymentError", message="card declined", severity="fatal", now=NOW)
    assert await db.fetchval("SELECT severity FROM travel.error_logs") == "fatal"


async def test_a_group_shows_the_latest_page_and_user_and_keeps_them_when_unknown(
    client: Prisma,
) -> None:
    repo = ErrorLogRepository(client)
    first = await repo.record(
        error_type="TypeError", message="x is undefined", url="/deals/1", user_id="u1", now=NOW
    )
    await repo.record(
        error_type="TypeError",
        message="x is undefined",
        url="/deals/2",
        user_id="u2",
        now=NOW + timedelta(minutes=1),
    )
    await repo.record(error_type="TypeError", message="x is undefined", now=NOW)

    group = await repo.get(first.group_id)
    assert (group.url, group.userId, group.occurrences) == ("/deals/2", "u2", 3)
    assert group.lastSeen == NOW + timedelta(minutes=1) and group.firstSeen == NOW


async def test_the_first_occurrence_stores_its_metadata_and_stack(
    client: Prisma, db: asyncpg.Connection
) -> None:
    repo = ErrorLogRepository(client)
    stack = "RangeError: bad\n    at price (/app/src/price.ts:10:3)"
    occurrence = await repo.record(
        error_type="RangeError",
        message="bad fare 12.50",
        stack=stack,
        metadata={"browser": "firefox", "release": 42},
        now=NOW,
    )

    row = await db.fetchrow(
        "SELECT fingerprint, stack, metadata, error_type FROM travel.error_logs WHERE id = $1",
        occurrence.group_id,
    )
    assert row is not None
    assert row["fingerprint"] == occurrence.fingerprint and len(occurrence.fingerprint) == 32
    assert row["stack"] == stack and row["error_type"] == "RangeError"
    assert json.loads(row["metadata"]) == {"browser": "firefox", "release": 42}


async def test_an_unknown_group_is_not_found(client: Prisma, db: asyncpg.Connection) -> None:
    repo = ErrorLogRepository(client)

    with pytest.raises(ErrorGroupNotFound, match="no error group 'c0000'"):
        await repo.get("c0000")
    with pytest.raises(InvalidInputError, match="group_id is required"):
        await repo.get("")

    assert await db.fetchval("SELECT count(*) FROM travel.error_logs") == 0


async def test_open_groups_are_the_unresolved_most_recent_first_limited(
    client: Prisma,
) -> None:
    repo = ErrorLogRepository(client)
    older = await repo.record(error_type="A", message="a", severity="warning", now=NOW)
    newer = await repo.record(
        error_type="B", message="b", severity="warning", now=NOW + timedelta(hours=1)
    )
    fatal = await repo.record(
        error_type="C", message="c", severity="fatal", now=NOW + timedelta(hours=2)
    )
    closed = await repo.record(error_type="D", message="d", now=NOW + timedelta(hours=3))
    await repo.resolve(closed.group_id, by="admin_1", now=NOW + timedelta(hours=4))

    everything = [g.id for g in await repo.open_groups()]
    assert everything == [fatal.group_id, newer.group_id, older.group_id]
    assert [g.id for g in await repo.open_groups(limit=1)] == [fatal.group_id]
    warnings = [g.id for g in await repo.open_groups(severity="warning")]
    assert warnings == [newer.group_id, older.group_id]
    assert await repo.open_groups(severity="info") == []


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"severity": "critical"}, "severity is one of info, warning, error, fatal"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
    ],
)
async def test_a_bad_filter_of_open_groups_is_refused(
    client: Prisma, arguments: dict[str, object], match: str
) -> None:
    with pytest.raises(InvalidInputError, match=match):
        await ErrorLogRepository(client).open_groups(**arguments)  # type: ignore[arg-type]


async def test_a_bad_resolution_changes_nothing(client: Prisma, db: asyncpg.Connection) -> None:
    repo = ErrorLogRepository(client)
    occurrence = await repo.record(error_type="E", message="boom", now=NOW)

    with pytest.raises(InvalidInputError, match="now must be a timezone-aware datetime"):
        await repo.resolve(occurrence.group_id, by="admin_1", now=datetime(2026, 1, 1))
    with pytest.raises(InvalidInputError, match="by is required"):
        await repo.resolve(occurrence.group_id, by=" ", now=NOW)

    row = await db.fetchrow("SELECT resolved, resolved_by FROM travel.error_logs")
    assert row is not None and tuple(row) == (False, None)
