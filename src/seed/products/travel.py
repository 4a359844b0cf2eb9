"""travel (002): the 17 tables of phases 8 (analytics, BI, ML, A/B tests) and 9 (admin, CMS).

The traffic is one simulated world, generated day by day from its own random streams, so
that every aggregate agrees with the raw events it summarises: each UTC day has the new
users first seen that day, the earlier users who come back (day-1/7/30 retention of their
own), and anonymous visitors; each visit is a session whose events walk the booking funnel
(page view -> search -> click -> conversion) and whose page views carry Web Vitals. From
the same days come the daily metric snapshots (``reporting.snapshot_metrics``), the
booking funnels (``funnel_report``), the first-seen cohorts (``cohort_report``) and the
experiment participations (variant by ``flags.choose_variant``, conversions from the
participants' own bookings). A day is regenerated for each table rather than kept, so
memory stays flat at any ``--scale``.

At scale 1 the world spans 45 days; ``--scale K`` extends it K-fold into the past, which
multiplies analytics events, metric snapshots and performance metrics by about K. Funnels,
cohorts and experiments cover the most recent 45 days at any scale. The admin side comes
from ``seeds/travel/``: 002's first super admin (permissions null = all) and its team, an
audit log of what they did, the CMS content (slugs, prices and templates checked by
``domainlayer.travel.cms``), the feature flags, error groups, models and health checks.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from domainlayer.flags import FlagRule, choose_variant, is_enabled
from domainlayer.travel.cms import (
    check_currency,
    check_deal_window,
    check_health_check,
    check_seo,
    check_slug,
    check_suggestion_type,
    check_template,
    deal_pricing,
    normalize_query,
    slugify,
)
from domainlayer.travel.reporting import (
    BOOKING_FUNNEL,
    CLICK,
    CONVERSION,
    PAGE_VIEW,
    SEARCH,
    CohortMember,
    TrafficCounts,
    check_event,
    check_vital,
    cohort_report,
    cohort_type,
    funnel_report,
    furthest_stage,
    normalize_page_url,
    period_bounds,
    snapshot_metrics,
)
from seed.bulk import BulkWriter, Row
from seed.context import SeedContext
from seed.fixtures import load, parse_ago

__all__ = ["seed"]

#: Days of traffic at scale 1 (long enough for day-30 retention of the older cohorts).
BASE_DAYS: Final = 45
#: How long after their first day users may come back.
RETURN_WINDOW: Final = 30
#: Recent days with a daily booking funnel.
FUNNEL_DAYS: Final = 14
#: Staff user ids are numbered below this; visitors above it.
_VISITOR_BASE: Final = 1_000_000
_SITE: Final = "https://travel.example.com"
_CENT: Final = Decimal("0.01")

EVENT_COLUMNS: Final = (
    "id", "session_id", "user_id", "event_type", "event_data", "page_url", "referrer",
    "user_agent", "ip_address", "country", "device_type", "created_at",
)  # fmt: skip
SNAPSHOT_COLUMNS: Final = (
    "id", "metric_type", "period", "period_start", "period_end", "value", "metrics",
    "dimensions", "created_at",
)  # fmt: skip
PREDICTION_COLUMNS: Final = (
    "id", "origin", "destination", "travel_date", "current_price", "predicted_price",
    "currency", "confidence", "recommendation", "model_version", "valid_until", "created_at",
)  # fmt: skip
MODEL_COLUMNS: Final = (
    "id", "name", "version", "model_type", "metrics", "hyperparameters", "status",
    "trained_at", "deployed_at", "is_active", "created_at", "updated_at",
)  # fmt: skip
FLAG_COLUMNS: Final = (
    "id", "key", "name", "description", "enabled", "rollout_percentage", "variants",
    "is_experiment", "target_audience", "start_date", "end_date", "created_at", "updated_at",
)  # fmt: skip
PARTICIPATION_COLUMNS: Final = (
    "id", "flag_id", "user_id", "session_id", "variant", "converted", "conversion_value",
    "converted_at", "assigned_at",
)  # fmt: skip
PERFORMANCE_COLUMNS: Final = (
    "id", "page_url", "session_id", "lcp", "cls", "fcp", "ttfb", "inp", "device_type",
    "connection_type", "created_at",
)  # fmt: skip
ERROR_COLUMNS: Final = (
    "id", "fingerprint", "message", "stack", "error_type", "severity", "url", "user_id",
    "occurrences", "first_seen", "last_seen", "resolved", "resolved_at", "resolved_by",
    "metadata",
)  # fmt: skip
FUNNEL_COLUMNS: Final = (
    "id", "name", "stages", "period", "period_start", "period_end", "total_entered",
    "total_converted", "conversion_rate", "abandonment", "created_at",
)  # fmt: skip
COHORT_COLUMNS: Final = (
    "id", "cohort_date", "cohort_type", "size", "day1_retention", "day7_retention",
    "day30_retention", "ltv", "metadata", "created_at", "updated_at",
)  # fmt: skip
ADMIN_COLUMNS: Final = (
    "id", "user_id", "role", "permissions", "is_active", "last_login_at", "created_at",
    "updated_at",
)  # fmt: skip
AUDIT_COLUMNS: Final = (
    "id", "admin_user_id", "action", "resource_type", "resource_id", "changes", "ip_address",
    "user_agent", "created_at",
)  # fmt: skip
DEAL_COLUMNS: Final = (
    "id", "slug", "title", "description", "origin", "destination", "price", "original_price",
    "currency", "discount_percentage", "is_featured", "is_active", "valid_from", "valid_until",
    "view_count", "click_count", "booking_count", "image_url", "created_by", "created_at",
    "updated_at",
)  # fmt: skip
DESTINATION_COLUMNS: Final = (
    "id", "slug", "name", "country", "description", "seo_title", "seo_description",
    "seo_keywords", "is_trending", "popularity_score", "travel_info", "image_url",
    "created_at", "updated_at",
)  # fmt: skip
TEMPLATE_COLUMNS: Final = (
    "id", "name", "version", "subject", "html_body", "text_body", "variables", "is_active",
    "created_at", "updated_at",
)  # fmt: skip
HEALTH_COLUMNS: Final = (
    "id", "service", "status", "response_time_ms", "message", "metadata", "checked_at",
)  # fmt: skip
SUGGESTION_COLUMNS: Final = (
    "id", "query", "type", "popularity", "result_count", "last_searched_at", "created_at",
    "updated_at",
)  # fmt: skip

#: Chance that a user first seen on day 0 comes back on day k (1..RETURN_WINDOW).
_RETURN_CHANCE: Final = {1: 0.32, 7: 0.2, 14: 0.14, 30: 0.11}
_RETURN_OTHER: Final = 0.045


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _weighted(rng: random.Random, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return rng.choices(items, weights=[item["weight"] for item in items])[0]


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(_CENT, ROUND_HALF_UP)


# The simulated traffic -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _User:
    first_offset: int
    number: int
    id: str
    device: str
    country: str
    #: Days after the first day on which the user visits (0 included).
    visits: frozenset[int]


@dataclass(frozen=True, slots=True)
class _Event:
    kind: str
    at: datetime
    url: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Vitals:
    url: str
    at: datetime
    lcp: float
    cls: float
    fcp: float
    ttfb: float
    inp: float | None
    connection: str


@dataclass(slots=True)
class _Session:
    id: str
    user: _User | None
    device: str
    country: str
    ip: str
    referrer: str | None
    start: datetime
    events: list[_Event] = field(default_factory=list)
    vitals: list[_Vitals] = field(default_factory=list)

    @property
    def user_id(self) -> str | None:
        return None if self.user is None else self.user.id


class _World:
    """The travel site's visitors, day by day (offset 0 = the day before the reference)."""

    def __init__(self, ctx: SeedContext) -> None:
        self.ctx = ctx
        self.days = ctx.scaled(BASE_DAYS)
        self.today = ctx.now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self._user_id = ctx.ids("user")
        self._session_id = ctx.ids("sess")
        self._users: dict[tuple[int, int], _User] = {}
        traffic = load("travel", "traffic")
        self.pages: list[dict[str, Any]] = traffic["pages"]
        self.devices: list[dict[str, Any]] = traffic["devices"]
        self.connections: list[dict[str, Any]] = traffic["connections"]
        self.countries: list[dict[str, Any]] = traffic["countries"]
        self.referrers: list[dict[str, Any]] = traffic["referrers"]
        self.user_agents: dict[str, str] = traffic["user_agents"]
        self.routes: list[dict[str, Any]] = load("travel", "operations")["routes"]
        self.deal_slugs = [slugify(d["title"]) for d in load("travel", "cms")["deals"]]
        self._page_by_url = {page["url"]: page for page in self.pages}
        self._slowdown = {d["type"]: float(d["slowdown"]) for d in self.devices}

    def day_start(self, offset: int) -> datetime:
        return self.today - timedelta(days=offset + 1)

    def new_users(self, offset: int) -> int:
        return self.ctx.rng("new-users", offset).randint(14, 24)

    def user(self, offset: int, number: int) -> _User:
        key = (offset, number)
        found = self._users.get(key)
        if found is None:
            rng = self.ctx.rng("user", offset, number)
            device = _weighted(rng, self.devices)["type"]
            country = _weighted(rng, self.countries)["code"]
            visits = {0}
            for day in range(1, RETURN_WINDOW + 1):
                if rng.random() < _RETURN_CHANCE.get(day, _RETURN_OTHER):
                    visits.add(day)
            user_id = self._user_id(_VISITOR_BASE + offset * 100 + number)
            found = _User(offset, number, user_id, device, country, frozenset(visits))
            self._users[key] = found
        return found

    def visitors(self, offset: int) -> Iterator[_User]:
        """Users with a visit on the day: first seen then, or coming back."""
        for first in range(min(self.days - 1, offset + RETURN_WINDOW), offset - 1, -1):
            for number in range(self.new_users(first)):
                user = self.user(first, number)
                if first - offset in user.visits:
                    yield user

    def _ip(self, rng: random.Random) -> str:
        # Stored anonymised: the last octet dropped, as the analytics pipeline does.
        first = rng.choice((24, 47, 68, 73, 98, 104, 172, 189))
        return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0"

    def sessions(self, offset: int) -> list[_Session]:
        """The day's sessions in start order, each with its events and Web Vitals."""
        start = self.day_start(offset)
        visits: list[tuple[_User | None, random.Random]] = [
            (user, self.ctx.rng("visit", offset, user.first_offset, user.number))
            for user in self.visitors(offset)
        ]
        anonymous = self.ctx.rng("anonymous", offset).randint(8, 16)
        visits += [(None, self.ctx.rng("anon-visit", offset, n)) for n in range(anonymous)]
        sessions = []
        for user, rng in visits:
            device = user.device if user else _weighted(rng, self.devices)["type"]
            country = user.country if user else _weighted(rng, self.countries)["code"]
            referrer = _weighted(rng, self.referrers)["url"]
            at = start + timedelta(seconds=rng.randint(0, 86_399 - 1800))
            session = _Session("", user, device, country, self._ip(rng), referrer, at)
            self._journey(session, rng, returning=user is not None and user.first_offset > offset)
            sessions.append(session)
        sessions.sort(key=lambda s: (s.start, s.user_id or ""))
        for n, session in enumerate(sessions):
            session.id = self._session_id(offset * 1000 + n)
        return sessions

    def _journey(self, session: _Session, rng: random.Random, *, returning: bool) -> None:
        clock = session.start
        connection = _weighted(rng, self.connections)["type"]

        def step(
            kind: str,
            url: str,
            data: dict[str, Any],
            gap: tuple[int, int],
            page: dict[str, Any] | None = None,
        ) -> None:
            nonlocal clock
            clock += timedelta(seconds=rng.randint(*gap), milliseconds=rng.randint(0, 999))
            check_event(session.id or "unassigned", kind, data)
            session.events.append(_Event(kind, clock, url, data))
            # About 40% of page views report their Web Vitals (the RUM sampling rate).
            if page is not None and rng.random() < 0.4:
                session.vitals.append(self._vitals(rng, page, clock, session.device, connection))

        landing = _weighted(rng, self.pages[:4])
        first_view = {"url": landing["url"], "referrer": session.referrer}
        step(PAGE_VIEW, landing["url"], first_view, (0, 0), landing)
        for _ in range(rng.choice((0, 0, 1, 2))):
            page = _weighted(rng, self.pages[:4])
            step(PAGE_VIEW, page["url"], {"url": page["url"], "referrer": None}, (8, 90), page)
        if rng.random() >= (0.7 if returning else 0.58):
            return
        route = rng.choice(self.routes)
        passengers = rng.choice((1, 1, 1, 2, 2, 3))
        depart = (session.start + timedelta(days=rng.randint(7, 120))).date().isoformat()
        url = f"{_SITE}/search?from={route['origin']}&to={route['destination']}"
        results = rng.randint(12, 240)
        search = {
            "origin": route["origin"],
            "destination": route["destination"],
            "departDate": depart,
            "passengers": passengers,
            "resultCount": results,
        }
        step(SEARCH, url, search, (10, 120))
        if rng.random() >= 0.55:
            return
        slug = rng.choice(self.deal_slugs)
        click = {"target": "deal", "dealSlug": slug, "position": rng.randint(1, 10)}
        step(CLICK, url, click, (5, 240))
        if rng.random() >= (0.26 if returning else 0.16):
            return
        checkout = f"{_SITE}/checkout"
        page = self._page_by_url[checkout]
        step(PAGE_VIEW, checkout, {"url": checkout, "referrer": url}, (20, 300), page)
        fare = float(route["base_price"]) * rng.uniform(0.72, 1.25) * passengers
        booking = {
            "value": round(fare, 2),
            "currency": "USD",
            "bookingRef": self.ctx.digest("booking", session.start, session.ip, size=8).upper(),
            "passengers": passengers,
            "route": f"{route['origin']}-{route['destination']}",
        }
        step(CONVERSION, checkout, booking, (60, 600))

    def _vitals(
        self,
        rng: random.Random,
        page: dict[str, Any],
        at: datetime,
        device: str,
        connection: str,
    ) -> _Vitals:
        slow = self._slowdown[device] * (1.3 if connection == "3g" else 1.0)

        def draw(median: float, spread: float, low: float, high: float) -> float:
            # Log-normal, as field data is; redrawn (not clamped) outside the plausible range.
            for _ in range(20):
                value = rng.lognormvariate(math.log(median), spread)
                if low <= value <= high:
                    return value
            return min(high, max(low, value))

        def ms(metric: str, low: float, high: float) -> float:
            median, spread = page[metric]
            return round(draw(median * slow, spread, low, high), 1)

        lcp = ms("lcp", 1500.0, 4500.0)
        fcp = min(ms("fcp", 700.0, 3000.0), round(lcp * 0.92, 1))
        ttfb = min(ms("ttfb", 90.0, 1800.0), round(fcp * 0.8, 1))
        cls = round(draw(page["cls"][0], page["cls"][1], 0.01, 0.3), 3)
        # INP needs an interaction; about a fifth of page views have none.
        inp = ms("inp", 40.0, 800.0) if rng.random() < 0.8 else None
        for name, value in (("lcp", lcp), ("fcp", fcp), ("ttfb", ttfb), ("cls", cls)):
            check_vital(name, value)
        return _Vitals(normalize_page_url(page["url"]), at + timedelta(seconds=3), lcp, cls,
                       fcp, ttfb, inp, connection)  # fmt: skip

    def counts(self, sessions: Sequence[_Session]) -> TrafficCounts:
        kinds = Counter(event.kind for s in sessions for event in s.events)
        revenue = sum(
            (_money(e.data["value"]) for s in sessions for e in s.events if e.kind == CONVERSION),
            Decimal(0),
        )
        return TrafficCounts(
            page_views=kinds[PAGE_VIEW],
            unique_users=len({s.user_id for s in sessions if s.user_id}),
            sessions=len(sessions),
            searches=kinds[SEARCH],
            clicks=kinds[CLICK],
            bookings=kinds[CONVERSION],
            converted_sessions=sum(
                1 for s in sessions if any(e.kind == CONVERSION for e in s.events)
            ),
            revenue=revenue,
        )


# Tables from the traffic -----------------------------------------------------------------


def _events(world: _World) -> Iterator[Row]:
    n = 0
    for offset in range(world.days - 1, -1, -1):
        for session in world.sessions(offset):
            agent = world.user_agents[session.device]
            for event in session.events:
                n += 1
                yield (
                    world.ctx.ids("evnt")(n), session.id, session.user_id, event.kind,
                    _json(event.data), event.url,
                    session.referrer if event is session.events[0] else None, agent,
                    session.ip, session.country, session.device, event.at,
                )  # fmt: skip


def _performance(world: _World) -> Iterator[Row]:
    ids = world.ctx.ids("perf")
    n = 0
    for offset in range(world.days - 1, -1, -1):
        for session in world.sessions(offset):
            for v in session.vitals:
                n += 1
                yield (
                    ids(n), v.url, session.id, v.lcp, v.cls, v.fcp, v.ttfb, v.inp,
                    session.device, v.connection, v.at,
                )  # fmt: skip


def _snapshots(world: _World) -> Iterator[Row]:
    ids = world.ctx.ids("msnp")
    n = 0
    for offset in range(world.days - 1, -1, -1):
        start, end = period_bounds("day", world.day_start(offset))
        built = min(end + timedelta(minutes=5), world.ctx.now)
        for metric in snapshot_metrics(world.counts(world.sessions(offset))):
            n += 1
            yield (
                ids(n), metric.metric_type, "day", start, end, metric.value,
                _json(metric.details), _json({"timezone": "UTC", "source": "analytics_events"}),
                built,
            )  # fmt: skip


@dataclass(slots=True)
class _Recent:
    """What the funnels, cohorts and experiments need from the last BASE_DAYS days."""

    #: Per day offset: stages reached by each session, for each funnel.
    reached: dict[int, dict[str, list[int]]] = field(default_factory=dict)
    #: Per user id: (session id, start, conversions [(at, value)]) of each visit.
    visits: dict[str, list[tuple[str, datetime, list[tuple[datetime, Decimal]]]]] = field(
        default_factory=dict
    )
    users: dict[str, _User] = field(default_factory=dict)


_FUNNELS: Final = {
    "booking_funnel": BOOKING_FUNNEL,
    "search_to_booking": (SEARCH, CLICK, CONVERSION),
}


def _recent(world: _World) -> _Recent:
    recent = _Recent()
    for offset in range(min(BASE_DAYS, world.days) - 1, -1, -1):
        sessions = world.sessions(offset)
        recent.reached[offset] = {
            name: [furthest_stage(stages, [(e.kind, e.at) for e in s.events]) for s in sessions]
            for name, stages in _FUNNELS.items()
        }
        for s in sessions:
            if s.user is None:
                continue
            recent.users[s.user.id] = s.user
            bookings = [(e.at, _money(e.data["value"])) for e in s.events if e.kind == CONVERSION]
            recent.visits.setdefault(s.user.id, []).append((s.id, s.start, bookings))
    return recent


def _funnels(world: _World, recent: _Recent) -> Iterator[Row]:
    ids = world.ctx.ids("funl")
    n = 0

    def row(name: str, period: str, at: datetime, reached: list[int]) -> Row:
        nonlocal n
        n += 1
        start, end = period_bounds(period, at)
        report = funnel_report(_FUNNELS[name], reached)
        return (
            ids(n), name, _json(report.stages_json()), period, start, end,
            report.total_entered, report.total_converted, report.conversion_rate,
            _json(report.abandonment_json()), min(end + timedelta(minutes=15), world.ctx.now),
        )  # fmt: skip

    days = min(BASE_DAYS, world.days)
    for name in _FUNNELS:
        for offset in range(min(FUNNEL_DAYS, days) - 1, -1, -1):
            yield row(name, "day", world.day_start(offset), recent.reached[offset][name])
        # ISO weeks that lie wholly in the recent days.
        for offset in range(days - 1, -1, -1):
            start = world.day_start(offset)
            if start.weekday() != 0 or offset < 6:
                continue
            week = [r for o in range(offset, offset - 7, -1) for r in recent.reached[o][name]]
            yield row(name, "week", start, week)


def _cohorts(world: _World, recent: _Recent) -> Iterator[Row]:
    ids = world.ctx.ids("chrt")
    members: dict[int, list[CohortMember]] = {}
    for user_id, visits in recent.visits.items():
        user = recent.users[user_id]
        if user.first_offset >= BASE_DAYS:
            continue  # first seen before the recent days: its cohort is not rebuilt
        first = world.day_start(user.first_offset).date()
        revenue = sum((value for _, _, bookings in visits for _, value in bookings), Decimal(0))
        active = frozenset((start.date() - first).days for _, start, _ in visits)
        members.setdefault(user.first_offset, []).append(CohortMember(first, active, revenue))
    n = 0
    days = min(BASE_DAYS, world.days)
    for period in ("day", "week"):
        for offset in range(days - 1, -1, -1):
            at = world.day_start(offset)
            if period == "week":
                if at.weekday() != 0 or offset < 6:
                    continue
                cohort = [m for o in range(offset, offset - 7, -1) for m in members.get(o, [])]
            else:
                cohort = members.get(offset, [])
            if not cohort:
                continue
            report = cohort_report(period, at, cohort, world.ctx.now)
            n += 1
            metadata = {
                "revenue": str(report.revenue),
                "retained": {str(day): count for day, count in report.retained.items()},
                "computed_at": world.ctx.now.isoformat(),
            }
            created = min(at + timedelta(days=2 if period == "day" else 8), world.ctx.now)
            yield (
                ids(n), report.cohort_date, cohort_type(period), report.size,
                report.retention[1], report.retention[7], report.retention[30], report.ltv,
                _json(metadata), created, world.ctx.now,
            )  # fmt: skip


def _participations(
    world: _World, recent: _Recent, flags: list[dict[str, Any]], flag_ids: dict[str, str]
) -> Iterator[Row]:
    ids = world.ctx.ids("expp")
    n = 0
    for raw in flags:
        if not raw["is_experiment"]:
            continue
        start, end = _window(world.ctx, raw)
        rule = FlagRule(
            key=raw["key"],
            enabled=raw["enabled"],
            rollout_percentage=raw["rollout_percentage"],
            starts_at=start,
            ends_at=end,
        )
        assigned: list[tuple[datetime, str, Row]] = []
        for user_id, visits in recent.visits.items():
            # Assigned at the first visit inside the experiment's window.
            ordered = sorted(visits, key=lambda visit: visit[1])
            first = next((v for v in ordered if is_enabled(rule, user_id, now=v[1])), None)
            if first is None:
                continue
            session_id, at, _ = first
            variant = choose_variant(raw["key"], user_id, raw["variants"])
            # Converted: the participant's first booking after assignment, inside the window.
            bookings = sorted(
                booking
                for _, _, made in visits
                for booking in made
                if at <= booking[0] and (end is None or booking[0] < end)
            )
            converted_at, value = bookings[0] if bookings else (None, None)
            row = (flag_ids[raw["key"]], user_id, session_id, variant, bool(bookings), value)
            assigned.append((at, user_id, (*row, converted_at, at)))
        for _, _, row in sorted(assigned, key=lambda item: (item[0], item[1])):
            n += 1
            yield (ids(n), *row)


def _window(ctx: SeedContext, raw: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    start = ctx.now - parse_ago(raw["start_ago"]) if raw["start_ago"] else None
    end = ctx.now + parse_ago(raw["end_in"]) if raw["end_in"] else None
    return start, end


# Fixture tables ---------------------------------------------------------------------------


def _flags(
    ctx: SeedContext, flags: list[dict[str, Any]], flag_ids: dict[str, str]
) -> Iterator[Row]:
    for raw in flags:
        FlagRule(
            key=raw["key"], enabled=raw["enabled"], rollout_percentage=raw["rollout_percentage"]
        )
        choose_variant(raw["key"], "validation", raw["variants"])  # validates the variants
        start, end = _window(ctx, raw)
        created = ctx.now - parse_ago(raw["created_ago"])
        yield (
            flag_ids[raw["key"]], raw["key"], raw["name"], raw["description"], raw["enabled"],
            raw["rollout_percentage"], json.dumps(raw["variants"]), raw["is_experiment"],
            _json(raw["target_audience"]), start, end, created,
            start + timedelta(minutes=5) if start else created,
        )  # fmt: skip


def _models(ctx: SeedContext) -> Iterator[Row]:
    ids = ctx.ids("mlmd")
    for n, raw in enumerate(load("travel", "operations")["ml_models"], 1):
        trained = ctx.now - parse_ago(raw["trained_ago"]) if raw["trained_ago"] else None
        deployed = ctx.now - parse_ago(raw["deployed_ago"]) if raw["deployed_ago"] else None
        created = (trained or ctx.ago(days=2)) - timedelta(hours=6)
        updated = max(t for t in (created, trained, deployed) if t is not None)
        if raw["status"] == "retired":
            updated = ctx.now - parse_ago("20d")  # replaced by the next version
        yield (
            ids(n), raw["name"], raw["version"], raw["model_type"], _json(raw["metrics"]),
            _json(raw["hyperparameters"]), raw["status"], trained, deployed, raw["active"],
            created, updated,
        )  # fmt: skip


def _predictions(ctx: SeedContext) -> Iterator[Row]:
    ids = ctx.ids("prpr")
    rng = ctx.rng("predictions")
    version = next(m["version"] for m in load("travel", "operations")["ml_models"] if m["active"])
    n = 0
    for route in load("travel", "operations")["routes"]:
        for ahead in (7, 21, 45, 75, 120):
            n += 1
            current = _money(float(route["base_price"]) * rng.uniform(0.85, 1.2))
            # Prices rise as departure nears; far-out fares tend to fall first.
            drift = rng.gauss(0.06 if ahead < 30 else -0.04, 0.05)
            predicted = _money(float(current) * (1 + drift))
            if predicted > current * Decimal("1.03"):
                recommendation = "buy_now"
            elif predicted < current * Decimal("0.97"):
                recommendation = "wait"
            else:
                recommendation = "monitor"
            created = ctx.ago(hours=rng.uniform(1, 72))
            yield (
                ids(n), route["origin"], route["destination"],
                (ctx.now + timedelta(days=ahead)).date(), current, predicted, "USD",
                round(rng.uniform(0.58, 0.93), 3), recommendation, version,
                created + timedelta(hours=24), created,
            )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Admin:
    key: str
    id: str
    user_id: str
    role: str
    created: datetime
    last_login: datetime


def _admins(ctx: SeedContext) -> list[_Admin]:
    ids, users = ctx.ids("admn"), ctx.ids("user")
    return [
        _Admin(
            raw["key"],
            ids(n),
            users(n),
            raw["role"],
            ctx.now - parse_ago(raw["created_ago"]),
            ctx.now - parse_ago(raw["last_login_ago"]),
        )
        for n, raw in enumerate(load("travel", "operations")["admins"], 1)
    ]


def _admin_rows(ctx: SeedContext, admins: list[_Admin]) -> Iterator[Row]:
    for admin, raw in zip(admins, load("travel", "operations")["admins"], strict=True):
        active = raw["active"]
        updated = admin.last_login if active else admin.last_login + timedelta(days=1)
        yield (
            admin.id, admin.user_id, admin.role, _json(raw["permissions"]), active,
            admin.last_login, admin.created, updated,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Deal:
    id: str
    slug: str
    created: datetime
    featured: bool


def _deal_rows(ctx: SeedContext, admins: dict[str, _Admin], deals: list[_Deal]) -> Iterator[Row]:
    rng = ctx.rng("deals")
    for deal, raw in zip(deals, load("travel", "cms")["deals"], strict=True):
        pricing = deal_pricing(raw["price"], raw["original_price"])
        valid_from = ctx.now - parse_ago(raw["valid_from_ago"])
        valid_until = valid_from + timedelta(days=raw["valid_days"])
        check_deal_window(valid_from, valid_until)
        check_currency("USD")
        views = rng.randint(800, 24_000)
        clicks = int(views * rng.uniform(0.02, 0.12))
        bookings = int(clicks * rng.uniform(0.03, 0.15))
        yield (
            deal.id, deal.slug, raw["title"], raw["description"], raw["origin"],
            raw["destination"], pricing.price, pricing.original_price, "USD",
            pricing.discount_percentage, raw["featured"], raw["active"], valid_from, valid_until,
            views, clicks, bookings, f"https://images.travel.example.com/deals/{deal.slug}.jpg",
            admins["content_editor"].user_id, deal.created,
            min(ctx.now, deal.created + timedelta(hours=rng.uniform(1, 72))),
        )  # fmt: skip


def _destination_rows(ctx: SeedContext, ids: list[str]) -> Iterator[Row]:
    rng = ctx.rng("destinations")
    for id_, raw in zip(ids, load("travel", "cms")["destinations"], strict=True):
        seo = check_seo(raw["seo_title"], raw["seo_description"], raw["keywords"])
        slug = slugify(raw["name"])
        created = ctx.ago(days=rng.uniform(35, 44))
        yield (
            id_, slug, raw["name"], raw["country"], raw["description"], seo.title,
            seo.description, list(seo.keywords), raw["trending"], raw["popularity"],
            _json(raw["travel_info"]), f"https://images.travel.example.com/destinations/{slug}.jpg",
            created, ctx.ago(days=rng.uniform(0, 5)),
        )  # fmt: skip


def _template_rows(ctx: SeedContext) -> Iterator[Row]:
    ids = ctx.ids("etpl")
    n = 0
    for t, raw in enumerate(load("travel", "cms")["email_templates"]):
        versions = raw["versions"]
        for version, part in enumerate(versions, 1):
            n += 1
            declared = check_template(
                part["subject"], part["html_body"], part["text_body"], part["variables"]
            )
            created = ctx.ago(days=40 - t - 12 * (version - 1))
            latest = version == len(versions)
            updated = created if latest else ctx.ago(days=40 - t - 12 * version)
            yield (
                ids(n), raw["name"], version, part["subject"], part["html_body"],
                part["text_body"], json.dumps(list(declared)), latest, created, updated,
            )  # fmt: skip


def _suggestion_rows(ctx: SeedContext) -> Iterator[Row]:
    ids = ctx.ids("srch")
    rng = ctx.rng("suggestions")
    seen: set[str] = set()
    for n, raw in enumerate(load("travel", "cms")["search_suggestions"], 1):
        query = normalize_query(raw["query"])
        if query in seen:
            raise ValueError(f"search suggestion {query!r} repeats")
        seen.add(query)
        popularity = int(rng.paretovariate(1.3) * 40)
        created = ctx.ago(days=rng.uniform(20, 44))
        last = ctx.ago(minutes=rng.uniform(1, 3 * 24 * 60))
        yield (
            ids(n), query, check_suggestion_type(raw["type"]), popularity,
            rng.randint(0, 400) if raw["type"] == "query" else rng.randint(1, 60), last,
            created, last,
        )  # fmt: skip


def _health_rows(ctx: SeedContext) -> Iterator[Row]:
    ids = ctx.ids("hchk")
    rng = ctx.rng("health")
    n = 0
    # Every 30 minutes over the last day, all services per round.
    for round_ in range(48, 0, -1):
        at = ctx.now - timedelta(minutes=30 * round_ - 1)
        for raw in load("travel", "operations")["services"]:
            n += 1
            status, message = "healthy", None
            ms: int | None = max(1, round(raw["base_ms"] * rng.uniform(0.7, 1.4)))
            if raw["down_every"] and round_ % raw["down_every"] == 0:
                status, ms, message = "down", None, "health probe timed out after 5000 ms"
            elif raw["degraded_every"] and round_ % raw["degraded_every"] == 0:
                status = "degraded"
                ms = round(raw["base_ms"] * rng.uniform(3, 6))
                message = f"response time {ms} ms above the {raw['base_ms'] * 2} ms threshold"
            check_health_check(raw["service"], status, ms)
            yield (
                ids(n), raw["service"], status, ms, message,
                _json({"region": "iad1", "probe": "cron/health", "round": 48 - round_ + 1}), at,
            )  # fmt: skip


def _error_rows(
    ctx: SeedContext, world: _World, recent: _Recent, resolvers: list[_Admin]
) -> Iterator[Row]:
    ids = ctx.ids("errl")
    rng = ctx.rng("errors")
    users = sorted(recent.users)
    for n, raw in enumerate(load("travel", "operations")["errors"], 1):
        occurrences = max(1, int(raw["weight"] * rng.uniform(0.6, 1.8)))
        first = ctx.ago(days=rng.uniform(5, 40))
        last = min(ctx.ago(minutes=rng.uniform(5, 600)), first + timedelta(days=rng.uniform(1, 30)))
        if occurrences == 1:
            last = first
        resolved = raw["resolved"]
        resolved_at = last + timedelta(hours=rng.uniform(1, 30)) if resolved else None
        if resolved_at is not None and resolved_at > ctx.now:
            resolved_at = ctx.now
        resolver = resolvers[n % len(resolvers)] if resolved else None
        fingerprint = ctx.digest("error", raw["type"], raw["message"], raw["url"])
        metadata = {
            "browsers": {"Chrome": occurrences // 2, "Safari": occurrences - occurrences // 2},
            "release": f"2025.12.{rng.randint(1, 30)}",
            "environment": "production",
        }
        yield (
            ids(n), fingerprint, raw["message"], raw["stack"], raw["type"], raw["severity"],
            raw["url"], rng.choice(users) if users and rng.random() < 0.7 else None,
            occurrences, first, last, resolved, resolved_at,
            resolver.user_id if resolver else None, _json(metadata),
        )  # fmt: skip


_ADMIN_AGENT: Final = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)


def _audit_rows(
    ctx: SeedContext,
    admins: dict[str, _Admin],
    flags: list[dict[str, Any]],
    flag_ids: dict[str, str],
    deals: list[_Deal],
    destination_ids: list[str],
    errors: list[Row],
) -> list[Row]:
    """What the admins did to the seeded rows, oldest first (a small, fixed table)."""
    rng = ctx.rng("audit")
    ips = {key: f"10.20.{n}.{rng.randint(2, 250)}" for n, key in enumerate(admins, 1)}
    entries: list[tuple[datetime, str, str, str, str | None, Any]] = []

    def add(
        at: datetime, who: str, action: str, kind: str, resource: str | None, changes: Any
    ) -> None:
        entries.append((at, who, action, kind, resource, changes))

    for key, admin in admins.items():
        if key != "founder":
            add(admin.created, "founder", "admin_user.create", "admin_user", admin.id,
                {"after": {"role": admin.role}})  # fmt: skip
        add(admin.last_login, key, "auth.login", "admin_user", admin.id, None)
    former = admins["former_editor"]
    add(former.last_login + timedelta(days=1), "founder", "admin_user.deactivate", "admin_user",
        former.id, {"before": {"is_active": True}, "after": {"is_active": False}})  # fmt: skip
    for raw in flags:
        created = ctx.now - parse_ago(raw["created_ago"])
        add(created, "founder", "feature_flag.create", "feature_flag", flag_ids[raw["key"]],
            {"after": {"key": raw["key"], "enabled": raw["enabled"]}})  # fmt: skip
        start, _ = _window(ctx, raw)
        if start is not None:
            changes = {"after": {"rollout_percentage": raw["rollout_percentage"],
                                 "variants": raw["variants"]}}  # fmt: skip
            add(start + timedelta(minutes=5), "ops_lead", "experiment.start", "feature_flag",
                flag_ids[raw["key"]], changes)  # fmt: skip
    for deal in deals:
        add(deal.created, "content_editor", "deal.create", "deal", deal.id,
            {"after": {"slug": deal.slug}})  # fmt: skip
        if deal.featured:
            add(deal.created + timedelta(hours=2), "ops_lead", "deal.feature", "deal", deal.id,
                {"after": {"is_featured": True}})  # fmt: skip
    for n, destination_id in enumerate(destination_ids):
        add(ctx.ago(days=30 - n), "content_editor", "destination.update_seo", "destination",
            destination_id, {"fields": ["seo_title", "seo_description"]})  # fmt: skip
    add(ctx.ago(days=28), "content_editor", "email_template.update", "email_template",
        "deal_alert", {"before": {"version": 1}, "after": {"version": 2}})  # fmt: skip
    add(ctx.ago(days=20), "founder", "ml_model.deploy", "ml_model",
        "flight_price_predictor@1.1.0",
        {"before": {"active": "1.0.0"}, "after": {"active": "1.1.0"}})  # fmt: skip
    add(ctx.ago(days=3), "data_analyst", "report.export", "metric_snapshot", None,
        {"period": "day", "format": "csv"})  # fmt: skip
    by_user = {admin.user_id: key for key, admin in admins.items()}
    for error in errors:
        error_id, resolved, resolved_at, resolved_by = error[0], error[11], error[12], error[13]
        if resolved and resolved_by is not None:
            add(resolved_at, by_user[resolved_by], "error_log.resolve", "error_log", error_id,
                {"before": {"resolved": False}, "after": {"resolved": True}})  # fmt: skip
    entries = [e for e in entries if e[0] <= ctx.now]
    entries.sort(key=lambda e: (e[0], e[2], e[4] or ""))
    ids = ctx.ids("audt")
    return [
        (ids(n), admins[key].id, action, kind, resource, _json(changes), ips[key], _ADMIN_AGENT,
         at)
        for n, (at, key, action, kind, resource, changes) in enumerate(entries, 1)
    ]  # fmt: skip


async def seed(ctx: SeedContext, out: BulkWriter) -> list[str]:
    world = _World(ctx)
    flags: list[dict[str, Any]] = load("travel", "feature_flags")["flags"]
    flag_id = ctx.ids("flag")
    flag_ids = {raw["key"]: flag_id(n) for n, raw in enumerate(flags, 1)}

    # Phase 8: raw events first, then what is computed from them (regenerated per day).
    # Totals are estimates for the progress bars (about 170 events, 44 vitals a day).
    await out.copy("analytics_events", EVENT_COLUMNS, _events(world), total=world.days * 170)
    await out.copy("metric_snapshots", SNAPSHOT_COLUMNS, _snapshots(world), total=world.days * 8)
    await out.copy(
        "performance_metrics", PERFORMANCE_COLUMNS, _performance(world), total=world.days * 44
    )
    recent = _recent(world)
    await out.copy("conversion_funnels", FUNNEL_COLUMNS, _funnels(world, recent))
    await out.copy("user_cohorts", COHORT_COLUMNS, _cohorts(world, recent))
    await out.copy("ml_models", MODEL_COLUMNS, _models(ctx))
    await out.copy("price_predictions", PREDICTION_COLUMNS, _predictions(ctx))
    await out.copy("feature_flags", FLAG_COLUMNS, _flags(ctx, flags, flag_ids), total=len(flags))
    await out.copy(
        "experiment_participations",
        PARTICIPATION_COLUMNS,
        _participations(world, recent, flags, flag_ids),
    )

    # Phase 9: the admin team, the CMS and monitoring, and the audit trail of their work.
    admin_list = _admins(ctx)
    admins = {a.key: a for a in admin_list}
    await out.copy("admin_users", ADMIN_COLUMNS, _admin_rows(ctx, admin_list))
    deal_id = ctx.ids("deal")
    cms = load("travel", "cms")
    deals = []
    for n, raw in enumerate(cms["deals"], 1):
        created = ctx.now - parse_ago(raw["valid_from_ago"]) - timedelta(days=1)
        deals.append(_Deal(deal_id(n), check_slug(slugify(raw["title"])), created, raw["featured"]))
    if len({d.slug for d in deals}) != len(deals):
        raise ValueError("two deals have the same slug")
    await out.copy("deals", DEAL_COLUMNS, _deal_rows(ctx, admins, deals))
    destination_id = ctx.ids("dest")
    destination_ids = [destination_id(n) for n in range(1, len(cms["destinations"]) + 1)]
    await out.copy("destinations", DESTINATION_COLUMNS, _destination_rows(ctx, destination_ids))
    await out.copy("email_templates", TEMPLATE_COLUMNS, _template_rows(ctx))
    await out.copy("search_suggestions", SUGGESTION_COLUMNS, _suggestion_rows(ctx))
    await out.copy("health_checks", HEALTH_COLUMNS, _health_rows(ctx))
    resolvers = [admins["support_agent"], admins["ops_lead"]]
    errors = list(_error_rows(ctx, world, recent, resolvers))
    await out.copy("error_logs", ERROR_COLUMNS, errors)
    audits = _audit_rows(ctx, admins, flags, flag_ids, deals, destination_ids, errors)
    await out.copy("audit_logs", AUDIT_COLUMNS, audits)
    return []
