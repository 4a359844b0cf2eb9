"""airbar's repositories: sessions, analytics, system health and feature flags.

The rules (trust, lifetimes, suspicion, the funnel, health thresholds) are in
:mod:`.rules`; these classes read and write through the generated client. The session
limit holds under concurrent logins because a new session is opened in a transaction
that first locks the user's row (``SELECT ... FOR UPDATE``, raw: the client has no
locking read), so two logins of one user count the active sessions one after the other.

Bursts of logins of one user (a client retrying, many tabs) queue in the process first, on
a lock per user, and only then take a connection and the row lock: otherwise every
connection of the pool would sit waiting on that one row while later logins gave up
waiting for a connection (issue 14, finding 12). Across processes the row lock alone
orders them; the transaction may wait longer for its connection than the default.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from prisma import Base64, Json, Prisma
from prisma.models import (
    AirbarFeatureFlag,
    AirbarSystemHealth,
    AirbarUserAnalytics,
    AirbarUserSession,
)

from domainlayer.errors import NotFoundError
from domainlayer.flags import FlagRule, is_enabled
from domainlayer.repository import translating_errors, unit_of_work
from domainlayer.validation import (
    boolean,
    choice,
    decimal,
    ident,
    integer,
    json_object,
    moment,
    number,
    optional_ident,
    optional_moment,
    optional_text,
    refusing_as,
    strings,
    text,
)

from .errors import SessionExpired, SessionNotFound, SessionRevoked
from .rules import (
    DEFAULT_MAX_SESSIONS,
    EVENT_TYPES,
    FUNNEL_STEPS,
    KPI_BASELINES,
    SERVICES,
    FunnelEvent,
    FunnelReport,
    HealthReading,
    InvalidAirbarInput,
    PastSession,
    ServiceSummary,
    UserJourney,
    check_flag_key,
    flag_rule,
    funnel_report,
    kpi_status,
    service_summary,
    session_state,
    session_terms,
    sessions_to_revoke,
    snapshot_status,
    user_journey,
)

__all__ = [
    "AirbarFlagRepository",
    "AnalyticsRepository",
    "HealthRepository",
    "HealthStatus",
    "OpenedSession",
    "SessionRepository",
]


#: How long a login may wait for a connection, and run, under a burst from other processes.
LOGIN_MAX_WAIT = timedelta(seconds=30)
LOGIN_TIMEOUT = timedelta(seconds=30)


def _token_hash(token: str) -> Base64:
    return Base64.encode(hashlib.sha256(token.encode()).digest())


#: Every airbar refusal of an argument is an InvalidAirbarInput.


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """A new session: the token (given once, stored only hashed) and its row."""

    token: str
    session: AirbarUserSession
    revoked_session_ids: tuple[str, ...]


class SessionRepository:
    """User sessions: 7 days, 30 with remember-me on a trusted device, a per-user limit."""

    def __init__(self, client: Prisma, *, max_sessions: int = DEFAULT_MAX_SESSIONS) -> None:
        with refusing_as(InvalidAirbarInput):
            integer("max_sessions", max_sessions, 1, 10_000)
        self._client = client
        self._max_sessions = max_sessions
        # One asyncio.Lock per user with a login in flight (gone when nobody holds it).
        self._login_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def _login_lock(self, user_id: str) -> asyncio.Lock:
        lock = self._login_locks.get(user_id)
        if lock is None:
            lock = asyncio.Lock()
            self._login_locks[user_id] = lock
        return lock

    async def open(
        self,
        user_id: str,
        *,
        device_fingerprint: str,
        device_type: str,
        ip_address: str,
        country: str,
        now: datetime,
        remember_me: bool = False,
        is_vpn: bool = False,
        device_name: str | None = None,
        os: str | None = None,
        browser: str | None = None,
        city: str | None = None,
    ) -> OpenedSession:
        """Open a session; past the limit, the user's oldest active sessions are revoked."""
        with refusing_as(InvalidAirbarInput):
            now = moment("now", now)
            user_id = ident("user_id", user_id)
            text("device_fingerprint", device_fingerprint, 500)
            choice("device_type", device_type, ("desktop", "mobile", "tablet"))
            text("ip_address", ip_address, 100)
            text("country", country, 100)
            boolean("remember_me", remember_me)
            boolean("is_vpn", is_vpn)
            for value, name in (
                (device_name, "device_name"),
                (os, "os"),
                (browser, "browser"),
                (city, "city"),
            ):
                optional_text(name, value, 200)
        token = secrets.token_urlsafe(32)
        async with self._login_lock(user_id):
            return await self._open(
                user_id,
                token,
                now=now,
                remember_me=remember_me,
                is_vpn=is_vpn,
                fields={
                    "deviceFingerprint": device_fingerprint,
                    "deviceType": device_type,
                    "deviceName": device_name,
                    "os": os,
                    "browser": browser,
                    "ipAddress": ip_address,
                    "country": country,
                    "city": city,
                },
            )

    async def _open(
        self,
        user_id: str,
        token: str,
        *,
        now: datetime,
        remember_me: bool,
        is_vpn: bool,
        fields: dict[str, Any],
    ) -> OpenedSession:
        device_fingerprint, country = fields["deviceFingerprint"], fields["country"]
        async with unit_of_work(self._client, max_wait=LOGIN_MAX_WAIT, timeout=LOGIN_TIMEOUT) as tx:
            locked = await tx.query_raw(
                "SELECT id FROM airbar.users WHERE id = $1 FOR UPDATE", user_id
            )
            if not locked:
                raise NotFoundError(f"no airbar user {user_id!r}")
            past = await tx.airbarusersession.find_many(where={"userId": user_id})
            terms = session_terms(
                now=now,
                device_fingerprint=device_fingerprint,
                country=country,
                is_vpn=is_vpn,
                remember_me=remember_me,
                history=[PastSession(s.deviceFingerprint, s.country, s.isSuspicious) for s in past],
            )
            active = [
                (s.id, s.createdAt)
                for s in past
                if session_state(
                    is_active=s.isActive,
                    expires_at=s.expiresAt,
                    remember_me_expires_at=s.rememberMeExpiresAt,
                    now=now,
                )
                == "active"
            ]
            revoke = sessions_to_revoke(active, max_sessions=self._max_sessions)
            if revoke:
                await tx.airbarusersession.update_many(
                    where={"id": {"in": revoke}},
                    data={"isActive": False, "revokedAt": now, "revokedReason": "session_limit"},
                )
            session = await tx.airbarusersession.create(
                data={
                    "user": {"connect": {"id": user_id}},
                    "tokenHash": _token_hash(token),
                    **fields,  # type: ignore[typeddict-item]
                    "isTrustedDevice": terms.trusted_device,
                    "rememberMe": terms.remember_me,
                    "isVpn": is_vpn,
                    "isSuspicious": terms.is_suspicious,
                    "suspiciousReason": terms.suspicious_reason,
                    "expiresAt": terms.expires_at,
                    "rememberMeExpiresAt": terms.remember_me_expires_at,
                    "lastActivityAt": now,
                    "createdAt": now,
                }
            )
            await tx.airbaruser.update(where={"id": user_id}, data={"lastLoginAt": now})
        return OpenedSession(token, session, tuple(revoke))

    async def validate(self, token: str, now: datetime) -> AirbarUserSession:
        """The live session for ``token`` (its last activity updated), or a typed error."""
        with refusing_as(InvalidAirbarInput):
            text("token", token, 500)
            now = moment("now", now)
        with translating_errors():
            session = await self._client.airbarusersession.find_unique(
                where={"tokenHash": _token_hash(token)}
            )
            if session is None:
                raise SessionNotFound("no session for this token")
            state = session_state(
                is_active=session.isActive,
                expires_at=session.expiresAt,
                remember_me_expires_at=session.rememberMeExpiresAt,
                now=now,
            )
            if state == "revoked":
                raise SessionRevoked(f"the session was revoked ({session.revokedReason})")
            if state == "expired":
                raise SessionExpired("the session has expired")
            touched = await self._client.airbarusersession.update_many(
                where={"id": session.id, "isActive": True}, data={"lastActivityAt": now}
            )
        if touched == 0:  # revoked between the read and the update
            raise SessionRevoked("the session was revoked")
        return session.model_copy(update={"lastActivityAt": now})

    async def revoke(self, session_id: str, *, reason: str, now: datetime) -> None:
        """Revoke one active session."""
        with refusing_as(InvalidAirbarInput):
            ident("session_id", session_id)
            text("reason", reason, 200)
            now = moment("now", now)
        with translating_errors():
            done = await self._client.airbarusersession.update_many(
                where={"id": session_id, "isActive": True},
                data={"isActive": False, "revokedAt": now, "revokedReason": reason},
            )
        if done == 0:
            raise SessionNotFound(f"no active session {session_id!r}")

    async def revoke_all(self, user_id: str, *, reason: str, now: datetime) -> int:
        """Revoke every active session of the user; returns how many."""
        with refusing_as(InvalidAirbarInput):
            ident("user_id", user_id)
            text("reason", reason, 200)
            now = moment("now", now)
        with translating_errors():
            return await self._client.airbarusersession.update_many(
                where={"userId": user_id, "isActive": True},
                data={"isActive": False, "revokedAt": now, "revokedReason": reason},
            )

    async def active_sessions(self, user_id: str, now: datetime) -> list[AirbarUserSession]:
        """The user's sessions that still let them in, newest first."""
        with refusing_as(InvalidAirbarInput):
            ident("user_id", user_id)
            now = moment("now", now)
        with translating_errors():
            sessions = await self._client.airbarusersession.find_many(
                where={"userId": user_id, "isActive": True}, order={"createdAt": "desc"}
            )
        return [
            s
            for s in sessions
            if session_state(
                is_active=s.isActive,
                expires_at=s.expiresAt,
                remember_me_expires_at=s.rememberMeExpiresAt,
                now=now,
            )
            == "active"
        ]


class AnalyticsRepository:
    """User-behaviour events and the conversion funnel built from them."""

    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def record(
        self,
        *,
        event_type: str,
        event_name: str,
        now: datetime,
        user_id: str | None = None,
        session_id: str | None = None,
        page: str | None = None,
        funnel_step: str | None = None,
        traffic_source: str | None = None,
        utm_campaign: str | None = None,
        device_type: str | None = None,
        country: str | None = None,
        properties: Mapping[str, Any] | None = None,
        revenue: Decimal | None = None,
    ) -> AirbarUserAnalytics:
        """Store one event (validated: its type, funnel step, revenue)."""
        with refusing_as(InvalidAirbarInput):
            now = moment("now", now)
            choice("event_type", event_type, EVENT_TYPES)
            text("event_name", event_name, 200)
            if funnel_step is not None:
                choice("funnel_step", funnel_step, FUNNEL_STEPS)
            optional_ident("user_id", user_id)
            for value, name in (
                (session_id, "session_id"),
                (page, "page"),
                (traffic_source, "traffic_source"),
                (utm_campaign, "utm_campaign"),
                (device_type, "device_type"),
                (country, "country"),
            ):
                optional_text(name, value, 2048)
            if properties is not None:
                properties = json_object("properties", properties)
            if revenue is not None:
                if isinstance(revenue, Decimal) and revenue.is_finite() and revenue < 0:
                    raise InvalidAirbarInput("revenue is never negative")
                revenue = decimal("revenue", revenue, Decimal(0), Decimal("1e12"))
        data: dict[str, Any] = {
            "eventType": event_type,
            "eventName": event_name,
            "sessionId": session_id,
            "page": page,
            "funnelStep": funnel_step,
            "trafficSource": traffic_source,
            "utmCampaign": utm_campaign,
            "deviceType": device_type,
            "country": country,
            "revenue": Decimal(revenue) if revenue is not None else None,
            "occurredAt": now,
        }
        if properties is not None:
            data["properties"] = Json(dict(properties))
        if user_id is not None:
            data["user"] = {"connect": {"id": user_id}}
        with translating_errors():
            return await self._client.airbaruseranalytics.create(data=data)  # type: ignore[arg-type]

    async def funnel(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        user_id: str | None = None,
    ) -> FunnelReport:
        """The funnel (landing -> registration -> first booking -> payment) over a period."""
        with refusing_as(InvalidAirbarInput):
            user_id = optional_ident("user_id", user_id)
            since = optional_moment("since", since)
            until = optional_moment("until", until)
        where: dict[str, Any] = {"funnelStep": {"not": None}, "userId": {"not": None}}
        if user_id is not None:
            where["userId"] = user_id
        moments: dict[str, datetime] = {}
        if since is not None:
            moments["gte"] = since
        if until is not None:
            moments["lt"] = until
        if moments:
            where["occurredAt"] = moments
        with translating_errors():
            rows = await self._client.airbaruseranalytics.find_many(where=where)  # type: ignore[arg-type]
        return funnel_report(
            FunnelEvent(r.userId or "", r.funnelStep or "", r.occurredAt, r.trafficSource)
            for r in rows
        )

    async def journey(self, user_id: str) -> UserJourney:
        """One user's way through the funnel: steps reached (and when), the next step."""
        with refusing_as(InvalidAirbarInput):
            ident("user_id", user_id)
        with translating_errors():
            rows = await self._client.airbaruseranalytics.find_many(
                where={"userId": user_id, "NOT": [{"funnelStep": None}]}
            )
        return user_journey(
            user_id,
            (FunnelEvent(user_id, r.funnelStep or "", r.occurredAt, r.trafficSource) for r in rows),
        )


@dataclass(frozen=True, slots=True)
class HealthStatus:
    services: tuple[ServiceSummary, ...]
    #: KPI name -> (latest value, status against the document's baseline)
    kpis: Mapping[str, tuple[float, str]]


class HealthRepository:
    """System-health snapshots and the status summary per service."""

    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def record(
        self,
        service: str,
        *,
        now: datetime,
        uptime_percentage: float | None = None,
        response_time_ms: int | None = None,
        error_rate: float | None = None,
        throughput: int | None = None,
        cpu_usage: float | None = None,
        memory_usage: float | None = None,
        region: str | None = None,
    ) -> AirbarSystemHealth:
        """Store a snapshot of a named service; its status comes from the thresholds."""
        with refusing_as(InvalidAirbarInput):
            now = moment("now", now)
            choice("service", service, SERVICES)
            for value, name in (
                (uptime_percentage, "uptime_percentage"),
                (cpu_usage, "cpu_usage"),
                (memory_usage, "memory_usage"),
            ):
                if value is not None:
                    number(name, value, 0, 100)
            if error_rate is not None:
                number("error_rate", error_rate, 0, 1e6)
            for count, name in ((response_time_ms, "response_time_ms"), (throughput, "throughput")):
                if count is not None:
                    integer(name, count)
            optional_text("region", region, 100)
        status = snapshot_status(
            service,
            uptime_percentage=uptime_percentage,
            response_time_ms=response_time_ms,
            error_rate=error_rate,
        )
        for value, name in ((cpu_usage, "cpu_usage"), (memory_usage, "memory_usage")):
            if value is not None and not 0 <= value <= 100:
                raise InvalidAirbarInput(f"{name} is a percentage, 0..100")
        with translating_errors():
            return await self._client.airbarsystemhealth.create(
                data={
                    "serviceName": service,
                    "serviceType": SERVICES[service],
                    "status": status,
                    "uptimePercentage": uptime_percentage,
                    "responseTimeMs": response_time_ms,
                    "errorRate": error_rate,
                    "throughput": throughput,
                    "cpuUsage": cpu_usage,
                    "memoryUsage": memory_usage,
                    "region": region,
                    "checkedAt": now,
                }
            )

    async def record_kpi(self, name: str, value: float, *, now: datetime) -> AirbarSystemHealth:
        """Store a business KPI reading (booking / registration completion, in percent)."""
        with refusing_as(InvalidAirbarInput):
            now = moment("now", now)
            choice("name", name, KPI_BASELINES)
            value = number("value", value, 0, 100)
        status = kpi_status(name, value)
        with translating_errors():
            return await self._client.airbarsystemhealth.create(
                data={
                    "serviceName": re.sub(r"_rate$", "", name),
                    "serviceType": "business",
                    "status": status,
                    "kpiName": name,
                    "kpiValue": value,
                    "checkedAt": now,
                }
            )

    async def status(self, *, since: datetime, until: datetime) -> HealthStatus:
        """Per service: uptime %, error rate, p50 response time and status; latest KPIs."""
        with refusing_as(InvalidAirbarInput):
            if moment("until", until) <= moment("since", since):
                raise InvalidAirbarInput("the period ends before it starts")
        with translating_errors():
            rows = await self._client.airbarsystemhealth.find_many(
                where={"checkedAt": {"gte": since, "lt": until}}, order={"checkedAt": "asc"}
            )
        readings: dict[str, list[HealthReading]] = {}
        kpis: dict[str, tuple[float, str]] = {}
        for row in rows:
            kpi = row.kpiName
            if row.serviceType == "business" and kpi is not None and kpi in KPI_BASELINES:
                value = row.kpiValue if row.kpiValue is not None else 0.0
                kpis[kpi] = (value, kpi_status(kpi, value))
            elif row.serviceName in SERVICES:
                readings.setdefault(row.serviceName, []).append(
                    HealthReading(row.uptimePercentage, row.responseTimeMs, row.errorRate)
                )
        return HealthStatus(
            services=tuple(
                service_summary(name, readings[name]) for name in SERVICES if name in readings
            ),
            kpis=kpis,
        )


class AirbarFlagRepository:
    """airbar's feature flags: rollout, segment targeting, seasonal windows."""

    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def define(
        self,
        key: str,
        name: str,
        *,
        enabled: bool = False,
        rollout_percentage: int = 0,
        segments: Sequence[str] = (),
        season: str | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> AirbarFeatureFlag:
        """Create or replace flag ``key`` (validated before anything is written)."""
        with refusing_as(InvalidAirbarInput):
            ident("key", key)
            text("name", name, 200)
            segments = strings("segments", segments)
            boolean("enabled", enabled)
            integer("rollout_percentage", rollout_percentage, 0, 100)
            optional_text("season", season, 100)
            optional_text("description", description, 10_000)
            starts_at = optional_moment("starts_at", starts_at)
            ends_at = optional_moment("ends_at", ends_at)
            if metadata is not None:
                metadata = json_object("metadata", metadata)
        flag_rule(
            key=key,
            enabled=enabled,
            rollout_percentage=rollout_percentage,
            target_segments=segments,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        fields: dict[str, Any] = {
            "name": name,
            "description": description,
            "enabled": enabled,
            "rolloutPercentage": rollout_percentage,
            "targetSegments": list(segments),
            "season": season,
            "startsAt": starts_at,
            "endsAt": ends_at,
            "metadata": Json(dict(metadata)) if metadata is not None else Json(None),
        }
        with translating_errors():
            return await self._client.airbarfeatureflag.upsert(
                where={"key": key},
                data={"create": {"key": key, **fields}, "update": fields},  # type: ignore[typeddict-item]
            )

    async def set_rollout(self, key: str, percentage: int) -> AirbarFeatureFlag:
        """Change the rollout percentage (0..100)."""
        with refusing_as(InvalidAirbarInput):
            integer("percentage", percentage, 0, 100)
        flag = await self._get(key)
        self._rule(flag.model_copy(update={"rolloutPercentage": percentage}))
        with translating_errors():
            updated = await self._client.airbarfeatureflag.update(
                where={"key": key}, data={"rolloutPercentage": percentage}
            )
        assert updated is not None
        return updated

    async def is_enabled(self, key: str, user_id: str, *, now: datetime) -> bool:
        """Whether the user (by their segment) gets flag ``key`` at ``now``."""
        with refusing_as(InvalidAirbarInput):
            ident("user_id", user_id)
            now = moment("now", now)
        flag = await self._get(key)
        segment = await self._segment(user_id)
        return is_enabled(self._rule(flag), user_id, groups=(segment,), now=now)

    async def enabled_for(self, user_id: str, *, now: datetime) -> list[str]:
        """Keys of every flag the user gets at ``now``."""
        with refusing_as(InvalidAirbarInput):
            ident("user_id", user_id)
            now = moment("now", now)
        segment = await self._segment(user_id)
        with translating_errors():
            flags = await self._client.airbarfeatureflag.find_many(
                where={"enabled": True}, order={"key": "asc"}
            )
        return [
            f.key for f in flags if is_enabled(self._rule(f), user_id, groups=(segment,), now=now)
        ]

    async def _get(self, key: str) -> AirbarFeatureFlag:
        with refusing_as(InvalidAirbarInput):
            ident("key", key)
        check_flag_key(key)
        with translating_errors():
            flag = await self._client.airbarfeatureflag.find_unique(where={"key": key})
        if flag is None:
            raise NotFoundError(f"no feature flag {key!r}")
        return flag

    async def _segment(self, user_id: str) -> str:
        with translating_errors():
            user = await self._client.airbaruser.find_unique(where={"id": user_id})
        if user is None:
            raise NotFoundError(f"no airbar user {user_id!r}")
        return user.segment

    @staticmethod
    def _rule(flag: AirbarFeatureFlag) -> FlagRule:
        return flag_rule(
            key=flag.key,
            enabled=flag.enabled,
            rollout_percentage=flag.rolloutPercentage,
            target_segments=flag.targetSegments,
            starts_at=flag.startsAt,
            ends_at=flag.endsAt,
        )
