"""HybridCoach coaching (003: appointments and their rooms, sessions, onboarding, client
context, Skool membership) on the real database: the branches the first suite left out.
Every operation on an appointment, room, session, profile or user that does not exist is a
typed not-found error and writes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.coach.errors import SessionNotFound
from domainlayer.coach.repository import CoachingRepository
from domainlayer.errors import InvalidInputError

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
COACH_TABLES = ("Appointment", "Session", "Profile", "User", "MembershipStatusHistory")


async def _rows(db: asyncpg.Connection) -> dict[str, int]:
    return {
        table: int(await db.fetchval(f'SELECT count(*) FROM coach."{table}"'))
        for table in COACH_TABLES
    }


async def test_cancelling_an_unknown_appointment_is_not_found(
    client: Prisma, db: asyncpg.Connection
) -> None:
    before = await _rows(db)
    with pytest.raises(SessionNotFound, match="no open appointment 'appt-404'"):
        await CoachingRepository(client).cancel_appointment("appt-404", by="coach", now=NOW)
    assert await _rows(db) == before


async def test_joining_a_room_without_an_appointment_is_not_found(
    client: Prisma, db: asyncpg.Connection
) -> None:
    before = await _rows(db)
    with pytest.raises(SessionNotFound, match="no open appointment for room 'session-x'"):
        await CoachingRepository(client).join_room(room_id="session-x", user_id="u1", now=NOW)
    assert await _rows(db) == before


async def test_a_warning_for_an_unknown_session_is_not_found(client: Prisma) -> None:
    with pytest.raises(SessionNotFound, match="no coaching session 'sess-404'"):
        await CoachingRepository(client).record_warning("sess-404")


async def test_client_context_for_a_user_without_a_profile_is_not_found(
    client: Prisma, db: asyncpg.Connection
) -> None:
    before = await _rows(db)
    with pytest.raises(SessionNotFound, match="no profile for user 'u-404'"):
        await CoachingRepository(client).add_client_context(
            "u-404", facts=["Prefers morning sessions"], challenges=[]
        )
    assert await _rows(db) == before


async def test_a_membership_change_of_an_unknown_user_records_no_history(
    client: Prisma, db: asyncpg.Connection
) -> None:
    before = await _rows(db)
    with pytest.raises(SessionNotFound, match="no user 'u-404'"):
        await CoachingRepository(client).record_membership_status(
            "u-404", community="ultra", new_status="cancelled", now=NOW
        )
    assert await _rows(db) == before


@pytest.mark.parametrize("mood", [True, 3.0, "3"])
async def test_an_initial_mood_that_is_not_a_whole_number_is_refused(
    client: Prisma, mood: object
) -> None:
    with pytest.raises(InvalidInputError, match=r"initial_mood must be an int, 1\.\.5 stars"):
        await CoachingRepository(client).complete_onboarding(
            "u1",
            goals="",
            symptoms="",
            initial_mood=mood,
            now=NOW,  # type: ignore[arg-type]
        )
