"""travel's reporting rules (002, phase 8): periods, snapshots, funnels, cohorts, Web Vitals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domainlayer.errors import InvalidInputError
from domainlayer.travel.reporting import (
    BOOKING_FUNNEL,
    CORE_WEB_VITALS,
    METRIC_TYPES,
    RETENTION_DAYS,
    THRESHOLDS,
    CohortMember,
    InvalidFunnelError,
    InvalidPeriodError,
    InvalidVitalError,
    MetricValue,
    NaiveDatetimeError,
    PageVitals,
    Period,
    Rating,
    StageResult,
    TrafficCounts,
    WebVital,
    check_event,
    check_funnel_stages,
    check_vital,
    cohort_period,
    cohort_report,
    cohort_type,
    funnel_report,
    furthest_stage,
    normalize_page_url,
    passes_core_web_vitals,
    period_bounds,
    rate,
    snapshot_metrics,
    summarise_vital,
)

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# Periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "at", "start", "end"),
    [
        ("hour", utc(2026, 11, 25, 12, 34, 56), utc(2026, 11, 25, 12), utc(2026, 11, 25, 13)),
        ("hour", utc(2026, 12, 31, 23, 59), utc(2026, 12, 31, 23), utc(2027, 1, 1, 0)),
        ("day", utc(2026, 11, 25, 0, 0), utc(2026, 11, 25), utc(2026, 11, 26)),
        ("day", utc(2026, 11, 25, 23, 59, 59), utc(2026, 11, 25), utc(2026, 11, 26)),
        ("day", utc(2028, 2, 28, 12), utc(2028, 2, 28), utc(2028, 2, 29)),
        # ISO weeks start on Monday
        ("week", utc(2026, 11, 25, 12), utc(2026, 11, 23), utc(2026, 11, 30)),
        ("week", utc(2026, 11, 23, 0), utc(2026, 11, 23), utc(2026, 11, 30)),
        ("week", utc(2026, 11, 29, 23, 59), utc(2026, 11, 23), utc(2026, 11, 30)),
        ("week", utc(2027, 1, 1, 9), utc(2026, 12, 28), utc(2027, 1, 4)),
        ("month", utc(2026, 11, 25, 12), utc(2026, 11, 1), utc(2026, 12, 1)),
        ("month", utc(2026, 12, 31, 23, 59), utc(2026, 12, 1), utc(2027, 1, 1)),
        ("month", utc(2028, 2, 29, 1), utc(2028, 2, 1), utc(2028, 3, 1)),
        ("month", utc(2027, 1, 1), utc(2027, 1, 1), utc(2027, 2, 1)),
        (Period.DAY, utc(2026, 1, 1, 5), utc(2026, 1, 1), utc(2026, 1, 2)),
    ],
)
def test_period_bounds(period: str, at: datetime, start: datetime, end: datetime) -> None:
    assert period_bounds(period, at) == (start, end)
    lo, hi = period_bounds(period, at)
    assert lo <= at < hi


def test_periods_are_utc() -> None:
    # 23:30 on Nov 30 in UTC-5 is 04:30 on Dec 1 in UTC: the December day, month and hour
    late = datetime(2026, 11, 30, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert period_bounds("day", late) == (utc(2026, 12, 1), utc(2026, 12, 2))
    assert period_bounds("month", late) == (utc(2026, 12, 1), utc(2027, 1, 1))
    assert period_bounds("hour", late) == (utc(2026, 12, 1, 4), utc(2026, 12, 1, 5))
    assert period_bounds("day", late)[0].tzinfo is UTC


@pytest.mark.parametrize("period", ["year", "", "Day", "minute", None])
def test_unknown_periods(period: object) -> None:
    with pytest.raises(InvalidPeriodError):
        period_bounds(period, T0)  # type: ignore[arg-type]


def test_naive_instants_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        period_bounds("day", datetime(2026, 11, 25, 12))
    with pytest.raises(InvalidInputError, match=r"at must be a datetime"):
        period_bounds("day", "2026-11-25")  # type: ignore[arg-type]
    assert issubclass(NaiveDatetimeError, InvalidInputError)
    assert issubclass(InvalidPeriodError, InvalidInputError)


# Events -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("session", "kind", "data"),
    [
        ("s1", "page_view", {}),
        ("s1", "conversion", {"value": 199.5}),
        ("s1", "conversion", {"value": 0}),
        ("s1", "conversion", {"value": Decimal("19.99")}),
        ("s1", "conversion", {}),  # a conversion without a value is a booking worth nothing
        ("s1", "click", {"value": "anything"}),  # only conversions carry money
        ("s" * 200, "search", {"q": "lisbon"}),
    ],
)
def test_good_events(session: str, kind: str, data: dict[str, object]) -> None:
    check_event(session, kind, data)


@pytest.mark.parametrize(
    ("session", "kind", "data"),
    [
        ("", "page_view", {}),
        ("  ", "page_view", {}),
        ("s" * 201, "page_view", {}),
        ("s1", "", {}),
        ("s1", "page_view", ["not", "an", "object"]),
        ("s1", "conversion", {"value": -1}),
        ("s1", "conversion", {"value": "19.99"}),
        ("s1", "conversion", {"value": True}),
        ("s1", "conversion", {"value": float("nan")}),
        ("s1", "conversion", {"value": float("inf")}),
        ("s1", "conversion", {"value": None}),
        (None, "page_view", {}),
    ],
)
def test_bad_events(session: object, kind: object, data: object) -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"(session_id|event_type) must be 1\.\.200|event_data must be a JSON object"
        r"|a conversion's value must be a number >= 0",
    ):
        check_event(session, kind, data)  # type: ignore[arg-type]


# Snapshots --------------------------------------------------------------------------------


def counts(**overrides: object) -> TrafficCounts:
    values: dict[str, object] = {
        "page_views": 120,
        "unique_users": 30,
        "sessions": 40,
        "searches": 60,
        "clicks": 25,
        "bookings": 6,
        "converted_sessions": 5,
        "revenue": Decimal("1234.565"),
    } | overrides
    return TrafficCounts(**values)  # type: ignore[arg-type]


def test_snapshot_metrics_one_row_per_metric() -> None:
    rows = snapshot_metrics(counts())
    assert tuple(row.metric_type for row in rows) == METRIC_TYPES
    by_type = {row.metric_type: row for row in rows}
    assert by_type["page_views"] == MetricValue("page_views", 120.0, {"count": 120})
    assert by_type["unique_users"].value == 30.0
    assert by_type["sessions"].value == 40.0
    assert by_type["searches"].value == 60.0
    assert by_type["clicks"].value == 25.0
    assert by_type["bookings"].value == 6.0
    # revenue to the cent, half up: 1234.565 -> 1234.57; average 1234.57 / 6 = 205.761... -> .76
    assert by_type["revenue"] == MetricValue(
        "revenue",
        1234.57,
        {"amount": "1234.57", "bookings": 6, "average_booking_value": "205.76"},
    )
    assert by_type["conversion_rate"] == MetricValue(
        "conversion_rate", 5 / 40, {"converted_sessions": 5, "sessions": 40}
    )


def test_a_quiet_period_has_no_rates() -> None:
    rows = {
        row.metric_type: row
        for row in snapshot_metrics(
            counts(
                page_views=0,
                unique_users=0,
                sessions=0,
                searches=0,
                clicks=0,
                bookings=0,
                converted_sessions=0,
                revenue=Decimal(0),
            )
        )
    }
    assert rows["conversion_rate"].value is None
    assert rows["revenue"].value == 0.0
    assert rows["revenue"].details["average_booking_value"] is None
    assert rows["revenue"].details["amount"] == "0.00"


@pytest.mark.parametrize(
    ("revenue", "amount"),
    [
        (Decimal("0.005"), "0.01"),
        (Decimal("0.004"), "0.00"),
        (Decimal("10.125"), "10.13"),
        ("99.994", "99.99"),
        (100, "100.00"),
    ],
)
def test_revenue_is_rounded_half_up(revenue: Decimal | str | int, amount: str) -> None:
    rows = {r.metric_type: r for r in snapshot_metrics(counts(revenue=revenue))}
    assert rows["revenue"].details["amount"] == amount


@pytest.mark.parametrize(
    "overrides",
    [
        {"page_views": -1},
        {"sessions": True},
        {"clicks": 1.5},
        {"converted_sessions": 41},  # more than the 40 sessions
        {"converted_sessions": 7},  # more than the 6 bookings
        {"revenue": Decimal("-0.01")},
        {"revenue": Decimal("NaN")},
        {"revenue": "lots"},
        {"revenue": 12.5},
    ],
)
def test_inconsistent_counts_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"must be a count >= 0|cannot outnumber sessions|has a booking"
        r"|revenue must be (>= 0|finite|a Decimal amount)",
    ):
        snapshot_metrics(counts(**overrides))


# Funnels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stages",
    [
        ["page_view"],
        [],
        ["a"] * 2,
        [f"s{n}" for n in range(11)],
        ["page_view", " "],
        "page_view,search",
        ["page_view", 3],
    ],
)
def test_bad_funnel_stages(stages: object) -> None:
    with pytest.raises(InvalidFunnelError):
        check_funnel_stages(stages)  # type: ignore[arg-type]


def test_funnel_stages() -> None:
    assert check_funnel_stages(BOOKING_FUNNEL) == ("page_view", "search", "click", "conversion")
    ten = [f"s{n}" for n in range(10)]
    assert check_funnel_stages(ten) == tuple(ten)
    assert issubclass(InvalidFunnelError, InvalidInputError)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("events", "reached"),
    [
        ([], 0),
        ([("search", at(0))], 0),  # no page view first
        ([("page_view", at(0))], 1),
        ([("page_view", at(0)), ("search", at(1)), ("click", at(2))], 3),
        ([("page_view", at(0)), ("search", at(1)), ("click", at(2)), ("conversion", at(3))], 4),
        # events come in any order; they are taken by time
        ([("conversion", at(3)), ("click", at(2)), ("search", at(1)), ("page_view", at(0))], 4),
        # a search before the page view does not count
        ([("search", at(0)), ("page_view", at(1)), ("click", at(2))], 1),
        # the same instant counts, in funnel order
        ([("search", at(0)), ("page_view", at(0))], 2),
        # skipping a stage stops the session there
        ([("page_view", at(0)), ("click", at(1)), ("conversion", at(2))], 1),
        # unknown event types are ignored; repeats do not matter
        ([("page_view", at(0)), ("scroll", at(1)), ("page_view", at(2)), ("search", at(3))], 2),
    ],
)
def test_furthest_stage(events: list[tuple[str, datetime]], reached: int) -> None:
    assert furthest_stage(BOOKING_FUNNEL, events) == reached


def test_furthest_stage_needs_aware_times() -> None:
    with pytest.raises(NaiveDatetimeError):
        furthest_stage(BOOKING_FUNNEL, [("page_view", datetime(2026, 11, 25))])


def test_funnel_report_abandonment() -> None:
    # 10 sessions: 2 bounce before stage 1, 3 stop after the page view, 2 after the search,
    # 1 after the click, 2 book
    report = funnel_report(BOOKING_FUNNEL, [0, 0, 1, 1, 1, 2, 2, 3, 4, 4])
    assert report.stages == (
        StageResult("page_view", 8, 5, 3, 3 / 8),
        StageResult("search", 5, 3, 2, 2 / 5),
        StageResult("click", 3, 2, 1, 1 / 3),
        StageResult("conversion", 2, 2, 0, 0.0),
    )
    assert (report.total_entered, report.total_converted) == (8, 2)
    assert report.conversion_rate == 2 / 8
    assert report.stages_json() == [
        {"name": "page_view", "count": 8},
        {"name": "search", "count": 5},
        {"name": "click", "count": 3},
        {"name": "conversion", "count": 2},
    ]
    assert report.abandonment_json()[1] == {
        "stage": "search",
        "entered": 5,
        "completed": 3,
        "drop_off": 2,
        "abandonment_rate": 0.4,
    }


def test_an_empty_funnel_has_no_rates() -> None:
    report = funnel_report(["a", "b"], [0, 0])
    assert report.conversion_rate is None
    assert all(s.abandonment_rate is None and s.entered == 0 for s in report.stages)
    assert funnel_report(["a", "b"], []).total_entered == 0


@pytest.mark.parametrize("reached", [[-1], [5], [True], [1.0]])
def test_funnel_report_refuses_impossible_counts(reached: list[object]) -> None:
    with pytest.raises(InvalidFunnelError):
        funnel_report(BOOKING_FUNNEL, reached)  # type: ignore[arg-type]


# Cohorts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "stored"),
    [("day", "first_seen:day"), ("week", "first_seen:week"), (Period.MONTH, "first_seen:month")],
)
def test_cohort_types(period: str, stored: str) -> None:
    assert cohort_type(period) == stored
    assert cohort_period(period) == Period(period)


@pytest.mark.parametrize("period", ["hour", "year"])
def test_cohorts_are_not_hourly(period: str) -> None:
    with pytest.raises(InvalidPeriodError):
        cohort_type(period)


DAY = date(2026, 11, 25)


def member(days: set[int], revenue: str = "0", first: date = DAY) -> CohortMember:
    return CohortMember(first, frozenset(days), Decimal(revenue))


def test_cohort_retention_and_ltv() -> None:
    members = [
        member({0, 1, 7, 30}, "100.00"),
        member({0, 1}, "50.005"),
        member({0, 7}),
        member({0}),
    ]
    report = cohort_report("day", T0, members, now=utc(2027, 1, 1))
    assert report.cohort_date == DAY and report.size == 4
    assert report.retained == {1: 2, 7: 2, 30: 1}
    assert report.retention == {1: 0.5, 7: 0.5, 30: 0.25}
    assert report.revenue == Decimal("150.01")  # 150.005 half up
    assert report.ltv == Decimal("37.50")  # 150.01 / 4 = 37.5025


@pytest.mark.parametrize(
    ("now", "known"),
    [
        # day N of a day cohort starting Nov 25 is over at Nov 26 + N days, 00:00
        (utc(2026, 11, 26, 23, 59), ()),
        (utc(2026, 11, 27), (1,)),
        (utc(2026, 12, 2, 23, 59), (1,)),
        (utc(2026, 12, 3), (1, 7)),
        (utc(2026, 12, 25, 23, 59, 59), (1, 7)),
        (utc(2026, 12, 26), (1, 7, 30)),
    ],
)
def test_retention_is_unknown_until_the_day_is_over(now: datetime, known: tuple[int, ...]) -> None:
    report = cohort_report("day", T0, [member({0, 1, 7, 30})], now=now)
    for day in RETENTION_DAYS:
        if day in known:
            assert report.retention[day] == 1.0 and report.retained[day] == 1
        else:
            assert report.retention[day] is None and report.retained[day] is None


def test_a_week_cohort_waits_for_its_last_member() -> None:
    # week of Nov 23..29: the Sunday member's day 1 is Nov 30, over at Dec 1 00:00
    members = [member({0, 1}, first=date(2026, 11, 23)), member({0}, first=date(2026, 11, 29))]
    assert cohort_report("week", T0, members, now=utc(2026, 11, 30, 23)).retention[1] is None
    report = cohort_report("week", T0, members, now=utc(2026, 12, 1))
    assert report.cohort_date == date(2026, 11, 23)
    assert report.retention[1] == 0.5


def test_an_empty_cohort() -> None:
    report = cohort_report("month", T0, [], now=utc(2027, 6, 1))
    assert report.cohort_date == date(2026, 11, 1) and report.size == 0
    assert report.ltv is None and report.revenue == Decimal("0.00")
    assert report.retention == {1: None, 7: None, 30: None}
    assert report.retained == {1: 0, 7: 0, 30: 0}


@pytest.mark.parametrize(
    "members",
    [
        [member({0}, first=date(2026, 11, 24))],  # before the cohort's day
        [member({0}, first=date(2026, 11, 26))],
        [member({-1})],
        [CohortMember(DAY, frozenset({True}), Decimal(0))],  # type: ignore[arg-type]
        [member({0}, "-1")],
    ],
)
def test_bad_cohort_members(members: list[CohortMember]) -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"is outside the cohort 2026-11-25|active days are offsets >= 0"
        r"|a member's revenue must be >= 0",
    ):
        cohort_report("day", T0, members, now=utc(2027, 1, 1))


def test_cohort_now_must_be_aware() -> None:
    with pytest.raises(NaiveDatetimeError):
        cohort_report("day", T0, [], now=datetime(2027, 1, 1))


# Web Vitals -------------------------------------------------------------------------------

GOOD, NI, POOR = Rating.GOOD, Rating.NEEDS_IMPROVEMENT, Rating.POOR


@pytest.mark.parametrize(
    ("metric", "value", "rating"),
    [
        ("lcp", 0, GOOD),
        ("lcp", 2500, GOOD),
        ("lcp", 2500.0001, NI),
        ("lcp", 2501, NI),
        ("lcp", 4000, NI),
        ("lcp", 4001, POOR),
        ("inp", 200, GOOD),
        ("inp", 201, NI),
        ("inp", 500, NI),
        ("inp", 501, POOR),
        ("cls", 0, GOOD),
        ("cls", 0.1, GOOD),
        ("cls", 0.11, NI),
        ("cls", 0.25, NI),
        ("cls", 0.26, POOR),
        ("fcp", 1800, GOOD),
        ("fcp", 1801, NI),
        ("fcp", 3000, NI),
        ("fcp", 3001, POOR),
        ("ttfb", 800, GOOD),
        ("ttfb", 801, NI),
        ("ttfb", 1800, NI),
        ("ttfb", 1801, POOR),
        ("fid", 100, GOOD),
        ("fid", 101, NI),
        ("fid", 300, NI),
        ("fid", 301, POOR),
        (WebVital.LCP, 10_000, POOR),
    ],
)
def test_web_vitals_are_rated_by_the_published_thresholds(
    metric: str, value: float, rating: Rating
) -> None:
    assert rate(metric, value) is rating


def test_the_thresholds_are_web_dev_s() -> None:
    assert THRESHOLDS == {
        WebVital.LCP: (2500, 4000),
        WebVital.INP: (200, 500),
        WebVital.CLS: (0.1, 0.25),
        WebVital.FCP: (1800, 3000),
        WebVital.TTFB: (800, 1800),
        WebVital.FID: (100, 300),
    }
    assert CORE_WEB_VITALS == (WebVital.LCP, WebVital.INP, WebVital.CLS)
    assert Rating.NEEDS_IMPROVEMENT.value == "needs-improvement"


@pytest.mark.parametrize(
    ("metric", "value"),
    [
        ("lcp", -1),
        ("lcp", float("nan")),
        ("lcp", float("inf")),
        ("lcp", True),
        ("lcp", "2500"),
        ("lcp", None),
        ("tbt", 100),
        ("LCP", 100),
    ],
)
def test_bad_measurements(metric: str, value: object) -> None:
    with pytest.raises(InvalidVitalError):
        rate(metric, value)  # type: ignore[arg-type]
    with pytest.raises(InvalidVitalError):
        check_vital(metric, value)  # type: ignore[arg-type]


def test_check_vital_returns_a_float() -> None:
    assert check_vital("lcp", 2500) == 2500.0 and isinstance(check_vital("lcp", 2500), float)
    assert issubclass(InvalidVitalError, InvalidInputError)


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("https://travel.example/deals", "https://travel.example/deals"),
        ("https://travel.example/deals?utm=x&email=a@b.c#top", "https://travel.example/deals"),
        ("  /search?q=lisbon ", "/search"),
        ("/", "/"),
    ],
)
def test_page_urls_lose_their_query(url: str, page: str) -> None:
    assert normalize_page_url(url) == page


@pytest.mark.parametrize("url", ["", "   ", "?q=1", "#top", None, "/" + "p" * 2048])
def test_bad_page_urls(url: object) -> None:
    with pytest.raises(InvalidInputError, match=r"page_url (is required|must be 1\.\.2048)"):
        normalize_page_url(url)  # type: ignore[arg-type]


def test_summaries_and_core_web_vitals() -> None:
    lcp = summarise_vital("lcp", 2400, 12)
    assert (lcp.metric, lcp.p75, lcp.samples, lcp.rating) == (WebVital.LCP, 2400.0, 12, GOOD)
    good = {
        WebVital.LCP: lcp,
        WebVital.INP: summarise_vital("inp", 200, 3),
        WebVital.CLS: summarise_vital("cls", 0.1, 3),
    }
    assert passes_core_web_vitals(good)
    assert PageVitals("/", good).passes_core_web_vitals
    # FCP and TTFB do not count; a poor TTFB still passes
    assert passes_core_web_vitals(good | {WebVital.TTFB: summarise_vital("ttfb", 5000, 1)})
    # one core metric needing improvement fails
    assert not passes_core_web_vitals(good | {WebVital.INP: summarise_vital("inp", 201, 3)})
    # a core metric never measured fails
    del good[WebVital.CLS]
    assert not passes_core_web_vitals(good)
    assert not PageVitals("/", {}).passes_core_web_vitals


@pytest.mark.parametrize(
    ("metric", "p75", "samples"),
    [("lcp", 100, 0), ("lcp", 100, -1), ("lcp", -1, 3), ("xyz", 100, 3), ("cls", 0.1, True)],
)
def test_bad_summaries(metric: str, p75: float, samples: int) -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"at least one sample|samples must be a count|must be a finite number|unknown Web",
    ):
        summarise_vital(metric, p75, samples)
