"""coach coaching flows on the real database: appointments, sessions, ratings, memberships."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from prisma import Prisma
from prisma.models import Appointment

from domainlayer.coach.errors import SessionInactive
from domainlayer.coach.repository import CoachingRepository
from domainlayer.errors import ConflictError, InvalidInputError

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
async def people(client: Prisma) -> tuple[str, str]:
    coach = await client.coachuser.create(
        data={"googleId": "c", "email": "c@x.io", "displayName": "Coach", "role": "coach"}
    )
    member = await client.coachuser.create(
        data={"googleId": "m", "email": "m@x.io", "displayName": "Member"}
    )
    return coach.id, member.id


@pytest.fixture
def coaching(client: Prisma) -> CoachingRepository:
    return CoachingRepository(client)


@pytest.fixture
async def appointment(coaching: CoachingRepository, people: tuple[str, str]) -> Appointment:
    coach_id, member_id = people
    return await coaching.book_appointment(
        client_id=member_id, coach_id=coach_id, scheduled_for=NOW
    )


async def test_a_session_runs_from_room_join_to_completion_and_rating(
    coaching: CoachingRepository,
    appointment: Appointment,
    people: tuple[str, str],
    db: asyncpg.Connection,
) -> None:
    _, member_id = people
    assert appointment.roomId.startswith("session-")
    session = await coaching.join_room(room_id=appointment.roomId, user_id=member_id, now=NOW)
    rejoined = await coaching.join_room(room_id=appointment.roomId, user_id=member_id, now=NOW)
    assert rejoined.id == session.id and session.durationMinutes == 20
    assert await coaching.record_warning(session.id) == 1
    await coaching.post_message(session.id, member_id, "user", "Can we focus on breathing?")
    await coaching.complete_session(
        session.id, now=NOW + timedelta(minutes=20), transcript="...", ai_summary="calmer"
    )
    with pytest.raises(SessionInactive):
        await coaching.cancel_session(session.id, now=NOW)
    rating = await coaching.rate_session(session.id, rating=5, tip=5, comment="Very helpful")
    assert rating.rating == 5
    with pytest.raises(ConflictError, match="Unique constraint failed"):
        await coaching.rate_session(session.id, rating=4)
    row = await db.fetchrow('SELECT status, "aiSummary" FROM coach."Session"')
    assert row is not None and tuple(row) == ("completed", "calmer")


@pytest.mark.parametrize(("rating", "tip"), [(0, None), (6, None), (5, 2), (3, 10.0)])
async def test_bad_ratings_and_tips_write_nothing(
    coaching: CoachingRepository,
    appointment: Appointment,
    people: tuple[str, str],
    db: asyncpg.Connection,
    rating: int,
    tip: float,
) -> None:
    _, member_id = people
    session = await coaching.join_room(room_id=appointment.roomId, user_id=member_id, now=NOW)
    with pytest.raises(
        InvalidInputError, match=r"a rating is 1\.\.5 stars|a tip is \$1, \$3 or \$5"
    ):
        await coaching.rate_session(session.id, rating=rating, tip=tip)
    assert await db.fetchval('SELECT count(*) FROM coach."SessionRating"') == 0


async def test_cancelling_an_appointment_records_who_and_when(
    coaching: CoachingRepository,
    appointment: Appointment,
    people: tuple[str, str],
    db: asyncpg.Connection,
) -> None:
    _, member_id = people
    await coaching.cancel_appointment(appointment.id, by=member_id, now=NOW)
    row = await db.fetchrow('SELECT status, "cancelledBy" FROM coach."Appointment"')
    assert row is not None and tuple(row) == ("cancelled", member_id)


async def test_onboarding_and_client_context(client: Prisma, people: tuple[str, str]) -> None:
    _, member_id = people
    coaching = CoachingRepository(client)
    await coaching.complete_onboarding(
        member_id, goals="Reduce anxiety", symptoms="Shallow breathing", initial_mood=3, now=NOW
    )
    text = await coaching.add_client_context(
        member_id, facts=["Prefers morning sessions"], challenges=["Consistency"]
    )
    assert text.splitlines() == [
        "Client Facts: Prefers morning sessions",
        "Challenges: Consistency",
        "Goals: Reduce anxiety",
        "Symptoms: Shallow breathing",
    ]
    with pytest.raises(InvalidInputError, match=r"the initial mood is 1\.\.5 stars"):
        await coaching.complete_onboarding(
            member_id, goals="", symptoms="", initial_mood=9, now=NOW
        )


async def test_membership_changes_are_recorded_and_re_determine_the_role(
    client: Prisma, people: tuple[str, str], db: asyncpg.Connection
) -> None:
    _, member_id = people
    coaching = CoachingRepository(client)
    became = await coaching.record_membership_status(
        member_id, community="ultra", new_status="active", now=NOW
    )
    assert became.role == "coach"
    grace = await coaching.record_membership_status(
        member_id,
        community="ultra",
        new_status="cancelled",
        now=NOW,
        end_date=NOW + timedelta(days=3),
    )
    assert grace.role == "coach"
    lapsed = await coaching.record_membership_status(
        member_id, community="ultra", new_status="expired", now=NOW + timedelta(days=4)
    )
    assert lapsed.role == "client"
    history = await db.fetch(
        'SELECT "previousStatus", "newStatus" FROM coach."MembershipStatusHistory" '
        'ORDER BY "changeDetectedAt", "newStatus"'
    )
    assert [tuple(r) for r in history] == [
        (None, "active"),
        ("active", "cancelled"),
        ("cancelled", "expired"),
    ]


async def test_skool_sync_runs_are_logged_with_their_outcome(
    client: Prisma, db: asyncpg.Connection
) -> None:
    coaching = CoachingRepository(client)
    ok = await coaching.record_skool_sync(
        community="ultra",
        members_found=120,
        new_members=3,
        cancelled_members=1,
        duration_ms=840,
        now=NOW,
    )
    assert ok.success and ok.errorMessage is None
    failed = await coaching.record_skool_sync(
        community="vagus",
        members_found=0,
        new_members=0,
        cancelled_members=0,
        duration_ms=30_000,
        now=NOW,
        error="Skool API timed out",
    )
    assert not failed.success and failed.errorMessage == "Skool API timed out"
    rows = await db.fetch(
        'SELECT community, "membersFound", success FROM coach."SkoolMonitoringLog" ORDER BY id'
    )
    assert [tuple(r) for r in rows] == [("ultra", 120, True), ("vagus", 0, False)]


@pytest.mark.parametrize(
    "overrides",
    [
        {"community": "premium"},
        {"members_found": -1},
        {"duration_ms": 1.5},
        {"new_members": 500},
        {"cancelled_members": True},
    ],
)
async def test_bad_skool_sync_logs_write_nothing(
    client: Prisma, db: asyncpg.Connection, overrides: dict[str, object]
) -> None:
    arguments: dict[str, object] = {
        "community": "ultra",
        "members_found": 120,
        "new_members": 3,
        "cancelled_members": 1,
        "duration_ms": 840,
        "now": NOW,
    } | overrides
    with pytest.raises(
        InvalidInputError,
        match=r"community must be one of|member counts and the duration are whole numbers|"
        r"more new members than members",
    ):
        await CoachingRepository(client).record_skool_sync(**arguments)  # type: ignore[arg-type]
    assert await db.fetchval('SELECT count(*) FROM coach."SkoolMonitoringLog"') == 0
