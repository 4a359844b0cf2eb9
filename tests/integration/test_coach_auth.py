"""coach auth on the real database: the daily limit and single use hold under concurrency."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.coach.errors import (
    AuthCodeNotFound,
    AuthCodeUnavailable,
    RateLimitExceeded,
    SessionExpired,
    SessionInactive,
    SessionNotFound,
)
from domainlayer.coach.repository import AuthRepository
from domainlayer.errors import InvalidInputError

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DEVICE = {"ip_address": "203.0.113.7", "user_agent": "ua/1", "device_fingerprint": "fp-1"}


@pytest.fixture(params=["client", "pool"])
def auth(request: pytest.FixtureRequest, client: Prisma) -> AuthRepository:
    """Every test runs twice: statements through the client, then over an asyncpg pool."""
    if request.param == "pool":
        return AuthRepository(client, pool=request.getfixturevalue("pool"))
    return AuthRepository(client)


async def test_a_code_has_the_documented_form_and_lasts_30_minutes(
    auth: AuthRepository, db: asyncpg.Connection
) -> None:
    issued = await auth.issue_code("skool-1", "Ana", NOW)
    assert re.fullmatch(rf"vgs-{int(NOW.timestamp() * 1000)}-[A-Za-z0-9_-]{{16}}", issued.code)
    assert issued.expires_at == NOW + timedelta(minutes=30)
    row = await db.fetchrow('SELECT "isActive", "usedAt" FROM coach."AuthCode"')
    assert row is not None and row["isActive"] and row["usedAt"] is None


async def test_the_sixth_code_of_a_day_is_refused_and_not_created(
    auth: AuthRepository, db: asyncpg.Connection
) -> None:
    for _ in range(5):
        await auth.issue_code("skool-1", "Ana", NOW)
    with pytest.raises(RateLimitExceeded):
        await auth.issue_code("skool-1", "Ana", NOW)
    assert await db.fetchval('SELECT count(*) FROM coach."AuthCode"') == 5
    # the next UTC day starts a new count
    await auth.issue_code("skool-1", "Ana", NOW + timedelta(days=1))
    assert await db.fetchval('SELECT count(*) FROM coach."RateLimit"') == 2


async def test_fifty_concurrent_requests_make_exactly_five_codes_and_count_fifty(
    auth: AuthRepository, db: asyncpg.Connection
) -> None:
    results = await asyncio.gather(
        *(auth.issue_code("skool-1", "Ana", NOW) for _ in range(50)), return_exceptions=True
    )
    assert sum(1 for r in results if isinstance(r, RateLimitExceeded)) == 45
    assert await db.fetchval('SELECT count(*) FROM coach."AuthCode"') == 5
    assert await db.fetchval('SELECT "requestCount" FROM coach."RateLimit"') == 50


async def test_a_hundred_concurrent_redeemers_open_exactly_one_session(
    auth: AuthRepository, db: asyncpg.Connection
) -> None:
    issued = await auth.issue_code("skool-1", "Ana", NOW)
    results = await asyncio.gather(
        *(auth.redeem_code(issued.code, now=NOW, **DEVICE) for _ in range(100)),
        return_exceptions=True,
    )
    opened = [r for r in results if not isinstance(r, BaseException)]
    assert len(opened) == 1
    assert all(isinstance(r, AuthCodeUnavailable) for r in results if r not in opened)
    assert await db.fetchval('SELECT count(*) FROM coach."UserSession"') == 1
    code = await db.fetchrow('SELECT "usedIpAddress", "isActive" FROM coach."AuthCode"')
    assert code is not None and code["usedIpAddress"] == "203.0.113.7" and not code["isActive"]
    assert opened[0].expires_at == NOW + timedelta(days=30)
    assert len(opened[0].token) >= 43


async def test_an_expired_or_unknown_code_opens_nothing(auth: AuthRepository) -> None:
    issued = await auth.issue_code("skool-1", "Ana", NOW)
    with pytest.raises(AuthCodeUnavailable):
        await auth.redeem_code(issued.code, now=NOW + timedelta(minutes=31), **DEVICE)
    with pytest.raises(AuthCodeNotFound):
        await auth.redeem_code("vgs-0-nope", now=NOW, **DEVICE)


async def test_session_validation_touches_live_sessions_and_types_the_rest(
    auth: AuthRepository, db: asyncpg.Connection
) -> None:
    issued = await auth.issue_code("skool-1", "Ana", NOW)
    session = await auth.redeem_code(issued.code, now=NOW, **DEVICE)
    later = NOW + timedelta(days=2)
    valid = await auth.validate_session(session.token, later)
    assert valid.skool_user_id == "skool-1"
    touched = await db.fetchval('SELECT "lastActive" FROM coach."UserSession"')
    assert touched.replace(tzinfo=UTC) == later
    with pytest.raises(SessionExpired):
        await auth.validate_session(session.token, NOW + timedelta(days=31))
    await db.execute('UPDATE coach."UserSession" SET "isActive" = false')
    with pytest.raises(SessionInactive):
        await auth.validate_session(session.token, later)
    with pytest.raises(SessionNotFound):
        await auth.validate_session("no-such-token", later)


async def test_bad_input_is_refused_and_writes_nothing(
    auth: AuthRepository, db: asyncpg.Connection
) -> None:
    with pytest.raises(InvalidInputError, match="skool_user_id is required"):
        await auth.issue_code("", "Ana", NOW)
    with pytest.raises(InvalidInputError, match="now must be a timezone-aware datetime"):
        await auth.issue_code("skool-1", "Ana", datetime(2026, 11, 25))
    assert await db.fetchval('SELECT count(*) FROM coach."RateLimit"') == 0


async def test_maintenance_cleans_up_and_archives_in_one_run(
    client: Prisma, auth: AuthRepository, db: asyncpg.Connection
) -> None:
    from domainlayer.coach.repository import MaintenanceRepository

    # a used, expired code whose session expired and ended: both go
    gone = await auth.issue_code("skool-1", "Ana", NOW - timedelta(days=40))
    old = await auth.redeem_code(gone.code, now=NOW - timedelta(days=40), **DEVICE)
    await db.execute(
        'UPDATE coach."UserSession" SET "isActive" = false '
        "WHERE \"sessionId\" = encode(sha256(convert_to($1, 'UTF8')), 'hex')",
        old.token,
    )
    # a used, expired code whose session is still live: kept (the FK needs it)
    kept = await auth.issue_code("skool-2", "Bo", NOW - timedelta(days=1))
    await auth.redeem_code(kept.code, now=NOW - timedelta(days=1), **DEVICE)
    # coaching sessions: one ended 7 months ago (archived), one last week (kept)
    coach = await client.coachuser.create(
        data={"googleId": "c", "email": "c@x.io", "displayName": "C"}
    )
    appointment = await client.appointment.create(
        data={
            "scheduledFor": NOW,
            "roomId": "r1",
            "client": {"connect": {"id": coach.id}},
            "coach": {"connect": {"id": coach.id}},
        }
    )
    for n, ended in enumerate((NOW - timedelta(days=213), NOW - timedelta(days=7))):
        await client.coachsession.create(
            data={
                "roomId": "r1",
                "appointment": {"connect": {"id": appointment.id}},
                "user": {"connect": {"id": coach.id}}
                if n == 0
                else {"create": {"googleId": "u", "email": "u@x.io", "displayName": "U"}},
                "endedAt": ended,
                "status": "completed",
            }
        )
    report = await MaintenanceRepository(client).run(NOW, allow_clock_skew=True)  # fixed NOW
    assert (report.expired_sessions_deleted, report.used_codes_deleted) == (1, 1)
    assert report.coaching_sessions_archived == 1
    assert await db.fetchval('SELECT count(*) FROM coach."AuthCode"') == 1
    assert await db.fetchval('SELECT count(*) FROM coach."SessionArchive"') == 1
    assert await db.fetchval('SELECT count(*) FROM coach."Session"') == 1
