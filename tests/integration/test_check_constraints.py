"""003's CHECK constraints live in the migration SQL: each rejects a bad row, stores none."""

from __future__ import annotations

import asyncpg
import pytest

from tests.support.rows import insert_row


async def _appointment(db: asyncpg.Connection) -> tuple[str, str]:
    coach = await insert_row(db, "coach", "User", id="u-coach", role="coach")
    client = await insert_row(db, "coach", "User", id="u-client", role="client")
    appointment = await insert_row(
        db, "coach", "Appointment", id="a-1", coachId=coach["id"], clientId=client["id"]
    )
    return appointment["id"], client["id"]


async def _session(db: asyncpg.Connection) -> str:
    appointment_id, client_id = await _appointment(db)
    session = await insert_row(
        db, "coach", "Session", id="s-1", appointmentId=appointment_id, userId=client_id
    )
    return str(session["id"])


async def _count(db: asyncpg.Connection, table: str) -> int:
    return int(await db.fetchval(f'SELECT count(*) FROM coach."{table}"'))


@pytest.mark.parametrize("rating", [1, 3, 5])
async def test_a_rating_from_1_to_5_is_stored(db: asyncpg.Connection, rating: int) -> None:
    session_id = await _session(db)
    await insert_row(db, "coach", "SessionRating", id="r-1", sessionId=session_id, rating=rating)
    assert await _count(db, "SessionRating") == 1


@pytest.mark.parametrize("rating", [0, 6, -1])
async def test_a_rating_outside_1_to_5_is_rejected_and_not_stored(
    db: asyncpg.Connection, rating: int
) -> None:
    session_id = await _session(db)
    with pytest.raises(asyncpg.CheckViolationError):
        await insert_row(
            db, "coach", "SessionRating", id="r-1", sessionId=session_id, rating=rating
        )
    assert await _count(db, "SessionRating") == 0


@pytest.mark.parametrize("minutes", [0, -30])
async def test_an_appointment_must_last_more_than_zero_minutes(
    db: asyncpg.Connection, minutes: int
) -> None:
    coach = await insert_row(db, "coach", "User", id="u-coach", role="coach")
    client = await insert_row(db, "coach", "User", id="u-client", role="client")
    with pytest.raises(asyncpg.CheckViolationError):
        await insert_row(
            db,
            "coach",
            "Appointment",
            id="a-1",
            coachId=coach["id"],
            clientId=client["id"],
            durationMin=minutes,
        )
    assert await _count(db, "Appointment") == 0


@pytest.mark.parametrize("minutes", [0, -20])
async def test_a_session_must_last_more_than_zero_minutes(
    db: asyncpg.Connection, minutes: int
) -> None:
    appointment_id, client_id = await _appointment(db)
    with pytest.raises(asyncpg.CheckViolationError):
        await insert_row(
            db,
            "coach",
            "Session",
            id="s-1",
            appointmentId=appointment_id,
            userId=client_id,
            durationMinutes=minutes,
        )
    assert await _count(db, "Session") == 0


async def test_positive_durations_are_stored(db: asyncpg.Connection) -> None:
    session_id = await _session(db)
    row = await db.fetchrow(
        'SELECT s."durationMinutes", a."durationMin" FROM coach."Session" s '
        'JOIN coach."Appointment" a ON a.id = s."appointmentId" WHERE s.id = $1',
        session_id,
    )
    assert row is not None
    assert row["durationMinutes"] > 0
    assert row["durationMin"] > 0
