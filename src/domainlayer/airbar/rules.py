"""airbar's business rules, as document 000 states them. Pure: no I/O, no clock.

Sessions: "30-day remember-me for trusted devices, 7-day standard sessions"; "device
fingerprinting for trusted device recognition"; "VPN detection, suspicious activity
flagging, concurrent session limits".
- A device is *trusted* for a user once the user has had an earlier session from the
  same fingerprint that was not flagged suspicious.
- Remember-me lasts 30 days, and only on a trusted device; every other session lasts 7.
- A session is suspicious when it comes through a VPN, or from a country none of the
  user's earlier sessions came from (a user's first session sets their first country).
- At most ``DEFAULT_MAX_SESSIONS`` active sessions per user (configurable); opening one
  more revokes the oldest.

Analytics: "full conversion funnel tracking (landing -> registration -> first booking ->
payment)". A user reaches a step when they have an event at that step and have reached
every step before it (an ordered funnel). A step's conversion rate is the share of the
previous step's users who reached it; the same report is split by the traffic source of
the user's first landing event.

System health: the services the document names, each with a type, and a status from its
uptime, error rate and response time against the thresholds below; business KPIs are
compared with the document's baselines (87.3 % booking completion, 76.4 % registration).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from domainlayer.errors import InvalidInputError
from domainlayer.flags import FlagRule
from domainlayer.typed_rules import rule

__all__ = [
    "DEFAULT_MAX_SESSIONS",
    "DEVICE_TYPES",
    "ERROR_BUDGETS",
    "EVENT_TYPES",
    "FUNNEL_STEPS",
    "KPI_BASELINES",
    "KPI_DOWN_MARGIN",
    "REMEMBER_ME_TTL",
    "SERVICES",
    "STANDARD_SESSION_TTL",
    "FunnelEvent",
    "FunnelReport",
    "FunnelStep",
    "HealthReading",
    "HealthThresholds",
    "InvalidAirbarInput",
    "PastSession",
    "ServiceSummary",
    "SessionTerms",
    "Status",
    "UserJourney",
    "check_device_type",
    "check_flag_key",
    "flag_rule",
    "funnel_report",
    "kpi_status",
    "service_summary",
    "session_state",
    "session_terms",
    "sessions_to_revoke",
    "snapshot_status",
    "thresholds_for",
    "user_journey",
    "worst_status",
]

STANDARD_SESSION_TTL: Final = timedelta(days=7)
REMEMBER_ME_TTL: Final = timedelta(days=30)
DEFAULT_MAX_SESSIONS: Final = 5
DEVICE_TYPES: Final = frozenset({"desktop", "mobile", "tablet"})

FUNNEL_STEPS: Final = ("landing", "registration", "first_booking", "payment")
EVENT_TYPES: Final = frozenset({"page_view", "interaction", "business"})

Status = Literal["healthy", "degraded", "down"]
_ORDER: Final[dict[str, int]] = {"healthy": 0, "degraded": 1, "down": 2}

#: The services the document names, by type.
SERVICES: Final[Mapping[str, str]] = {
    "auth": "api",
    "trips": "api",
    "matching": "api",
    "payments": "api",
    "notifications": "api",
    "database": "infrastructure",
    "redis": "infrastructure",
    "load_balancer": "infrastructure",
    "stripe": "external",
    "twilio": "external",
    "sendgrid": "external",
}

#: Business KPIs and the document's baseline values, in percent.
KPI_BASELINES: Final[Mapping[str, float]] = {
    "booking_completion_rate": 87.3,
    "registration_completion_rate": 76.4,
}
#: A KPI more than this many points under its baseline is "down", any amount "degraded".
KPI_DOWN_MARGIN: Final = 10.0


class InvalidAirbarInput(InvalidInputError):
    """Input the airbar rules refuse."""


#: What ``@rule`` raises for an argument of the wrong type (domainlayer.typed_rules).
RULE_ERROR = InvalidAirbarInput


# Sessions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionTerms:
    """What a new session is, given the user's history."""

    trusted_device: bool
    remember_me: bool
    expires_at: datetime
    remember_me_expires_at: datetime | None
    suspicious_reason: str | None

    @property
    def is_suspicious(self) -> bool:
        return self.suspicious_reason is not None


@dataclass(frozen=True, slots=True)
class PastSession:
    """An earlier session of the same user, as far as the rules care."""

    device_fingerprint: str
    country: str
    is_suspicious: bool


@rule
def session_terms(
    *,
    now: datetime,
    device_fingerprint: str,
    country: str,
    is_vpn: bool,
    remember_me: bool,
    history: Iterable[PastSession],
) -> SessionTerms:
    """Trust, lifetime and suspicion of a new session (see the module docstring)."""
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise InvalidAirbarInput("now must be a timezone-aware datetime")
    if not isinstance(device_fingerprint, str) or not device_fingerprint.strip():
        raise InvalidAirbarInput("a session needs a device fingerprint")
    if not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidAirbarInput(f"country {country!r} is not an ISO 3166 alpha-2 code")
    if not isinstance(is_vpn, bool) or not isinstance(remember_me, bool):
        raise InvalidAirbarInput("is_vpn and remember_me are booleans")
    past = list(history)
    trusted = any(p.device_fingerprint == device_fingerprint and not p.is_suspicious for p in past)
    reasons = []
    if is_vpn:
        reasons.append("vpn")
    if past and country not in {p.country for p in past}:
        reasons.append(f"new_country:{country}")
    remembered = remember_me and trusted
    return SessionTerms(
        trusted_device=trusted,
        remember_me=remembered,
        expires_at=now + STANDARD_SESSION_TTL,
        remember_me_expires_at=now + REMEMBER_ME_TTL if remembered else None,
        suspicious_reason=", ".join(reasons) or None,
    )


@rule
def check_device_type(device_type: str) -> str:
    """Sessions and events come from a desktop, a mobile or a tablet."""
    if not isinstance(device_type, str) or device_type not in DEVICE_TYPES:
        raise InvalidAirbarInput(f"device type is one of {sorted(DEVICE_TYPES)}: {device_type!r}")
    return device_type


@rule
def sessions_to_revoke(active: Sequence[tuple[str, datetime]], *, max_sessions: int) -> list[str]:
    """Ids of the oldest active sessions to revoke so a new one fits within the limit."""
    if max_sessions < 1:
        raise InvalidAirbarInput("the session limit is at least 1")
    excess = len(active) - (max_sessions - 1)
    if excess <= 0:
        return []
    oldest_first = sorted(active, key=lambda item: (item[1], item[0]))
    return [session_id for session_id, _ in oldest_first[:excess]]


@rule
def session_state(
    *,
    is_active: bool,
    expires_at: datetime,
    remember_me_expires_at: datetime | None,
    now: datetime,
) -> Literal["active", "expired", "revoked"]:
    """Whether a stored session still lets its holder in."""
    if not is_active:
        return "revoked"
    ends = max(expires_at, remember_me_expires_at or expires_at)
    return "active" if now < ends else "expired"


# Analytics funnel -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FunnelStep:
    step: str
    users: int
    #: Share of the previous step's users who reached this one (1.0 for landing).
    conversion_rate: float
    #: Share of landing users who reached this step.
    overall_rate: float


@dataclass(frozen=True, slots=True)
class FunnelReport:
    steps: tuple[FunnelStep, ...]
    by_source: Mapping[str, tuple[FunnelStep, ...]]


@dataclass(frozen=True, slots=True)
class FunnelEvent:
    user_id: str
    step: str
    occurred_at: datetime
    traffic_source: str | None


def _steps(reached: Sequence[set[str]]) -> tuple[FunnelStep, ...]:
    counts = []
    for index, _ in enumerate(FUNNEL_STEPS):
        needed = set(FUNNEL_STEPS[: index + 1])
        counts.append(sum(needed <= steps for steps in reached))
    result = []
    for index, step in enumerate(FUNNEL_STEPS):
        previous = counts[index - 1] if index else counts[0]
        result.append(
            FunnelStep(
                step=step,
                users=counts[index],
                conversion_rate=counts[index] / previous if previous else 0.0,
                overall_rate=counts[index] / counts[0] if counts[0] else 0.0,
            )
        )
    return tuple(result)


@rule
def funnel_report(events: Iterable[FunnelEvent]) -> FunnelReport:
    """The conversion funnel over these events, overall and per traffic source."""
    reached: dict[str, set[str]] = {}
    first_landing: dict[str, tuple[datetime, str]] = {}
    for event in events:
        if event.step not in FUNNEL_STEPS:
            raise InvalidAirbarInput(f"{event.step!r} is not a funnel step")
        reached.setdefault(event.user_id, set()).add(event.step)
        if event.step == "landing":
            source = event.traffic_source or "direct"
            seen = first_landing.get(event.user_id)
            if seen is None or event.occurred_at < seen[0]:
                first_landing[event.user_id] = (event.occurred_at, source)
    by_source: dict[str, list[set[str]]] = {}
    for user_id, (_, source) in first_landing.items():
        by_source.setdefault(source, []).append(reached[user_id])
    return FunnelReport(
        steps=_steps(list(reached.values())),
        by_source={source: _steps(users) for source, users in sorted(by_source.items())},
    )


@dataclass(frozen=True, slots=True)
class UserJourney:
    """One user's way through the funnel."""

    user_id: str
    #: The steps reached, in funnel order, each with when it was first reached.
    reached: tuple[tuple[str, datetime], ...]
    #: The step the user has yet to reach (None once they have paid).
    next_step: str | None
    #: Traffic source of the user's first landing ("direct" when it had none).
    traffic_source: str | None

    @property
    def converted(self) -> bool:
        return self.next_step is None


@rule
def user_journey(user_id: str, events: Iterable[FunnelEvent]) -> UserJourney:
    """Where ``user_id`` stands in the ordered funnel (other users' events are ignored)."""
    if not isinstance(user_id, str) or not user_id.strip():
        raise InvalidAirbarInput("user_id is required")
    first: dict[str, datetime] = {}
    landing: tuple[datetime, str] | None = None
    for event in events:
        if event.step not in FUNNEL_STEPS:
            raise InvalidAirbarInput(f"{event.step!r} is not a funnel step")
        if event.user_id != user_id:
            continue
        if event.step not in first or event.occurred_at < first[event.step]:
            first[event.step] = event.occurred_at
        if event.step == "landing" and (landing is None or event.occurred_at < landing[0]):
            landing = (event.occurred_at, event.traffic_source or "direct")
    reached: list[tuple[str, datetime]] = []
    for step in FUNNEL_STEPS:
        if step not in first:
            break
        reached.append((step, first[step]))
    return UserJourney(
        user_id=user_id,
        reached=tuple(reached),
        next_step=FUNNEL_STEPS[len(reached)] if len(reached) < len(FUNNEL_STEPS) else None,
        traffic_source=landing[1] if landing else None,
    )


# System health ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HealthThresholds:
    """Per measure: (healthy limit, degraded limit); beyond the second it is down.

    Uptime is healthy at or above 99.9 %, degraded down to 99.0 %. Response time (the
    median of the period) is healthy under 200 ms ("sub-200ms response times for critical
    APIs"), degraded up to 1,000 ms. The error rate is healthy under the service's budget
    (:data:`ERROR_BUDGETS`), degraded up to 10 % (or three budgets, when larger).
    """

    min_uptime: tuple[float, float] = (99.9, 99.0)
    max_response_ms: tuple[float, float] = (200, 1000)
    max_error_rate: tuple[float, float] = (0.01, 0.10)


#: "<1% for payment processing, <3% for notifications"; 1 % for every other service.
ERROR_BUDGETS: Final[Mapping[str, float]] = {"payments": 0.01, "notifications": 0.03}
_DEFAULT_ERROR_BUDGET: Final = 0.01


def _check_service(service: str) -> str:
    if not isinstance(service, str) or service not in SERVICES:
        raise InvalidAirbarInput(f"unknown service {service!r} (one of {sorted(SERVICES)})")
    return service


@rule
def thresholds_for(service: str) -> HealthThresholds:
    """The thresholds a named service is held to."""
    budget = ERROR_BUDGETS.get(_check_service(service), _DEFAULT_ERROR_BUDGET)
    return HealthThresholds(max_error_rate=(budget, max(0.10, budget * 3)))


@rule
def worst_status(statuses: Iterable[Status]) -> Status:
    """The worst of several statuses (down > degraded > healthy); healthy when none."""
    result: Status = "healthy"
    for status in statuses:
        if status not in _ORDER:
            raise InvalidAirbarInput(f"unknown status {status!r}")
        if _ORDER[status] > _ORDER[result]:
            result = status
    return result


def _at_most(value: float, limits: tuple[float, float]) -> Status:
    """Lower is better: healthy strictly under the first limit, degraded up to the second."""
    return "healthy" if value < limits[0] else "degraded" if value <= limits[1] else "down"


def _at_least(value: float, limits: tuple[float, float]) -> Status:
    """Higher is better: healthy from the first limit, degraded down to the second."""
    return "healthy" if value >= limits[0] else "degraded" if value >= limits[1] else "down"


@rule
def snapshot_status(
    service: str,
    *,
    uptime_percentage: float | None,
    response_time_ms: float | None,
    error_rate: float | None,
) -> Status:
    """A service's status from one reading: the worst of the measures it has."""
    limits = thresholds_for(service)
    for value, name in (
        (uptime_percentage, "uptime_percentage"),
        (response_time_ms, "response_time_ms"),
        (error_rate, "error_rate"),
    ):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise InvalidAirbarInput(f"{name} must be a number")
    if uptime_percentage is not None and not 0 <= uptime_percentage <= 100:
        raise InvalidAirbarInput("uptime is a percentage, 0..100")
    if error_rate is not None and not 0 <= error_rate <= 1:
        raise InvalidAirbarInput("the error rate is a share, 0..1")
    if response_time_ms is not None and response_time_ms < 0:
        raise InvalidAirbarInput("a response time is never negative")
    grades: list[Status] = []
    if uptime_percentage is not None:
        grades.append(_at_least(uptime_percentage, limits.min_uptime))
    if response_time_ms is not None:
        grades.append(_at_most(response_time_ms, limits.max_response_ms))
    if error_rate is not None:
        grades.append(_at_most(error_rate, limits.max_error_rate))
    return worst_status(grades)


@rule
def kpi_status(name: str, value: float) -> Status:
    """A business KPI against the document's baseline."""
    if name not in KPI_BASELINES:
        raise InvalidAirbarInput(f"unknown KPI {name!r}")
    if not 0 <= value <= 100:
        raise InvalidAirbarInput("a KPI is a percentage, 0..100")
    baseline = KPI_BASELINES[name]
    if value >= baseline:
        return "healthy"
    return "degraded" if value >= baseline - KPI_DOWN_MARGIN else "down"


@dataclass(frozen=True, slots=True)
class HealthReading:
    uptime_percentage: float | None
    response_time_ms: float | None
    error_rate: float | None


@dataclass(frozen=True, slots=True)
class ServiceSummary:
    service: str
    service_type: str
    readings: int
    uptime_percentage: float | None
    error_rate: float | None
    response_time_p50_ms: float | None
    status: Status


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


@rule
def service_summary(service: str, readings: Sequence[HealthReading]) -> ServiceSummary:
    """Mean uptime and error rate, median response time, and the status they give."""
    if not readings:
        raise InvalidAirbarInput(f"no readings for {service!r}")
    uptime = _mean([r.uptime_percentage for r in readings if r.uptime_percentage is not None])
    errors = _mean([r.error_rate for r in readings if r.error_rate is not None])
    times = [r.response_time_ms for r in readings if r.response_time_ms is not None]
    p50 = statistics.median(times) if times else None
    return ServiceSummary(
        service=service,
        service_type=SERVICES.get(service, "unknown"),
        readings=len(readings),
        uptime_percentage=uptime,
        error_rate=errors,
        response_time_p50_ms=p50,
        status=snapshot_status(
            service, uptime_percentage=uptime, response_time_ms=p50, error_rate=errors
        ),
    )


# Feature flags ----------------------------------------------------------------------------

_FLAG_KEY = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


@rule
def check_flag_key(key: str) -> str:
    """airbar flag keys are snake_case: enhanced_kyc, smart_matching, video_chat, ..."""
    if not isinstance(key, str) or not _FLAG_KEY.match(key):
        raise InvalidAirbarInput(f"flag key {key!r} must be snake_case, 2..64 characters")
    return key


@rule
def flag_rule(
    *,
    key: str,
    enabled: bool,
    rollout_percentage: int,
    target_segments: Iterable[str],
    starts_at: datetime | None,
    ends_at: datetime | None,
) -> FlagRule:
    """An airbar flag row as the shared evaluation's rule (segments are its targeting)."""
    try:
        return FlagRule(
            key=check_flag_key(key),
            enabled=enabled,
            rollout_percentage=rollout_percentage,
            target_groups=frozenset(target_segments),
            starts_at=starts_at,
            ends_at=ends_at,
        )
    except InvalidAirbarInput:
        raise
    except InvalidInputError as exc:
        raise InvalidAirbarInput(str(exc)) from exc
