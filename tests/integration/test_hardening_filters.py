"""Issue 14, finding 1: a value where an id belongs is never a filter.

Before, ``SessionRepository.revoke({"not": "x"})`` revoked every session of every user, and
the same shape cancelled every appointment, completed every coaching session and
acknowledged or dismissed every alert: the dict went into the client's ``where`` as an
operator. Now each such call is an InvalidInputError naming the argument, and no row moves.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.airbar.repository import SessionRepository
from domainlayer.churn.repository import ChurnRepository
from domainlayer.coach.repository import CoachingRepository
from domainlayer.errors import InvalidInputError
from tests.support.rows import insert_row

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
FILTERS: list[Any] = [{"not": "x"}, {"in": ["a"]}, {"contains": ""}, ["x"], None, 7]


async def test_a_filter_where_an_airbar_id_belongs_revokes_and_reads_nothing(
    client: Prisma, db: asyncpg.Connection
) -> None:
    sessions = SessionRepository(client)
    for email in ("a@x.io", "b@x.io"):
        user = await client.airbaruser.create(
            data={"email": email, "firstName": "A", "lastName": "B", "country": "US"}
        )
        for n in range(2):
            await sessions.open(
                user.id, device_fingerprint=f"fp-{n}", device_type="desktop",
                ip_address="203.0.113.7", country="US", now=NOW,
            )  # fmt: skip
    for value in FILTERS:
        with pytest.raises(InvalidInputError, match="session_id"):
            await sessions.revoke(value, reason="probe", now=NOW)
        with pytest.raises(InvalidInputError, match="user_id"):
            await sessions.revoke_all(value, reason="probe", now=NOW)
        with pytest.raises(InvalidInputError, match="user_id"):
            await sessions.active_sessions(value, NOW)
    assert await db.fetchval("SELECT count(*) FROM airbar.user_sessions WHERE is_active") == 4


async def test_a_filter_where_a_coach_id_belongs_cancels_and_completes_nothing(
    client: Prisma, db: asyncpg.Connection
) -> None:
    coach = await client.coachuser.create(
        data={"googleId": "c", "email": "c@x.io", "displayName": "C", "role": "coach"}
    )
    coaching = CoachingRepository(client)
    for n in range(3):
        appointment = await coaching.book_appointment(
            client_id=coach.id, coach_id=coach.id, scheduled_for=NOW + timedelta(days=n)
        )
        await coaching.join_room(room_id=appointment.roomId, user_id=coach.id, now=NOW)
    for value in FILTERS:
        with pytest.raises(InvalidInputError, match="appointment_id"):
            await coaching.cancel_appointment(value, by="probe", now=NOW)
        with pytest.raises(InvalidInputError, match="session_id"):
            await coaching.complete_session(value, now=NOW)
        with pytest.raises(InvalidInputError, match="session_id"):
            await coaching.cancel_session(value, now=NOW)
        with pytest.raises(InvalidInputError, match="session_id"):
            await coaching.record_warning(value)
    assert (
        await db.fetchval("SELECT count(*) FROM coach.\"Appointment\" WHERE status = 'scheduled'")
        == 3
    )
    assert (
        await db.fetchval(
            'SELECT count(*) FROM coach."Session" WHERE status = \'active\' AND "warningsSent" = 0'
        )
        == 3
    )


async def test_a_filter_where_an_alert_id_belongs_touches_no_alert(
    client: Prisma, db: asyncpg.Connection
) -> None:
    for _ in range(3):
        await insert_row(db, "churn", "Alert", status="OPEN", type="churn_risk")
    churn = ChurnRepository(client)
    for value in FILTERS:
        with pytest.raises(InvalidInputError, match="alert_id"):
            await churn.acknowledge_alert(value, "csm", NOW)
        with pytest.raises(InvalidInputError, match="alert_id"):
            await churn.dismiss_alert(value, "csm", NOW)
        with pytest.raises(InvalidInputError, match="alert_id"):
            await churn.resolve_alert(value, "csm", NOW)
    assert await db.fetchval("SELECT count(*) FROM churn.\"Alert\" WHERE status = 'OPEN'") == 3
