"""airbar repositories on the real database: sessions, analytics, health, flags."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.airbar.errors import SessionExpired, SessionNotFound, SessionRevoked
from domainlayer.airbar.repository import (
    AirbarFlagRepository,
    AnalyticsRepository,
    HealthRepository,
    SessionRepository,
)
from domainlayer.airbar.rules import FUNNEL_STEPS, InvalidAirbarInput
from domainlayer.errors import InvalidInputError, NotFoundError
from domainlayer.flags import bucket

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


async def _user(
    client: Prisma, email: str = "sarah@boutique.example", segment: str = "business"
) -> str:
    user = await client.airbaruser.create(
        data={
            "email": email,
            "firstName": "Sarah",
            "lastName": "Chen",
            "country": "US",
            "segment": segment,
        }
    )
    return user.id


def _login(**overrides: object) -> dict[str, object]:
    return {
        "device_fingerprint": "fp-macbook",
        "device_type": "desktop",
        "ip_address": "203.0.113.7",
        "country": "US",
        "now": NOW,
    } | overrides


async def test_a_known_device_gets_remember_me_for_30_days(
    client: Prisma, db: asyncpg.Connection
) -> None:
    sessions = SessionRepository(client)
    user = await _user(client)
    first = await sessions.open(user, remember_me=True, **_login())  # type: ignore[arg-type]
    assert not first.session.isTrustedDevice and not first.session.rememberMe
    assert first.session.expiresAt == NOW + timedelta(days=7)
    second = await sessions.open(user, remember_me=True, **_login())  # type: ignore[arg-type]
    assert second.session.isTrustedDevice and second.session.rememberMe
    assert second.session.rememberMeExpiresAt == NOW + timedelta(days=30)
    # Only the token's hash is stored.
    stored = await db.fetchval(
        "SELECT token_hash FROM airbar.user_sessions WHERE id = $1", second.session.id
    )
    assert stored == hashlib.sha256(second.token.encode()).digest()
    assert await db.fetchval("SELECT last_login_at FROM airbar.users") == NOW


async def test_vpn_and_a_new_country_flag_the_session(client: Prisma) -> None:
    sessions = SessionRepository(client)
    user = await _user(client)
    await sessions.open(user, **_login())  # type: ignore[arg-type]
    abroad = await sessions.open(user, **_login(country="SG", device_fingerprint="fp-iphone"))  # type: ignore[arg-type]
    assert abroad.session.isSuspicious and abroad.session.suspiciousReason == "new_country:SG"
    vpn = await sessions.open(user, is_vpn=True, **_login())  # type: ignore[arg-type]
    assert vpn.session.isSuspicious and vpn.session.suspiciousReason == "vpn"


async def test_validation_touches_live_sessions_and_types_the_rest(client: Prisma) -> None:
    sessions = SessionRepository(client)
    user = await _user(client)
    opened = await sessions.open(user, **_login())  # type: ignore[arg-type]
    later = NOW + timedelta(days=6)
    live = await sessions.validate(opened.token, later)
    assert live.lastActivityAt == later
    with pytest.raises(SessionExpired):
        await sessions.validate(opened.token, NOW + timedelta(days=7))
    with pytest.raises(SessionNotFound):
        await sessions.validate("not-a-token", NOW)
    await sessions.revoke(opened.session.id, reason="user_logout", now=NOW)
    with pytest.raises(SessionRevoked):
        await sessions.validate(opened.token, NOW)
    with pytest.raises(SessionNotFound):
        await sessions.revoke(opened.session.id, reason="again", now=NOW)


async def test_revoke_all_ends_every_session_of_the_user(client: Prisma) -> None:
    sessions = SessionRepository(client)
    user = await _user(client)
    other = await _user(client, "marcus@consult.example")
    for fp in ("a", "b", "c"):
        await sessions.open(user, **_login(device_fingerprint=fp))  # type: ignore[arg-type]
    kept = await sessions.open(other, **_login())  # type: ignore[arg-type]
    assert await sessions.revoke_all(user, reason="password_changed", now=NOW) == 3
    assert await sessions.active_sessions(user, NOW) == []
    assert [s.id for s in await sessions.active_sessions(other, NOW)] == [kept.session.id]


async def test_the_oldest_session_is_revoked_past_the_limit(client: Prisma) -> None:
    sessions = SessionRepository(client, max_sessions=2)
    user = await _user(client)
    first = await sessions.open(user, **_login(now=NOW))  # type: ignore[arg-type]
    await sessions.open(user, **_login(now=NOW + timedelta(minutes=1)))  # type: ignore[arg-type]
    third = await sessions.open(user, **_login(now=NOW + timedelta(minutes=2)))  # type: ignore[arg-type]
    assert third.revoked_session_ids == (first.session.id,)
    with pytest.raises(SessionRevoked):
        await sessions.validate(first.token, NOW + timedelta(minutes=3))


async def test_concurrent_logins_never_exceed_the_session_limit(
    client: Prisma, db: asyncpg.Connection
) -> None:
    sessions = SessionRepository(client, max_sessions=3)
    user = await _user(client)
    await asyncio.gather(
        *(
            sessions.open(user, **_login(device_fingerprint=f"fp-{n}"))  # type: ignore[arg-type]
            for n in range(20)
        )
    )
    counts = await db.fetchrow(
        "SELECT count(*) FILTER (WHERE is_active) AS active, "
        "count(*) FILTER (WHERE revoked_reason = 'session_limit') AS revoked "
        "FROM airbar.user_sessions"
    )
    assert counts is not None and tuple(counts) == (3, 17)


async def test_bad_logins_write_nothing(client: Prisma, db: asyncpg.Connection) -> None:
    sessions = SessionRepository(client)
    user = await _user(client)
    for overrides in (
        {"country": "United States"},
        {"device_type": "watch"},
        {"device_fingerprint": ""},
        {"now": datetime(2026, 11, 25)},
        {"ip_address": " "},
    ):
        with pytest.raises(InvalidAirbarInput):
            await sessions.open(user, **_login(**overrides))  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="no airbar user 'nobody'"):
        await sessions.open("nobody", **_login())  # type: ignore[arg-type]
    assert await db.fetchval("SELECT count(*) FROM airbar.user_sessions") == 0
    with pytest.raises(InvalidAirbarInput):
        SessionRepository(client, max_sessions=0)


async def test_the_funnel_per_user_and_per_source(client: Prisma, db: asyncpg.Connection) -> None:
    analytics = AnalyticsRepository(client)
    sarah = await _user(client)
    elena = await _user(client, "elena@expat.example", "standard")
    journeys = {
        sarah: ("organic_search", ["landing", "registration", "first_booking", "payment"]),
        elena: ("facebook", ["landing", "registration"]),
    }
    for user, (source, steps) in journeys.items():
        for minute, step in enumerate(steps):
            await analytics.record(
                event_type="business" if step == "payment" else "page_view",
                event_name=f"{step}_reached",
                funnel_step=step,
                traffic_source=source,
                user_id=user,
                revenue=Decimal("42.50") if step == "payment" else None,
                now=NOW + timedelta(minutes=minute),
            )
    await analytics.record(event_type="interaction", event_name="pricing_calculator", now=NOW)
    report = await analytics.funnel()
    assert [(s.step, s.users, s.conversion_rate) for s in report.steps] == [
        ("landing", 2, 1.0),
        ("registration", 2, 1.0),
        ("first_booking", 1, 0.5),
        ("payment", 1, 1.0),
    ]
    assert [s.users for s in report.by_source["facebook"]] == [1, 1, 0, 0]
    elena_journey = await analytics.journey(elena)
    assert [step for step, _ in elena_journey.reached] == ["landing", "registration"]
    assert elena_journey.next_step == "first_booking"
    assert elena_journey.traffic_source == "facebook"
    sarah_journey = await analytics.journey(sarah)
    assert [step for step, _ in sarah_journey.reached] == list(FUNNEL_STEPS)
    assert sarah_journey.converted
    with pytest.raises(InvalidInputError, match="user_id is required"):
        await analytics.journey(" ")
    early = await analytics.funnel(until=NOW + timedelta(minutes=2))
    assert [s.users for s in early.steps] == [2, 2, 0, 0]
    revenue = await db.fetchval("SELECT sum(revenue) FROM airbar.user_analytics")
    assert revenue == Decimal("42.50")


async def test_bad_events_write_nothing(client: Prisma, db: asyncpg.Connection) -> None:
    analytics = AnalyticsRepository(client)
    for kwargs in (
        {"event_type": "click", "event_name": "x"},
        {"event_type": "page_view", "event_name": ""},
        {"event_type": "page_view", "event_name": "x", "funnel_step": "checkout"},
        {"event_type": "business", "event_name": "x", "revenue": Decimal("-1")},
    ):
        with pytest.raises(InvalidAirbarInput):
            await analytics.record(now=NOW, **kwargs)  # type: ignore[arg-type]
    assert await db.fetchval("SELECT count(*) FROM airbar.user_analytics") == 0


async def test_health_status_per_service_and_kpis(client: Prisma, db: asyncpg.Connection) -> None:
    health = HealthRepository(client)
    for minutes, (uptime, ms) in enumerate([(99.99, 120), (99.95, 180), (99.97, 160)]):
        snap = await health.record(
            "payments",
            uptime_percentage=uptime,
            response_time_ms=ms,
            error_rate=0.004,
            now=NOW + timedelta(minutes=minutes),
        )
        assert snap.status == "healthy" and snap.serviceType == "api"
    slow = await health.record(
        "sendgrid", uptime_percentage=99.5, response_time_ms=850, error_rate=0.02, now=NOW
    )
    assert slow.status == "degraded" and slow.serviceType == "external"
    await health.record_kpi("booking_completion_rate", 87.3, now=NOW)
    await health.record_kpi("registration_completion_rate", 70.0, now=NOW)
    status = await health.status(since=NOW - timedelta(hours=1), until=NOW + timedelta(hours=1))
    summaries = {s.service: s for s in status.services}
    assert set(summaries) == {"payments", "sendgrid"}
    assert summaries["payments"].readings == 3
    assert summaries["payments"].uptime_percentage == pytest.approx(99.97)
    assert summaries["payments"].response_time_p50_ms == 160
    assert summaries["sendgrid"].status == "degraded"
    assert status.kpis == {
        "booking_completion_rate": (87.3, "healthy"),
        "registration_completion_rate": (70.0, "degraded"),
    }
    for bad in ({"service": "billing"}, {"service": "auth", "error_rate": 1.5}):
        with pytest.raises(InvalidAirbarInput):
            await health.record(now=NOW, **bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidAirbarInput):
        await health.record_kpi("nps", 50, now=NOW)
    assert await db.fetchval("SELECT count(*) FROM airbar.system_health") == 6


async def test_flags_target_segments_within_their_season(client: Prisma) -> None:
    flags = AirbarFlagRepository(client)
    business = await _user(client)
    student = await _user(client, "sam@uni.example", "students")
    await flags.define("enhanced_kyc", "Enhanced KYC", enabled=True, rollout_percentage=100)
    await flags.define(
        "q4_business_boost",
        "Q4 business boost",
        enabled=True,
        rollout_percentage=100,
        segments=["business", "premium"],
        season="Q4",
        starts_at=datetime(2026, 10, 1, tzinfo=UTC),
        ends_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    await flags.define("multi_currency", "Multi-currency", enabled=True, rollout_percentage=0)
    assert await flags.enabled_for(business, now=NOW) == ["enhanced_kyc", "q4_business_boost"]
    assert await flags.enabled_for(student, now=NOW) == ["enhanced_kyc"]
    assert not await flags.is_enabled(
        "q4_business_boost", business, now=datetime(2027, 1, 2, tzinfo=UTC)
    )
    await flags.define("video_chat", "Video chat", enabled=True, rollout_percentage=5)
    assert await flags.is_enabled("video_chat", business, now=NOW) is (
        bucket("video_chat", business) < 5
    )
    await flags.set_rollout("video_chat", 100)
    assert await flags.is_enabled("video_chat", business, now=NOW)


async def test_bad_flags_write_nothing(client: Prisma, db: asyncpg.Connection) -> None:
    flags = AirbarFlagRepository(client)
    for kwargs in (
        {"key": "Video Chat"},
        {"key": "video_chat", "rollout_percentage": 101},
        {"key": "video_chat", "segments": [""]},
        {"key": "video_chat", "starts_at": datetime(2026, 1, 1)},
        {
            "key": "video_chat",
            "starts_at": datetime(2026, 2, 1, tzinfo=UTC),
            "ends_at": datetime(2026, 1, 1, tzinfo=UTC),
        },
    ):
        with pytest.raises(InvalidAirbarInput):
            await flags.define(name="Video chat", **kwargs)  # type: ignore[arg-type]
    assert await db.fetchval("SELECT count(*) FROM airbar.feature_flags") == 0
    with pytest.raises(NotFoundError, match="no feature flag 'video_chat'"):
        await flags.is_enabled("video_chat", "nobody", now=NOW)
