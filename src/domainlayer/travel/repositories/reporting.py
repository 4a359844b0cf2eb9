"""travel's reporting repositories: events in, snapshots, funnels, cohorts and Web Vitals out.

The database aggregates (counts, distinct counts, percentiles) and the rules in
:mod:`domainlayer.travel.reporting` turn the figures into rates and ratings. Re-running a
report for the same period replaces the stored one:
- metric snapshots: one ``INSERT ... ON CONFLICT (metric_type, period, period_start) DO
  UPDATE`` of all the period's rows, so concurrent runs never duplicate a row;
- cohorts: the same on ``(cohort_date, cohort_type)``;
- funnels: the table has no unique key, so the replacement (delete the period's funnel of
  that name, insert the new one) runs in a transaction holding an advisory lock on
  (name, period, start); concurrent runs take turns and one row remains.
The client cannot express ``ON CONFLICT`` updates, advisory locks, ``FILTER`` aggregates or
``percentile_cont``, so those statements are raw SQL, here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from prisma import Prisma
from prisma.models import (
    TravelAnalyticsEvent,
    TravelConversionFunnel,
    TravelMetricSnapshot,
    TravelPerformanceMetric,
    TravelUserCohort,
)

from domainlayer.errors import InfrastructureError, InvalidInputError
from domainlayer.repository import Json, translating_errors, unit_of_work
from domainlayer.travel.reporting import (
    METRIC_TYPES,
    RETENTION_DAYS,
    CohortMember,
    CohortReport,
    FunnelReport,
    InvalidVitalError,
    NaiveDatetimeError,
    PageVitals,
    Period,
    TrafficCounts,
    WebVital,
    check_event,
    check_funnel_stages,
    check_vital,
    cohort_report,
    cohort_type,
    funnel_report,
    furthest_stage,
    normalize_page_url,
    period_bounds,
    snapshot_metrics,
    summarise_vital,
)
from domainlayer.travel.repositories._common import new_id, stamp
from domainlayer.validation import (
    json_object,
    moment,
    number,
    optional_text,
    refusing_as,
    strings,
    text,
)

__all__ = ["AnalyticsRepository", "BuiltCohort", "BuiltFunnel", "PerformanceRepository"]


def _json_default(value: object) -> object:
    """Event data to JSON: a finite Decimal becomes a JSON number (a conversion's ``value``
    must be one to count as revenue), refused when a float would not keep it exactly;
    anything else unknown becomes text."""
    if isinstance(value, Decimal) and value.is_finite():
        number = float(value)
        if Decimal(repr(number)) != value:
            raise InvalidInputError(f"{value} has more digits than a JSON number keeps")
        return number
    return str(value)


# Revenue: the numeric `value` of conversions (anything else there is not money).
_TRAFFIC = """
SELECT count(*) FILTER (WHERE e.event_type = 'page_view') AS page_views,
       count(DISTINCT e.user_id) AS unique_users,
       count(DISTINCT e.session_id) AS sessions,
       count(*) FILTER (WHERE e.event_type = 'search') AS searches,
       count(*) FILTER (WHERE e.event_type = 'click') AS clicks,
       count(*) FILTER (WHERE e.event_type = 'conversion') AS bookings,
       count(DISTINCT e.session_id) FILTER (WHERE e.event_type = 'conversion')
           AS converted_sessions,
       coalesce(sum((e.event_data->>'value')::numeric) FILTER (
                    WHERE e.event_type = 'conversion'
                      AND jsonb_typeof(e.event_data->'value') = 'number'), 0)::text AS revenue
FROM travel.analytics_events e
WHERE e.created_at >= $1::text::timestamptz AND e.created_at < $2::text::timestamptz
"""

_UPSERT_SNAPSHOTS = """
INSERT INTO travel.metric_snapshots
    (id, metric_type, period, period_start, period_end, value, metrics, created_at)
SELECT r.id, r.metric_type, $2, $3::text::timestamptz, $4::text::timestamptz, r.value,
       r.metrics, $5::text::timestamptz
FROM jsonb_to_recordset($1::text::jsonb) AS r(id text, metric_type text, value float8,
                                                metrics jsonb)
ON CONFLICT (metric_type, period, period_start) DO UPDATE
    SET period_end = EXCLUDED.period_end, value = EXCLUDED.value,
        metrics = EXCLUDED.metrics, dimensions = NULL, created_at = EXCLUDED.created_at
"""

_FUNNEL_EVENTS = """
SELECT e.session_id, e.event_type, e.created_at::text AS at
FROM travel.analytics_events e
WHERE e.created_at >= $1::text::timestamptz AND e.created_at < $2::text::timestamptz
  AND e.event_type IN (SELECT jsonb_array_elements_text($3::text::jsonb))
"""

_COHORT_MEMBERS = """
WITH members AS (
    SELECT user_id, min(created_at) AS first_seen
    FROM travel.analytics_events
    WHERE user_id IS NOT NULL AND created_at < $3::text::timestamptz
    GROUP BY user_id
    HAVING min(created_at) >= $1::text::timestamptz AND min(created_at) < $2::text::timestamptz
)
SELECT m.user_id,
       ((m.first_seen AT TIME ZONE 'UTC')::date)::text AS first_day,
       coalesce(array_agg(DISTINCT ((e.created_at AT TIME ZONE 'UTC')::date
                                    - (m.first_seen AT TIME ZONE 'UTC')::date))
                FILTER (WHERE (e.created_at AT TIME ZONE 'UTC')::date
                              - (m.first_seen AT TIME ZONE 'UTC')::date
                              = ANY($4::text::int[])),
                '{}') AS active_days,
       coalesce(sum((e.event_data->>'value')::numeric) FILTER (
                    WHERE e.event_type = 'conversion'
                      AND jsonb_typeof(e.event_data->'value') = 'number'), 0)::text AS revenue
FROM members m
JOIN travel.analytics_events e ON e.user_id = m.user_id AND e.created_at < $3::text::timestamptz
GROUP BY m.user_id, m.first_seen
"""

_UPSERT_COHORT = """
INSERT INTO travel.user_cohorts
    (id, cohort_date, cohort_type, size, day1_retention, day7_retention, day30_retention,
     ltv, metadata, created_at, updated_at)
VALUES ($1, $2::text::date, $3, $4::text::int, $5::text::float8, $6::text::float8,
        $7::text::float8, $8::text::numeric, $9::text::jsonb, $10::text::timestamptz,
        $10::text::timestamptz)
ON CONFLICT (cohort_date, cohort_type) DO UPDATE
    SET size = EXCLUDED.size, day1_retention = EXCLUDED.day1_retention,
        day7_retention = EXCLUDED.day7_retention, day30_retention = EXCLUDED.day30_retention,
        ltv = EXCLUDED.ltv, metadata = EXCLUDED.metadata, updated_at = EXCLUDED.updated_at
"""

_VITAL_P75 = """
SELECT m.page_url, v.metric, count(*) AS samples,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY v.value) AS p75
FROM travel.performance_metrics m
CROSS JOIN LATERAL (VALUES ('lcp', m.lcp), ('inp', m.inp), ('cls', m.cls), ('fcp', m.fcp),
                           ('ttfb', m.ttfb)) AS v(metric, value)
WHERE v.value IS NOT NULL
  AND m.created_at >= $1::text::timestamptz AND m.created_at < $2::text::timestamptz
  AND ($3::text IS NULL OR m.device_type = $3::text)
GROUP BY m.page_url, v.metric
ORDER BY m.page_url, v.metric
"""


def _moment(name: str, value: object) -> datetime:
    """A checked datetime; refusals are this module's NaiveDatetimeError, as the rules'."""
    with refusing_as(NaiveDatetimeError):
        return moment(name, value)


def _float_text(value: float | None) -> str | None:
    return None if value is None else repr(value)


@dataclass(frozen=True, slots=True)
class BuiltFunnel:
    funnel: TravelConversionFunnel
    report: FunnelReport


@dataclass(frozen=True, slots=True)
class BuiltCohort:
    cohort: TravelUserCohort
    report: CohortReport


class AnalyticsRepository:
    """Raw events, and the reports built from them: snapshots, funnels, cohorts."""

    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def record_event(
        self,
        session_id: str,
        event_type: str,
        event_data: Mapping[str, Any],
        *,
        at: datetime,
        user_id: str | None = None,
        page_url: str | None = None,
        referrer: str | None = None,
        user_agent: str | None = None,
        ip_address: str | None = None,
        country: str | None = None,
        device_type: str | None = None,
    ) -> TravelAnalyticsEvent:
        """Store one raw event (`check_event`) at ``at``."""
        text("session_id", session_id, 200)
        text("event_type", event_type, 100)
        event_data = json_object("event_data", event_data, decimals=True)
        at = _moment("at", at)
        check_event(session_id, event_type, event_data)
        for value, name in (
            (user_id, "user_id"),
            (page_url, "page_url"),
            (referrer, "referrer"),
            (user_agent, "user_agent"),
            (ip_address, "ip_address"),
            (country, "country"),
            (device_type, "device_type"),
        ):
            optional_text(name, value, 2048)
        payload = json.loads(json.dumps(dict(event_data), default=_json_default))
        with translating_errors():
            return await self._client.travelanalyticsevent.create(
                data={
                    "sessionId": session_id,
                    "userId": user_id,
                    "eventType": event_type,
                    "eventData": Json(payload),
                    "pageUrl": page_url,
                    "referrer": referrer,
                    "userAgent": user_agent,
                    "ipAddress": ip_address,
                    "country": country,
                    "deviceType": device_type,
                    "createdAt": at,
                }
            )

    async def build_snapshots(
        self, period: Period | str, at: datetime, *, now: datetime
    ) -> list[TravelMetricSnapshot]:
        """Aggregate the events of the period containing ``at`` into one row per metric
        (METRIC_TYPES), replacing the period's earlier rows; ``now`` stamps them."""
        text("period", period, 20)
        at = _moment("at", at)
        now = _moment("now", now)
        start, end = period_bounds(period, at)
        with translating_errors():
            row = await self._client.query_first(_TRAFFIC, stamp(start), stamp(end))
        if not row:  # an aggregate always yields one row
            raise InfrastructureError("the traffic aggregate returned no row")
        counts = TrafficCounts(
            page_views=int(row["page_views"]),
            unique_users=int(row["unique_users"]),
            sessions=int(row["sessions"]),
            searches=int(row["searches"]),
            clicks=int(row["clicks"]),
            bookings=int(row["bookings"]),
            converted_sessions=int(row["converted_sessions"]),
            revenue=Decimal(row["revenue"]),
        )
        rows = [
            {"id": new_id(), "metric_type": m.metric_type, "value": m.value, "metrics": m.details}
            for m in snapshot_metrics(counts)
        ]
        kind = Period(period).value
        with translating_errors():
            await self._client.execute_raw(
                _UPSERT_SNAPSHOTS, json.dumps(rows), kind, stamp(start), stamp(end), stamp(now)
            )
            snapshots = await self._client.travelmetricsnapshot.find_many(
                where={"period": kind, "periodStart": start}
            )
        order = {name: index for index, name in enumerate(METRIC_TYPES)}
        return sorted(snapshots, key=lambda snapshot: order.get(snapshot.metricType, len(order)))

    async def snapshot_series(
        self, metric_type: str, period: Period | str, since: datetime, until: datetime
    ) -> list[TravelMetricSnapshot]:
        """One metric's snapshots of periods starting in ``[since, until)``, oldest first."""
        text("metric_type", metric_type, 100)
        text("period", period, 20)
        since = _moment("since", since)
        until = _moment("until", until)
        if metric_type not in METRIC_TYPES:
            raise InvalidInputError(f"a metric is one of {METRIC_TYPES}: {metric_type!r}")
        period_bounds(period, since)  # validates the period
        if until <= since:
            raise InvalidInputError("until must be after since")
        with translating_errors():
            return await self._client.travelmetricsnapshot.find_many(
                where={
                    "metricType": metric_type,
                    "period": Period(period).value,
                    "periodStart": {"gte": since, "lt": until},
                },
                order={"periodStart": "asc"},
            )

    async def build_funnel(
        self, name: str, stages: Sequence[str], period: Period | str, at: datetime
    ) -> BuiltFunnel:
        """The funnel ``name`` over ``stages`` (event types) for the period containing
        ``at``, per session; replaces that period's funnel of the same name."""
        text("name", name, 100)
        stages = strings("stages", stages, max_len=100)
        text("period", period, 20)
        at = _moment("at", at)
        names = check_funnel_stages(stages)
        start, end = period_bounds(period, at)
        with translating_errors():
            rows = await self._client.query_raw(
                _FUNNEL_EVENTS, stamp(start), stamp(end), json.dumps(names)
            )
        journeys: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
        for row in rows:
            journeys[row["session_id"]].append(
                (row["event_type"], datetime.fromisoformat(row["at"]))
            )
        report = funnel_report(
            names, (furthest_stage(names, events) for events in journeys.values())
        )
        kind = Period(period).value
        async with unit_of_work(self._client) as tx:
            # Serialises rebuilds of this funnel and period (no unique key to upsert on).
            await tx.execute_raw(
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                f"travel.conversion_funnels:{name}:{kind}:{stamp(start)}",
            )
            await tx.travelconversionfunnel.delete_many(
                where={"name": name, "period": kind, "periodStart": start}
            )
            funnel = await tx.travelconversionfunnel.create(
                data={
                    "name": name,
                    "stages": Json(report.stages_json()),
                    "period": kind,
                    "periodStart": start,
                    "periodEnd": end,
                    "totalEntered": report.total_entered,
                    "totalConverted": report.total_converted,
                    "conversionRate": report.conversion_rate,
                    "abandonment": Json(report.abandonment_json()),
                }
            )
        return BuiltFunnel(funnel, report)

    async def build_cohort(
        self, period: Period | str, at: datetime, *, now: datetime
    ) -> BuiltCohort:
        """Retention and LTV, as of ``now``, of the users first seen in the period (day,
        week or month) containing ``at``; replaces the stored cohort."""
        text("period", period, 20)
        at = _moment("at", at)
        now = _moment("now", now)
        kind = cohort_type(period)
        start, end = period_bounds(period, at)
        days = "{" + ",".join(str(day) for day in RETENTION_DAYS) + "}"
        with translating_errors():
            rows = await self._client.query_raw(
                _COHORT_MEMBERS, stamp(start), stamp(end), stamp(now), days
            )
        members = [
            CohortMember(
                first_day=datetime.fromisoformat(row["first_day"]).date(),
                active_days=frozenset(int(day) for day in row["active_days"]),
                revenue=Decimal(row["revenue"]),
            )
            for row in rows
        ]
        report = cohort_report(period, at, members, now)
        metadata = {
            "revenue": str(report.revenue),
            "retained": {str(day): count for day, count in report.retained.items()},
            "computed_at": stamp(now),
        }
        with translating_errors():
            await self._client.execute_raw(
                _UPSERT_COHORT,
                new_id(),
                report.cohort_date.isoformat(),
                kind,
                str(report.size),
                _float_text(report.retention[1]),
                _float_text(report.retention[7]),
                _float_text(report.retention[30]),
                None if report.ltv is None else str(report.ltv),
                json.dumps(metadata),
                stamp(now),
            )
            cohort = await self._client.travelusercohort.find_first(
                where={"cohortType": kind, "cohortDate": start}
            )
        if cohort is None:  # just upserted
            raise InfrastructureError("the upserted cohort was not found")
        return BuiltCohort(cohort, report)


class PerformanceRepository:
    """Web Vitals measurements and their p75 summaries per page."""

    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def record(
        self,
        page_url: str,
        *,
        at: datetime,
        lcp: float | None = None,
        inp: float | None = None,
        cls: float | None = None,
        fcp: float | None = None,
        ttfb: float | None = None,
        session_id: str | None = None,
        device_type: str | None = None,
        connection_type: str | None = None,
    ) -> TravelPerformanceMetric:
        """One page view's measurements (at least one); the URL is stored without its query."""
        text("page_url", page_url, 2048)
        at = _moment("at", at)
        for vital, name in ((lcp, "lcp"), (inp, "inp"), (cls, "cls"), (fcp, "fcp"), (ttfb, "ttfb")):
            if vital is not None:
                with refusing_as(InvalidVitalError):
                    number(name, vital, -1e12, 1e12)
        page = normalize_page_url(page_url)
        given = {
            name: check_vital(name, value)
            for name, value in (
                ("lcp", lcp),
                ("inp", inp),
                ("cls", cls),
                ("fcp", fcp),
                ("ttfb", ttfb),
            )
            if value is not None
        }
        if not given:
            raise InvalidInputError("a measurement has at least one Web Vital")
        for value, name in (
            (session_id, "session_id"),
            (device_type, "device_type"),
            (connection_type, "connection_type"),
        ):
            optional_text(name, value, 200)
        with translating_errors():
            return await self._client.travelperformancemetric.create(
                data={
                    "pageUrl": page,
                    "sessionId": session_id,
                    "deviceType": device_type,
                    "connectionType": connection_type,
                    "createdAt": at,
                    **given,  # type: ignore[typeddict-item]
                }
            )

    async def summarise(
        self, since: datetime, until: datetime, *, device_type: str | None = None
    ) -> list[PageVitals]:
        """Per page, the p75 (``percentile_cont``, linear interpolation) of each metric
        measured in ``[since, until)``, rated; optionally one device type only."""
        since = _moment("since", since)
        if _moment("until", until) <= since:
            raise InvalidInputError("until must be after since")
        optional_text("device_type", device_type, 200)
        with translating_errors():
            rows = await self._client.query_raw(_VITAL_P75, stamp(since), stamp(until), device_type)
        pages: dict[str, dict[WebVital, Any]] = {}
        for row in rows:
            metric = WebVital(row["metric"])
            pages.setdefault(row["page_url"], {})[metric] = summarise_vital(
                metric, float(row["p75"]), int(row["samples"])
            )
        return [PageVitals(page, metrics) for page, metrics in pages.items()]
