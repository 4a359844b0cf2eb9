"""travel's reporting rules (002, phase 8): periods, metric snapshots, funnels, cohorts,
Web Vitals. Pure: no I/O, no clock (`now` is a parameter); the repository aggregates.

Periods are UTC: an hour, a day (00:00), an ISO week (Monday 00:00) or a calendar month,
each half-open ``[start, end)``.

Events: `page_view`, `search`, `click` and `conversion` (a booking). A booking's revenue is
the numeric ``eventData.value`` of its conversion event. Snapshot metrics, one row each:
page views, unique users (distinct non-null user ids), sessions (distinct session ids),
searches, clicks, bookings, revenue (to the cent, half up) and the conversion rate =
sessions with a conversion / sessions (a fraction in 0..1; None without sessions).

Funnels are closed and ordered, per session: a session reaches stage k when it reached
stage k-1 and has a stage-k event at or after that. Per stage: entered = sessions reaching
it, completed = sessions reaching the next one (the last stage: all that entered it),
drop-off = entered - completed, abandonment rate = drop-off / entered (None when nobody
entered). Conversion rate = reached the last stage / entered the first.

Cohorts: users grouped by the period of their first event ("first seen"). Day-N retention
= the share of members active on the N-th UTC day after their own first day (exact day,
N = 1, 7, 30); None until day N is over for every member. LTV = the members' revenue to
date / cohort size, to the cent (half up).

Web Vitals are rated as web.dev publishes: good when value <= the first threshold, poor
when value > the second, needs-improvement between. Pages are summarised by the 75th
percentile of each metric (as Google's CrUX does); a page passes the Core Web Vitals when
the p75 of LCP, INP and CLS are all good.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from domainlayer.errors import InvalidInputError
from domainlayer.typed_rules import rule

__all__ = [
    "BOOKING_FUNNEL",
    "CONVERSION",
    "CORE_WEB_VITALS",
    "METRIC_TYPES",
    "RETENTION_DAYS",
    "THRESHOLDS",
    "CohortMember",
    "CohortReport",
    "FunnelReport",
    "InvalidFunnelError",
    "InvalidPeriodError",
    "InvalidVitalError",
    "MetricValue",
    "NaiveDatetimeError",
    "PageVitals",
    "Period",
    "Rating",
    "StageResult",
    "TrafficCounts",
    "VitalSummary",
    "WebVital",
    "check_event",
    "check_funnel_stages",
    "check_vital",
    "cohort_period",
    "cohort_report",
    "cohort_type",
    "funnel_report",
    "furthest_stage",
    "normalize_page_url",
    "passes_core_web_vitals",
    "period_bounds",
    "rate",
    "snapshot_metrics",
    "summarise_vital",
]


class NaiveDatetimeError(InvalidInputError):
    """A datetime without a timezone where the rules compare instants."""


class InvalidPeriodError(InvalidInputError):
    """A period that is not hour, day, week or month (or not allowed here)."""


class InvalidFunnelError(InvalidInputError):
    """Funnel stages that are not 2..10 distinct event types."""


class InvalidVitalError(InvalidInputError):
    """An unknown Web Vital, or a value that is not a finite number >= 0."""


def _aware(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise InvalidInputError(f"{name} must be a datetime")
    if moment.tzinfo is None:
        raise NaiveDatetimeError(f"{name} must be timezone-aware")
    return moment.astimezone(UTC)


def _count(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"{name} must be a count >= 0: {value!r}")
    return value


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


_CENT: Final = Decimal("0.01")


def _money(value: Decimal | int | str, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidInputError(f"{name} must be a Decimal amount: {value!r}")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise InvalidInputError(f"{name} must be a Decimal amount: {value!r}") from exc
    if not amount.is_finite():
        raise InvalidInputError(f"{name} must be finite: {value!r}")
    return amount


# Periods ----------------------------------------------------------------------------------


class Period(StrEnum):
    """The snapshot periods of the schema (`metric_snapshots.period`)."""

    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def _period(value: Period | str) -> Period:
    try:
        return Period(value)
    except ValueError:
        raise InvalidPeriodError(f"a period is hour, day, week or month: {value!r}") from None


@rule
def period_bounds(period: Period | str, at: datetime) -> tuple[datetime, datetime]:
    """The UTC period ``[start, end)`` of kind ``period`` that contains ``at``."""
    kind = _period(period)
    moment = _aware(at, "at")
    if kind is Period.HOUR:
        start = moment.replace(minute=0, second=0, microsecond=0)
        return start, start + timedelta(hours=1)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind is Period.DAY:
        return day, day + timedelta(days=1)
    if kind is Period.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    if start.month == 12:
        return start, start.replace(year=start.year + 1, month=1)
    return start, start.replace(month=start.month + 1)


# Events and metric snapshots --------------------------------------------------------------

PAGE_VIEW: Final = "page_view"
SEARCH: Final = "search"
CLICK: Final = "click"
#: A booking: its revenue is ``eventData.value``.
CONVERSION: Final = "conversion"

#: One snapshot row per metric and period, in this order.
METRIC_TYPES: Final = (
    "page_views",
    "unique_users",
    "sessions",
    "searches",
    "clicks",
    "bookings",
    "revenue",
    "conversion_rate",
)


def check_event(session_id: str, event_type: str, event_data: Mapping[str, Any]) -> None:
    """An event names its session and type; its data is a JSON object (a conversion's
    ``value``, when given, a number >= 0)."""
    for value, name in ((session_id, "session_id"), (event_type, "event_type")):
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise InvalidInputError(f"{name} must be 1..200 characters")
    if not isinstance(event_data, Mapping):
        raise InvalidInputError("event_data must be a JSON object")
    if event_type == CONVERSION and "value" in event_data:
        value = event_data["value"]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float | Decimal)
            or not math.isfinite(value)
            or value < 0
        ):
            raise InvalidInputError(f"a conversion's value must be a number >= 0: {value!r}")


@dataclass(frozen=True, slots=True)
class TrafficCounts:
    """What the repository counts from one period's events."""

    page_views: int
    unique_users: int
    sessions: int
    searches: int
    clicks: int
    bookings: int
    converted_sessions: int
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class MetricValue:
    """One snapshot row: the metric, its value, and the figures it came from."""

    metric_type: str
    value: float | None
    details: dict[str, Any]


@rule
def snapshot_metrics(counts: TrafficCounts) -> tuple[MetricValue, ...]:
    """The METRIC_TYPES rows of one period's counts."""
    for name in (
        "page_views",
        "unique_users",
        "sessions",
        "searches",
        "clicks",
        "bookings",
        "converted_sessions",
    ):
        _count(getattr(counts, name), name)
    if counts.converted_sessions > counts.sessions:
        raise InvalidInputError("converted sessions cannot outnumber sessions")
    if counts.converted_sessions > counts.bookings:
        raise InvalidInputError("every converted session has a booking")
    revenue = _money(counts.revenue, "revenue")
    if revenue < 0:
        raise InvalidInputError("revenue must be >= 0")
    revenue = revenue.quantize(_CENT, ROUND_HALF_UP)
    average = (
        (revenue / counts.bookings).quantize(_CENT, ROUND_HALF_UP) if counts.bookings else None
    )
    plain = (
        "page_views",
        "unique_users",
        "sessions",
        "searches",
        "clicks",
        "bookings",
    )
    values = [
        MetricValue(name, float(getattr(counts, name)), {"count": getattr(counts, name)})
        for name in plain
    ]
    values.append(
        MetricValue(
            "revenue",
            float(revenue),
            {
                "amount": str(revenue),
                "bookings": counts.bookings,
                "average_booking_value": None if average is None else str(average),
            },
        )
    )
    values.append(
        MetricValue(
            "conversion_rate",
            _ratio(counts.converted_sessions, counts.sessions),
            {"converted_sessions": counts.converted_sessions, "sessions": counts.sessions},
        )
    )
    return tuple(values)


# Funnels ----------------------------------------------------------------------------------

#: The booking funnel of the document's events.
BOOKING_FUNNEL: Final = (PAGE_VIEW, SEARCH, CLICK, CONVERSION)


def check_funnel_stages(stages: Sequence[str]) -> tuple[str, ...]:
    """2..10 distinct, non-blank event types, in funnel order."""
    if isinstance(stages, str) or not isinstance(stages, Sequence):
        raise InvalidFunnelError("funnel stages are a sequence of event types")
    names = tuple(stages)
    if not 2 <= len(names) <= 10:
        raise InvalidFunnelError(f"a funnel has 2..10 stages, not {len(names)}")
    if any(not isinstance(name, str) or not name.strip() for name in names):
        raise InvalidFunnelError("funnel stages are non-blank event types")
    if len(set(names)) != len(names):
        raise InvalidFunnelError(f"funnel stages must be distinct: {names}")
    return names


def furthest_stage(stages: Sequence[str], events: Iterable[tuple[str, datetime]]) -> int:
    """How many stages one session reached, in order (0 = not even the first).

    Events are ``(event_type, at)``; they are taken in time order, and events of the same
    instant in funnel order, so a search logged in the same millisecond as its page view
    still counts.
    """
    names = check_funnel_stages(stages)
    order = {name: index for index, name in enumerate(names)}
    timeline = sorted(
        ((_aware(at, "event time"), order[kind]) for kind, at in events if kind in order),
    )
    reached = 0
    for _, index in timeline:
        if index == reached:
            reached += 1
            if reached == len(names):
                break
    return reached


@dataclass(frozen=True, slots=True)
class StageResult:
    name: str
    entered: int
    completed: int
    drop_off: int
    abandonment_rate: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "stage": self.name,
            "entered": self.entered,
            "completed": self.completed,
            "drop_off": self.drop_off,
            "abandonment_rate": self.abandonment_rate,
        }


@dataclass(frozen=True, slots=True)
class FunnelReport:
    stages: tuple[StageResult, ...]
    total_entered: int
    total_converted: int
    conversion_rate: float | None

    def stages_json(self) -> list[dict[str, Any]]:
        """The schema's `stages`: ``[{"name": ..., "count": ...}]``."""
        return [{"name": stage.name, "count": stage.entered} for stage in self.stages]

    def abandonment_json(self) -> list[dict[str, Any]]:
        """The schema's `abandonment`: one object per stage."""
        return [stage.as_json() for stage in self.stages]


def funnel_report(stages: Sequence[str], reached: Iterable[int]) -> FunnelReport:
    """The funnel of sessions that reached ``reached`` stages each (`furthest_stage`)."""
    names = check_funnel_stages(stages)
    at_least = [0] * (len(names) + 1)
    for count in reached:
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= len(names):
            raise InvalidFunnelError(f"a session reaches 0..{len(names)} stages: {count!r}")
        for index in range(1, count + 1):
            at_least[index] += 1
    results = []
    for index, name in enumerate(names, start=1):
        entered = at_least[index]
        completed = at_least[index + 1] if index < len(names) else entered
        drop_off = entered - completed
        results.append(StageResult(name, entered, completed, drop_off, _ratio(drop_off, entered)))
    total_entered, total_converted = at_least[1], at_least[len(names)]
    return FunnelReport(
        tuple(results), total_entered, total_converted, _ratio(total_converted, total_entered)
    )


# Cohorts ----------------------------------------------------------------------------------

#: Day-N retention the schema stores.
RETENTION_DAYS: Final = (1, 7, 30)

_COHORT_PREFIX: Final = "first_seen:"


@rule
def cohort_period(period: Period | str) -> Period:
    """Cohorts are days, weeks or months (`cohort_date` is a date)."""
    kind = _period(period)
    if kind is Period.HOUR:
        raise InvalidPeriodError("cohorts are days, weeks or months")
    return kind


@rule
def cohort_type(period: Period | str) -> str:
    """The stored `cohort_type`: ``first_seen:day`` / ``:week`` / ``:month``."""
    return _COHORT_PREFIX + cohort_period(period).value


@dataclass(frozen=True, slots=True)
class CohortMember:
    """One user of a cohort: first day, days active (0 = the first day) and revenue."""

    first_day: date
    active_days: frozenset[int]
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class CohortReport:
    cohort_date: date
    size: int
    retained: dict[int, int | None]
    retention: dict[int, float | None]
    revenue: Decimal
    ltv: Decimal | None


@rule
def cohort_report(
    period: Period | str, at: datetime, members: Iterable[CohortMember], now: datetime
) -> CohortReport:
    """Retention and LTV of the cohort of ``period`` containing ``at``, as of ``now``."""
    start, end = period_bounds(cohort_period(period), at)
    now = _aware(now, "now")
    people = list(members)
    total = Decimal(0)
    for member in people:
        if not start.date() <= member.first_day < end.date():
            raise InvalidInputError(f"{member.first_day} is outside the cohort {start.date()}")
        if any(
            isinstance(day, bool) or not isinstance(day, int) or day < 0
            for day in member.active_days
        ):
            raise InvalidInputError("active days are offsets >= 0 from the first day")
        revenue = _money(member.revenue, "revenue")
        if revenue < 0:
            raise InvalidInputError("a member's revenue must be >= 0")
        total += revenue
    retained: dict[int, int | None] = {}
    retention: dict[int, float | None] = {}
    for day in RETENTION_DAYS:
        # The last member's day N ends at (cohort end + N days).
        if end + timedelta(days=day) > now:
            retained[day], retention[day] = None, None
            continue
        kept = sum(1 for member in people if day in member.active_days)
        retained[day], retention[day] = kept, _ratio(kept, len(people))
    total = total.quantize(_CENT, ROUND_HALF_UP)
    ltv = (total / len(people)).quantize(_CENT, ROUND_HALF_UP) if people else None
    return CohortReport(start.date(), len(people), retained, retention, total, ltv)


# Web Vitals -------------------------------------------------------------------------------


class WebVital(StrEnum):
    LCP = "lcp"
    INP = "inp"
    CLS = "cls"
    FCP = "fcp"
    TTFB = "ttfb"
    #: Rated only: replaced by INP in 2024, the schema has no column for it.
    FID = "fid"


class Rating(StrEnum):
    GOOD = "good"
    NEEDS_IMPROVEMENT = "needs-improvement"
    POOR = "poor"


#: (good up to and including, poor above); milliseconds except CLS (unitless).
THRESHOLDS: Final[Mapping[WebVital, tuple[float, float]]] = {
    WebVital.LCP: (2500, 4000),
    WebVital.INP: (200, 500),
    WebVital.CLS: (0.1, 0.25),
    WebVital.FCP: (1800, 3000),
    WebVital.TTFB: (800, 1800),
    WebVital.FID: (100, 300),
}

#: The three Core Web Vitals a page must have good to pass.
CORE_WEB_VITALS: Final = (WebVital.LCP, WebVital.INP, WebVital.CLS)


def _vital(metric: WebVital | str) -> WebVital:
    try:
        return WebVital(metric)
    except ValueError:
        raise InvalidVitalError(f"unknown Web Vital: {metric!r}") from None


@rule
def check_vital(metric: WebVital | str, value: float) -> float:
    """A measurement: a finite number >= 0."""
    kind = _vital(metric)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidVitalError(f"{kind.value} must be a finite number >= 0: {value!r}")
    return float(value)


@rule
def rate(metric: WebVital | str, value: float) -> Rating:
    """good (<= first threshold), needs-improvement, or poor (> second threshold)."""
    kind = _vital(metric)
    measured = check_vital(kind, value)
    good, poor = THRESHOLDS[kind]
    if measured <= good:
        return Rating.GOOD
    if measured > poor:
        return Rating.POOR
    return Rating.NEEDS_IMPROVEMENT


def normalize_page_url(url: str) -> str:
    """The page a measurement belongs to: the URL without query string or fragment
    (they would split one page into many and may carry personal data)."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidInputError("page_url is required")
    parts = urlsplit(url.strip())
    page = urlunsplit(parts._replace(query="", fragment=""))
    if not page or len(page) > 2048:
        raise InvalidInputError("page_url must be 1..2048 characters without its query")
    return page


@dataclass(frozen=True, slots=True)
class VitalSummary:
    metric: WebVital
    p75: float
    samples: int
    rating: Rating


@rule
def summarise_vital(metric: WebVital | str, p75: float, samples: int) -> VitalSummary:
    """A page's metric summarised by its 75th percentile, rated."""
    kind = _vital(metric)
    if _count(samples, "samples") == 0:
        raise InvalidInputError("a summary needs at least one sample")
    return VitalSummary(kind, check_vital(kind, p75), samples, rate(kind, p75))


@rule
def passes_core_web_vitals(summaries: Mapping[WebVital, VitalSummary]) -> bool:
    """True when LCP, INP and CLS are all measured and good at p75."""
    return all(
        metric in summaries and summaries[metric].rating is Rating.GOOD
        for metric in CORE_WEB_VITALS
    )


@dataclass(frozen=True, slots=True)
class PageVitals:
    """One page's p75 summaries over a window."""

    page_url: str
    metrics: Mapping[WebVital, VitalSummary]

    @property
    def passes_core_web_vitals(self) -> bool:
        return passes_core_web_vitals(self.metrics)
