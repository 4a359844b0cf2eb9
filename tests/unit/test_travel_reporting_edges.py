"""travel's reporting rules (002, phase 8) at their edges: 200-character event fields, counts
that may equal but not exceed each other, 2..10 funnel stages, the cohort's own days, and
2,048-character page URLs."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domainlayer.errors import InvalidInputError
from domainlayer.travel.reporting import (
    RETENTION_DAYS,
    CohortMember,
    InvalidFunnelError,
    MetricValue,
    PageVitals,
    Period,
    Rating,
    StageResult,
    TrafficCounts,
    VitalSummary,
    WebVital,
    check_event,
    check_funnel_stages,
    cohort_report,
    funnel_report,
    furthest_stage,
    normalize_page_url,
    period_bounds,
    snapshot_metrics,
    summarise_vital,
)

T0 = datetime(2026, 11, 25, 12, tzinfo=UTC)
DAY = date(2026, 11, 25)


def test_event_fields_up_to_200_characters() -> None:
    check_event("s" * 200, "e" * 200, {})
    with pytest.raises(InvalidInputError, match=r"event_type must be 1\.\.200 characters"):
        check_event("s", "e" * 201, {})
    with pytest.raises(InvalidInputError, match=r"session_id must be 1\.\.200 characters"):
        check_event("s" * 201, "e", {})


def test_a_conversion_value_of_zero_and_just_below() -> None:
    check_event("s", "conversion", {"value": 0.0})
    check_event("s", "conversion", {"value": Decimal("0.00")})
    with pytest.raises(InvalidInputError, match="a conversion's value must be a number >= 0"):
        check_event("s", "conversion", {"value": -0.01})


def _counts(**values: object) -> TrafficCounts:
    base: dict[str, object] = {
        "page_views": 3,
        "unique_users": 2,
        "sessions": 2,
        "searches": 1,
        "clicks": 1,
        "bookings": 2,
        "converted_sessions": 2,
        "revenue": Decimal("0"),
    }
    return TrafficCounts(**(base | values))  # type: ignore[arg-type]


def test_every_session_converting_with_one_booking_each() -> None:
    rows = {row.metric_type: row for row in snapshot_metrics(_counts(revenue=Decimal("0.01")))}
    assert rows["conversion_rate"] == MetricValue(
        "conversion_rate", 1.0, {"converted_sessions": 2, "sessions": 2}
    )
    # 0.01 / 2 = 0.005, half up: 0.01
    assert rows["revenue"] == MetricValue(
        "revenue", 0.01, {"amount": "0.01", "bookings": 2, "average_booking_value": "0.01"}
    )


def test_a_single_booking_is_its_own_average() -> None:
    rows = {
        row.metric_type: row
        for row in snapshot_metrics(
            _counts(bookings=1, converted_sessions=1, revenue=Decimal("99.995"))
        )
    }
    assert rows["revenue"].details == {
        "amount": "100.00",
        "bookings": 1,
        "average_booking_value": "100.00",
    }
    assert rows["conversion_rate"].value == 0.5


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"converted_sessions": 3}, "cannot outnumber sessions"),
        ({"bookings": 1}, "every converted session has a booking"),
        ({"revenue": Decimal("-0.001")}, "revenue must be >= 0"),
        ({"unique_users": -1}, "unique_users must be a count >= 0"),
        ({"converted_sessions": -1}, "converted_sessions must be a count >= 0"),
        ({"searches": False}, "searches must be a count >= 0"),
    ],
)
def test_counts_one_step_past_their_edge(values: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        snapshot_metrics(_counts(**values))


# Funnels ----------------------------------------------------------------------------------


def test_two_stages_is_the_smallest_funnel_and_ten_the_largest() -> None:
    assert check_funnel_stages(["a", "b"]) == ("a", "b")
    assert check_funnel_stages(tuple("abcdefghij")) == tuple("abcdefghij")
    with pytest.raises(InvalidFunnelError, match=r"a funnel has 2\.\.10 stages, not 1"):
        check_funnel_stages(["a"])
    with pytest.raises(InvalidFunnelError, match=r"a funnel has 2\.\.10 stages, not 11"):
        check_funnel_stages(list("abcdefghijk"))


def test_a_two_stage_funnel() -> None:
    report = funnel_report(["search", "conversion"], [0, 1, 1, 2])
    assert report.stages == (
        StageResult("search", 3, 1, 2, 2 / 3),
        StageResult("conversion", 1, 1, 0, 0.0),
    )
    assert (report.total_entered, report.total_converted, report.conversion_rate) == (
        3,
        1,
        1 / 3,
    )


def test_every_session_completing_the_funnel() -> None:
    report = funnel_report(["a", "b", "c"], [3, 3])
    assert [s.entered for s in report.stages] == [2, 2, 2]
    assert [s.drop_off for s in report.stages] == [0, 0, 0]
    assert report.conversion_rate == 1.0
    with pytest.raises(InvalidFunnelError, match=r"a session reaches 0\.\.3 stages: 4"):
        funnel_report(["a", "b", "c"], [4])
    with pytest.raises(InvalidFunnelError, match=r"a session reaches 0\.\.3 stages: -1"):
        funnel_report(["a", "b", "c"], [-1])


def test_the_furthest_stage_of_a_full_funnel_and_beyond() -> None:
    events = [("a", T0), ("b", T0 + timedelta(seconds=1)), ("c", T0 + timedelta(seconds=2))]
    assert furthest_stage(["a", "b", "c"], events) == 3
    # more events after the last stage change nothing
    assert furthest_stage(["a", "b", "c"], [*events, ("a", T0 + timedelta(hours=1))]) == 3
    assert furthest_stage(["a", "b"], [("b", T0), ("a", T0 + timedelta(seconds=1))]) == 1


# Cohorts ----------------------------------------------------------------------------------


def _member(
    first: date = DAY, days: frozenset[int] = frozenset({0}), revenue: str = "0"
) -> CohortMember:
    return CohortMember(first, days, Decimal(revenue))


def test_a_cohort_holds_members_first_seen_within_its_period() -> None:
    members = [_member(date(2026, 11, 1)), _member(date(2026, 11, 30))]
    report = cohort_report(Period.MONTH, T0, members, now=datetime(2027, 1, 1, tzinfo=UTC))
    assert (report.cohort_date, report.size) == (date(2026, 11, 1), 2)
    for outside in (date(2026, 10, 31), date(2026, 12, 1)):
        with pytest.raises(InvalidInputError, match="is outside the cohort 2026-11-01"):
            cohort_report("month", T0, [_member(outside)], now=datetime(2027, 1, 1, tzinfo=UTC))


def test_retention_becomes_known_at_the_exact_end_of_day_n() -> None:
    cohort_end = datetime(2026, 11, 26, tzinfo=UTC)
    members = [_member(days=frozenset({0, 1, 7, 30})), _member()]
    for day in RETENTION_DAYS:
        report = cohort_report("day", T0, members, now=cohort_end + timedelta(days=day))
        assert report.retained[day] == 1 and report.retention[day] == 0.5
        before = cohort_report(
            "day", T0, members, now=cohort_end + timedelta(days=day, microseconds=-1)
        )
        assert before.retained[day] is None and before.retention[day] is None


def test_ltv_is_revenue_per_member_half_up() -> None:
    members = [_member(revenue="0.01"), _member(revenue="0"), _member(revenue="0.00")]
    report = cohort_report("day", T0, members, now=T0)
    # 0.01 / 3 = 0.0033 -> 0.00
    assert (report.revenue, report.ltv) == (Decimal("0.01"), Decimal("0.00"))
    report = cohort_report("day", T0, [_member(revenue="0.01"), _member()], now=T0)
    # 0.01 / 2 = 0.005 -> 0.01
    assert report.ltv == Decimal("0.01")


def test_active_day_zero_is_the_first_day() -> None:
    report = cohort_report(
        "day", T0, [_member(days=frozenset())], now=datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert report.retained == {1: 0, 7: 0, 30: 0}
    with pytest.raises(InvalidInputError, match="a member's revenue must be >= 0"):
        cohort_report("day", T0, [_member(revenue="-0.01")], now=T0)


# Periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "at", "end"),
    [
        ("month", datetime(2026, 11, 30, 23, 59, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
        ("month", datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        ("month", datetime(2027, 1, 31, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC)),
        ("week", datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC)),
        (
            "hour",
            datetime(2026, 11, 30, 0, 59, 59, tzinfo=UTC),
            datetime(2026, 11, 30, 1, tzinfo=UTC),
        ),
    ],
)
def test_period_ends(period: str, at: datetime, end: datetime) -> None:
    assert period_bounds(period, at)[1] == end


# Web Vitals -------------------------------------------------------------------------------


def test_a_page_url_of_2048_characters_and_one_more() -> None:
    page = "/" + "p" * 2047
    assert normalize_page_url(page + "?q=1") == page
    with pytest.raises(InvalidInputError, match=r"page_url must be 1\.\.2048 characters"):
        normalize_page_url(page + "p")


def test_one_sample_is_enough_for_a_summary() -> None:
    assert summarise_vital("cls", 0.25, 1) == VitalSummary(
        WebVital.CLS, 0.25, 1, Rating.NEEDS_IMPROVEMENT
    )
    with pytest.raises(InvalidInputError, match="a summary needs at least one sample"):
        summarise_vital("cls", 0.25, 0)


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (MetricValue("sessions", 1.0, {}), "value"),
        (StageResult("a", 1, 1, 0, 0.0), "entered"),
        (VitalSummary(WebVital.LCP, 1.0, 1, Rating.GOOD), "p75"),
        (_member(), "revenue"),
        (_counts(), "sessions"),
        (funnel_report(["a", "b"], [1]), "total_entered"),
        (cohort_report("day", T0, [], now=T0), "size"),
        (PageVitals("/", {}), "page_url"),
    ],
)
def test_results_are_frozen_slotted_values(value: object, field: str) -> None:
    with pytest.raises(FrozenInstanceError):
        setattr(value, field, None)
    assert not hasattr(value, "__dict__")


def test_funnel_stages_are_an_ordered_sequence() -> None:
    for stages in ({"page_view", "search"}, iter(["page_view", "search"])):
        with pytest.raises(InvalidFunnelError, match="a sequence of event types"):
            check_funnel_stages(stages)  # type: ignore[arg-type]
