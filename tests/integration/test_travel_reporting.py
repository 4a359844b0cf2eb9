"""travel reporting repositories on the real database: events -> snapshots, funnels,
cohorts, and Web Vitals p75 summaries."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.errors import InvalidInputError
from domainlayer.travel.reporting import (
    BOOKING_FUNNEL,
    METRIC_TYPES,
    InvalidFunnelError,
    InvalidPeriodError,
    InvalidVitalError,
    NaiveDatetimeError,
    Rating,
    WebVital,
)
from domainlayer.travel.repositories.reporting import AnalyticsRepository, PerformanceRepository

DAY = datetime(2026, 11, 25, tzinfo=UTC)  # a Wednesday
NOW = datetime(2027, 2, 1, tzinfo=UTC)


async def _count(db: asyncpg.Connection, table: str) -> int:
    return int(await db.fetchval(f"SELECT count(*) FROM travel.{table}"))


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


async def _traffic(events: AnalyticsRepository) -> None:
    """Nov 25: 3 sessions, 2 known users; one event the day before and one the day after."""
    # s1 (user u1): the whole funnel, books for 120.50
    for minutes, kind, data in (
        (0, "page_view", {}),
        (1, "search", {"q": "lisbon"}),
        (2, "click", {"deal": "d1"}),
        (3, "conversion", {"value": 120.5}),
    ):
        await events.record_event(
            "s1", kind, data, at=at(10) + timedelta(minutes=minutes), user_id="u1"
        )
    # s2 (user u2): two page views, a search, then a booking without a click, worth 79.495
    await events.record_event("s2", "page_view", {}, at=at(11), user_id="u2")
    await events.record_event("s2", "page_view", {}, at=at(11.1), user_id="u2")
    await events.record_event("s2", "search", {}, at=at(11.2), user_id="u2")
    await events.record_event("s2", "conversion", {"value": 79.495}, at=at(11.3), user_id="u2")
    # s3 (anonymous): a page view, a non-numeric conversion value is not money
    await events.record_event("s3", "page_view", {}, at=at(12))
    await events.record_event("s3", "conversion", {"note": "free"}, at=at(12.5))
    # outside the day
    await events.record_event("s0", "page_view", {}, at=DAY - timedelta(microseconds=1))
    await events.record_event("s9", "conversion", {"value": 1000}, at=DAY + timedelta(days=1))


async def test_events_become_one_snapshot_row_per_metric(
    client: Prisma, db: asyncpg.Connection
) -> None:
    events = AnalyticsRepository(client)
    await _traffic(events)
    assert await _count(db, "analytics_events") == 12
    snapshots = await events.build_snapshots("day", at(15), now=NOW)
    assert [s.metricType for s in snapshots] == list(METRIC_TYPES)
    value = {s.metricType: s.value for s in snapshots}
    assert value == {
        "page_views": 4.0,
        "unique_users": 2.0,
        "sessions": 3.0,
        "searches": 2.0,
        "clicks": 1.0,
        "bookings": 3.0,
        "revenue": 200.0,  # 120.50 + 79.495 = 199.995 -> 200.00
        "conversion_rate": 1.0,  # every session converted
    }
    revenue = next(s for s in snapshots if s.metricType == "revenue")
    assert revenue.metrics == {
        "amount": "200.00",
        "bookings": 3,
        "average_booking_value": "66.67",
    }
    assert all(
        (s.period, s.periodStart, s.periodEnd) == ("day", DAY, DAY + timedelta(days=1))
        for s in snapshots
    )


async def test_rebuilding_a_period_replaces_its_rows(
    client: Prisma, db: asyncpg.Connection
) -> None:
    events = AnalyticsRepository(client)
    await _traffic(events)
    first = await events.build_snapshots("day", at(1), now=NOW)
    await events.record_event("s4", "page_view", {}, at=at(20), user_id="u3")
    later = NOW + timedelta(hours=1)
    rebuilt = await events.build_snapshots("day", at(23), now=later)
    assert await _count(db, "metric_snapshots") == len(METRIC_TYPES)
    assert {s.metricType: s.value for s in rebuilt}["page_views"] == 5.0
    assert {s.metricType: s.value for s in rebuilt}["conversion_rate"] == 0.75
    assert all(s.createdAt == later for s in rebuilt)
    # the rows were updated in place
    assert {s.id for s in rebuilt} == {s.id for s in first}
    # concurrent rebuilds never duplicate a row
    await asyncio.gather(*(events.build_snapshots("day", at(5), now=NOW) for _ in range(5)))
    assert await _count(db, "metric_snapshots") == len(METRIC_TYPES)
    # another period kind of the same instant is another set of rows
    hourly = await events.build_snapshots("hour", at(10.5), now=NOW)
    assert {s.metricType: s.value for s in hourly}["page_views"] == 1.0
    assert await _count(db, "metric_snapshots") == 2 * len(METRIC_TYPES)


async def test_an_empty_period_has_zeros_and_no_rate(client: Prisma) -> None:
    snapshots = await AnalyticsRepository(client).build_snapshots("week", DAY, now=NOW)
    value = {s.metricType: s.value for s in snapshots}
    assert value["page_views"] == 0.0 and value["revenue"] == 0.0
    assert value["conversion_rate"] is None
    assert snapshots[0].periodStart == datetime(2026, 11, 23, tzinfo=UTC)


async def test_snapshot_series(client: Prisma) -> None:
    events = AnalyticsRepository(client)
    for day in range(3):
        for n in range(day + 1):
            await events.record_event(f"s{day}-{n}", "page_view", {}, at=at(24 * day + 1))
        await events.build_snapshots("day", at(24 * day), now=NOW)
    series = await events.snapshot_series(
        "page_views", "day", DAY + timedelta(days=1), DAY + timedelta(days=3)
    )
    assert [(s.periodStart, s.value) for s in series] == [
        (DAY + timedelta(days=1), 2.0),
        (DAY + timedelta(days=2), 3.0),
    ]
    with pytest.raises(InvalidInputError, match="a metric is one of"):
        await events.snapshot_series("bounce_rate", "day", DAY, NOW)
    with pytest.raises(InvalidPeriodError):
        await events.snapshot_series("page_views", "year", DAY, NOW)
    with pytest.raises(InvalidInputError, match="until must be after since"):
        await events.snapshot_series("page_views", "day", NOW, DAY)


async def test_a_decimal_booking_value_counts_as_revenue(client: Prisma) -> None:
    events = AnalyticsRepository(client)
    await events.record_event("s1", "conversion", {"value": Decimal("19.99")}, at=at(1))
    await events.record_event("s2", "conversion", {"value": Decimal("0.01")}, at=at(2))
    snapshots = await events.build_snapshots("day", DAY, now=NOW)
    revenue = next(s for s in snapshots if s.metricType == "revenue")
    assert revenue.metrics["amount"] == "20.00"


async def test_a_decimal_that_json_cannot_keep_is_refused(
    client: Prisma, db: asyncpg.Connection
) -> None:
    events = AnalyticsRepository(client)
    with pytest.raises(InvalidInputError, match="has more digits than a JSON number keeps"):
        await events.record_event(
            "s1", "conversion", {"value": Decimal("19.990000000000000000001")}, at=DAY
        )
    assert await _count(db, "analytics_events") == 0
    await events.record_event("s1", "conversion", {"value": Decimal("1234567.89")}, at=DAY)
    stored = await db.fetchrow(
        "SELECT jsonb_typeof(event_data->'value') AS kind, (event_data->>'value')::numeric AS v"
        " FROM travel.analytics_events"
    )
    assert stored is not None and tuple(stored) == ("number", Decimal("1234567.89"))


@pytest.mark.parametrize(
    ("session", "kind", "data", "extra", "match"),
    [
        ("", "page_view", {}, {}, "session_id is required"),
        ("s1", "", {}, {}, "event_type is required"),
        ("s1", "conversion", {"value": -5}, {}, "a conversion's value must be a number >= 0"),
        ("s1", "conversion", {"value": "12"}, {}, "a conversion's value must be a number >= 0"),
        ("s1", "page_view", ["x"], {}, "event_data must be a JSON object"),
        ("s1", "page_view", {}, {"at": datetime(2026, 11, 25)}, "at must be a timezone-aware"),
        ("s1", "page_view", {}, {"user_id": 42}, "user_id must be a string"),
        ("s1", "page_view", {}, {"page_url": "/" + "p" * 2048}, "page_url is longer than 2048"),
    ],
)
async def test_bad_events_write_nothing(
    client: Prisma,
    db: asyncpg.Connection,
    session: str,
    kind: str,
    data: object,
    extra: dict[str, object],
    match: str,
) -> None:
    arguments: dict[str, object] = {"at": DAY} | extra
    with pytest.raises(InvalidInputError, match=match):
        await AnalyticsRepository(client).record_event(session, kind, data, **arguments)  # type: ignore[arg-type]
    assert await _count(db, "analytics_events") == 0


async def test_bad_snapshot_requests_write_nothing(client: Prisma, db: asyncpg.Connection) -> None:
    events = AnalyticsRepository(client)
    with pytest.raises(InvalidPeriodError):
        await events.build_snapshots("year", DAY, now=NOW)
    with pytest.raises(NaiveDatetimeError):
        await events.build_snapshots("day", datetime(2026, 11, 25), now=NOW)
    with pytest.raises(InvalidInputError, match="now must be a timezone-aware datetime"):
        await events.build_snapshots("day", DAY, now=datetime(2027, 1, 1))
    assert await _count(db, "metric_snapshots") == 0


# Funnels ----------------------------------------------------------------------------------


async def test_the_booking_funnel_and_its_abandonment(
    client: Prisma, db: asyncpg.Connection
) -> None:
    events = AnalyticsRepository(client)
    await _traffic(events)
    # s5: a search logged in the same instant as its page view still counts
    await events.record_event("s5", "search", {}, at=at(13))
    await events.record_event("s5", "page_view", {}, at=at(13))
    # s6: a search only (no page view first): enters nothing
    await events.record_event("s6", "search", {}, at=at(14))
    built = await events.build_funnel("booking", BOOKING_FUNNEL, "day", at(9))
    report = built.report
    # reached: s1 4, s2 2 (no click), s3 1, s5 2, s6 0
    assert [(s.name, s.entered, s.completed, s.drop_off) for s in report.stages] == [
        ("page_view", 4, 3, 1),
        ("search", 3, 1, 2),
        ("click", 1, 1, 0),
        ("conversion", 1, 1, 0),
    ]
    assert [s.abandonment_rate for s in report.stages] == [0.25, 2 / 3, 0.0, 0.0]
    assert (report.total_entered, report.total_converted, report.conversion_rate) == (4, 1, 0.25)
    funnel = built.funnel
    assert (funnel.name, funnel.period, funnel.periodStart, funnel.periodEnd) == (
        "booking",
        "day",
        DAY,
        DAY + timedelta(days=1),
    )
    assert (funnel.totalEntered, funnel.totalConverted, funnel.conversionRate) == (4, 1, 0.25)
    assert funnel.stages == [
        {"name": "page_view", "count": 4},
        {"name": "search", "count": 3},
        {"name": "click", "count": 1},
        {"name": "conversion", "count": 1},
    ]
    assert isinstance(funnel.abandonment, list)
    assert funnel.abandonment[1] == {
        "stage": "search",
        "entered": 3,
        "completed": 1,
        "drop_off": 2,
        "abandonment_rate": 2 / 3,
    }
    # rebuilding (also concurrently) keeps one row per name and period
    await asyncio.gather(
        *(events.build_funnel("booking", BOOKING_FUNNEL, "day", at(n)) for n in range(4))
    )
    assert await _count(db, "conversion_funnels") == 1
    await events.build_funnel("search-to-click", ["search", "click"], "day", at(1))
    assert await _count(db, "conversion_funnels") == 2
    short = await events.build_funnel("search-to-click", ["search", "click"], "day", at(1))
    assert (short.report.total_entered, short.report.total_converted) == (4, 1)


async def test_bad_funnels_write_nothing(client: Prisma, db: asyncpg.Connection) -> None:
    events = AnalyticsRepository(client)
    await events.record_event("s1", "page_view", {}, at=DAY)
    with pytest.raises(InvalidFunnelError):
        await events.build_funnel("f", ["page_view"], "day", DAY)
    with pytest.raises(InvalidFunnelError):
        await events.build_funnel("f", ["page_view", "page_view"], "day", DAY)
    with pytest.raises(InvalidInputError, match="name is required"):
        await events.build_funnel(" ", BOOKING_FUNNEL, "day", DAY)
    with pytest.raises(InvalidPeriodError):
        await events.build_funnel("f", BOOKING_FUNNEL, "quarter", DAY)
    with pytest.raises(NaiveDatetimeError):
        await events.build_funnel("f", BOOKING_FUNNEL, "day", datetime(2026, 11, 25))
    assert await _count(db, "conversion_funnels") == 0


# Cohorts ----------------------------------------------------------------------------------


async def test_a_day_cohort_with_retention_and_ltv(client: Prisma, db: asyncpg.Connection) -> None:
    events = AnalyticsRepository(client)

    async def seen(user: str, day: int, hour: float = 10, value: float | None = None) -> None:
        kind, data = ("conversion", {"value": value}) if value is not None else ("page_view", {})
        await events.record_event(f"{user}-{day}", kind, data, at=at(24 * day + hour), user_id=user)

    # u1: back on days 1, 7 and 30, spends 100 + 50
    await seen("u1", 0, value=100)
    for day in (1, 7, 30):
        await seen("u1", day)
    await seen("u1", 40, value=50)
    # u2: late on day 0 (23:30), back on day 1 at 00:10: a UTC day later
    await seen("u2", 0, hour=23.5)
    await seen("u2", 1, hour=0.2, value=10.005)
    # u3: only day 0, twice
    await seen("u3", 0, hour=1)
    await seen("u3", 0, hour=2)
    # u4 first came the day before: not in this cohort, though active on Nov 25
    await seen("u4", -1)
    await seen("u4", 0)
    # anonymous events are not members
    await events.record_event("anon", "page_view", {}, at=at(3))

    built = await events.build_cohort("day", at(12), now=NOW)
    report = built.report
    assert report.cohort_date == date(2026, 11, 25) and report.size == 3
    assert report.retained == {1: 2, 7: 1, 30: 1}
    assert report.retention == {1: 2 / 3, 7: 1 / 3, 30: 1 / 3}
    assert report.revenue == Decimal("160.01")  # 160.005 half up
    assert report.ltv == Decimal("53.34")  # 160.01 / 3 = 53.336...
    cohort = built.cohort
    assert (cohort.cohortType, cohort.size, cohort.ltv) == ("first_seen:day", 3, Decimal("53.34"))
    assert cohort.day1Retention == pytest.approx(2 / 3)
    assert cohort.day7Retention == pytest.approx(1 / 3)
    assert cohort.day30Retention == pytest.approx(1 / 3)
    assert cohort.metadata is not None and cohort.metadata["revenue"] == "160.01"

    # as of an earlier date: day 30 not over yet, and later spending not counted
    early = NOW.replace(year=2026, month=12, day=10)
    rebuilt = await events.build_cohort("day", at(1), now=early)
    assert rebuilt.report.retention[30] is None and rebuilt.report.retention[7] == 1 / 3
    assert rebuilt.report.revenue == Decimal("110.01")
    assert rebuilt.cohort.id == cohort.id  # upserted in place
    assert rebuilt.cohort.day30Retention is None
    assert await _count(db, "user_cohorts") == 1
    stored = await db.fetchrow("SELECT cohort_date, ltv, day30_retention FROM travel.user_cohorts")
    assert stored is not None
    assert tuple(stored) == (date(2026, 11, 25), Decimal("36.67"), None)

    # the week cohort holds u4 too (first seen Tuesday Nov 24)
    week = await events.build_cohort("week", at(1), now=NOW)
    assert week.report.cohort_date == date(2026, 11, 23) and week.report.size == 4
    assert week.cohort.cohortType == "first_seen:week"
    assert await _count(db, "user_cohorts") == 2


async def test_bad_cohort_requests_write_nothing(client: Prisma, db: asyncpg.Connection) -> None:
    events = AnalyticsRepository(client)
    await events.record_event("s", "page_view", {}, at=DAY, user_id="u1")
    with pytest.raises(InvalidPeriodError):
        await events.build_cohort("hour", DAY, now=NOW)
    with pytest.raises(InvalidInputError, match="now must be a timezone-aware datetime"):
        await events.build_cohort("day", DAY, now=datetime(2027, 1, 1))
    with pytest.raises(NaiveDatetimeError):
        await events.build_cohort("day", datetime(2026, 11, 25), now=NOW)
    assert await _count(db, "user_cohorts") == 0


# Web Vitals -------------------------------------------------------------------------------


async def test_pages_are_summarised_by_their_p75(client: Prisma, db: asyncpg.Connection) -> None:
    vitals = PerformanceRepository(client)
    # /deals: LCP 1000, 2000, 2500, 3000, 9000 -> p75 = 3000 (needs improvement)
    for n, lcp in enumerate((1000, 2000, 2500, 3000, 9000)):
        await vitals.record(
            f"https://travel.example/deals?utm_source=n{n}#top",
            at=at(n),
            lcp=lcp,
            inp=100,
            cls=0.05,
            device_type="mobile" if n % 2 else "desktop",
        )
    # /home: 4 samples, p75 of LCP by linear interpolation: 1000,2000,2400,2500 -> 2425
    for n, lcp in enumerate((1000, 2000, 2400, 2500)):
        await vitals.record("https://travel.example/", at=at(n), lcp=lcp, inp=200, cls=0.1)
    await vitals.record("https://travel.example/", at=at(5), ttfb=900)
    # outside the window
    await vitals.record("https://travel.example/", at=DAY + timedelta(days=1), lcp=99_999)
    assert await db.fetchval("SELECT count(DISTINCT page_url) FROM travel.performance_metrics") == 2

    pages = {p.page_url: p for p in await vitals.summarise(DAY, DAY + timedelta(days=1))}
    assert set(pages) == {"https://travel.example/deals", "https://travel.example/"}
    deals = pages["https://travel.example/deals"]
    assert deals.metrics[WebVital.LCP].p75 == 3000.0
    assert deals.metrics[WebVital.LCP].samples == 5
    assert deals.metrics[WebVital.LCP].rating is Rating.NEEDS_IMPROVEMENT
    assert deals.metrics[WebVital.INP].rating is Rating.GOOD
    assert WebVital.TTFB not in deals.metrics
    assert not deals.passes_core_web_vitals
    home = pages["https://travel.example/"]
    assert home.metrics[WebVital.LCP].p75 == pytest.approx(2425.0)
    assert home.metrics[WebVital.INP].p75 == 200.0  # exactly on the threshold: good
    assert home.metrics[WebVital.CLS].p75 == pytest.approx(0.1)
    assert home.metrics[WebVital.TTFB].rating is Rating.NEEDS_IMPROVEMENT
    assert home.metrics[WebVital.TTFB].samples == 1
    assert home.passes_core_web_vitals

    mobile = await vitals.summarise(DAY, DAY + timedelta(days=1), device_type="mobile")
    assert [p.page_url for p in mobile] == ["https://travel.example/deals"]
    # mobile LCP samples 2000 and 3000 -> p75 2750
    assert mobile[0].metrics[WebVital.LCP].p75 == pytest.approx(2750.0)
    assert mobile[0].metrics[WebVital.LCP].samples == 2
    assert await vitals.summarise(NOW, NOW + timedelta(days=1)) == []


async def test_rating_boundaries_survive_the_round_trip(client: Prisma) -> None:
    vitals = PerformanceRepository(client)
    for page, lcp in (("/a", 2500), ("/b", 2501), ("/c", 4000), ("/d", 4001)):
        await vitals.record(page, at=DAY, lcp=lcp)
    pages = {
        p.page_url: p.metrics[WebVital.LCP].rating
        for p in await vitals.summarise(DAY, DAY + timedelta(hours=1))
    }
    assert pages == {
        "/a": Rating.GOOD,
        "/b": Rating.NEEDS_IMPROVEMENT,
        "/c": Rating.NEEDS_IMPROVEMENT,
        "/d": Rating.POOR,
    }


@pytest.mark.parametrize(
    ("page", "extra", "error", "match"),
    [
        ("/", {}, InvalidInputError, "a measurement has at least one Web Vital"),
        ("/", {"lcp": -1}, InvalidVitalError, "lcp must be a finite number >= 0: -1"),
        ("/", {"cls": float("nan")}, InvalidVitalError, "cls must be a finite number"),
        ("/", {"inp": True}, InvalidVitalError, r"inp must be a number in .* \(got bool\)"),
        ("", {"lcp": 1}, InvalidInputError, "page_url is required"),
        ("?q=1", {"lcp": 1}, InvalidInputError, "page_url must be 1..2048 characters without"),
        (
            "/",
            {"lcp": 1, "at": datetime(2026, 11, 25)},
            InvalidInputError,
            "at must be a timezone-aware datetime",
        ),
        (
            "/",
            {"lcp": 1, "device_type": "d" * 201},
            InvalidInputError,
            "device_type is longer than 200 characters",
        ),
    ],
)
async def test_bad_measurements_write_nothing(
    client: Prisma,
    db: asyncpg.Connection,
    page: str,
    extra: dict[str, object],
    error: type[Exception],
    match: str,
) -> None:
    arguments: dict[str, object] = {"at": DAY} | extra
    with pytest.raises(error, match=match):
        await PerformanceRepository(client).record(page, **arguments)  # type: ignore[arg-type]
    assert await _count(db, "performance_metrics") == 0


async def test_summary_windows_are_checked(client: Prisma) -> None:
    vitals = PerformanceRepository(client)
    with pytest.raises(InvalidInputError, match="until must be after since"):
        await vitals.summarise(DAY, DAY)
    with pytest.raises(InvalidInputError, match="since must be a timezone-aware datetime"):
        await vitals.summarise(datetime(2026, 11, 25), NOW)
