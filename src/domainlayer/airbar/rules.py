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

__all__ = [
    "DEFAULT_MAX_SESSIONS",
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
]

STANDARD_SESSION_TTL: Final = timedelta(days=7)
REMEMBER_ME_TTL: Final = timedelta(days=30)
DEFAULT_MAX_SESSIONS: Final = 5

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
    if now.tzinfo is None:
        raise InvalidAirbarInput("now must be timezone-aware")
    if not device_fingerprint.strip():
        raise InvalidAirbarInput("a session needs a device fingerprint")
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidAirbarInput(f"country {country!r} is not an ISO 3166 alpha-2 code")
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


def sessions_to_revoke(active: Sequence[tuple[str, datetime]], *, max_sessions: int) -> list[str]:
    """Ids of the oldest active sessions to revoke so a new one fits within the limit."""
    if max_sessions < 1:
        raise InvalidAirbarInput("the session limit is at least 1")
    excess = len(active) - (max_sessions - 1)
    if excess <= 0:
        return []
    oldest_first = sorted(active, key=lambda item: (item[1], item[0]))
    return [session_id for session_id, _ in oldest_first[:excess]]


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


# System health ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HealthThresholds:
    """Healthy up to the first value, degraded up to the second, down beyond."""

    min_uptime: tuple[float, float] = (99.9, 99.0)
    max_response_ms: tuple[int, int] = (200, 1000)
    max_error_rate: tuple[float, float] = (0.01, 0.10)


#: "<1% for payment processing, <3% for notifications"; 1 % for the rest.
ERROR_BUDGETS: Final[Mapping[str, float]] = {"payments": 0.01, "notifications": 0.03}


def thresholds_for(service: str) -> HealthThresholds:
    budget = ERROR_BUDGETS.get(service, 0.01)
    return HealthThresholds(max_error_rate=(budget, max(0.10, budget * 3)))


def _grade_low(value: float | None, limits: tuple[float, float]) -> Status:
    if value is None:
        return "healthy"
    return "healthy" if value < limits[0] else "degraded" if value <= limits[1] else "down"


def snapshot_status(
    service: str,
    *,
    uptime_percentage: float | None,
    response_time_ms: float | None,
    error_rate: float | None,
) -> Status:
    """A service's status from one reading: the worst of its three measures."""
    if service not in SERVICES:
        raise InvalidAirbarInput(f"unknown service {service!r}")
    if uptime_percentage is not None and not 0 <= uptime_percentage <= 100:
        raise InvalidAirbarInput("uptime is a percentage, 0..100")
    if error_rate is not None and not 0 <= error_rate <= 1:
        raise InvalidAirbarInput("the error rate is a share, 0..1")
    if response_time_ms is not None and response_time_ms < 0:
        raise InvalidAirbarInput("a response time is never negative")
    limits = thresholds_for(service)
    grades: list[Status] = [
        _grade_low(error_rate, limits.max_error_rate),
    ]
    if uptime_percentage is not None:
        up_ok, up_degraded = limits.min_uptime
        grades.append(
            "healthy"
            if uptime_percentage >= up_ok
            else "degraded"
            if uptime_percentage >= up_degraded
            else "down"
        )
    if response_time_ms is not None:
        fast, slow = limits.max_response_ms
        grades.append(
            "healthy"
            if response_time_ms < fast
            else "degraded"
            if response_time_ms <= slow
            else "down"
        )
    return max(grades, key=_ORDER.__getitem__)


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


def check_flag_key(key: str) -> str:
    """airbar flag keys are snake_case: enhanced_kyc, smart_matching, video_chat, ..."""
    if not isinstance(key, str) or not _FLAG_KEY.match(key):
        raise InvalidAirbarInput(f"flag key {key!r} must be snake_case, 2..64 characters")
    return key


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
