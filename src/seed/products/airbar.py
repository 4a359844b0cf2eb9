"""airbar (000): the report's persona-driven data, exactly its 91 records at scale 1.

10 users, 5 profiles, 13 feature flags, 22 analytics events (Sarah's, Marcus's and Elena's
journeys through landing -> registration -> first booking -> payment), 24 system health
snapshots and 17 sessions, all from ``seeds/airbar/``. With ``--scale K`` the two
high-volume tables grow K-fold: returning users' later events (outside the funnel) and
earlier health snapshots of the same services, every two hours back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from seed.bulk import BulkWriter, Row
from seed.context import SeedContext
from seed.fixtures import load, parse_ago

__all__ = ["seed"]

STANDARD_SESSION: Final = timedelta(days=7)
REMEMBER_ME: Final = timedelta(days=30)

USER_COLUMNS: Final = (
    "id", "email", "first_name", "last_name", "phone", "user_type", "segment", "persona",
    "kyc_status", "is_verified", "country", "city", "timezone", "referral_source",
    "last_login_at", "created_at", "updated_at",
)  # fmt: skip
PROFILE_COLUMNS: Final = (
    "id", "user_id", "bio", "avatar_url", "rating", "rating_count", "completed_deliveries",
    "completed_trips", "packages_sent", "total_earnings", "total_spent", "preferred_airports",
    "languages", "verification_level", "identity_verified_at", "response_rate", "history",
    "created_at", "updated_at",
)  # fmt: skip
FLAG_COLUMNS: Final = (
    "id", "key", "name", "description", "enabled", "rollout_percentage", "target_segments",
    "metadata", "season", "starts_at", "ends_at", "created_at", "updated_at",
)  # fmt: skip
SESSION_COLUMNS: Final = (
    "id", "user_id", "token_hash", "device_fingerprint", "device_type", "device_name", "os",
    "browser", "ip_address", "country", "city", "is_trusted_device", "remember_me", "is_vpn",
    "is_suspicious", "suspicious_reason", "expires_at", "remember_me_expires_at",
    "last_activity_at", "is_active", "revoked_at", "revoked_reason", "created_at",
)  # fmt: skip
ANALYTICS_COLUMNS: Final = (
    "id", "user_id", "session_id", "event_type", "event_name", "page", "funnel_step",
    "traffic_source", "utm_campaign", "device_type", "country", "properties", "revenue",
    "occurred_at",
)  # fmt: skip
HEALTH_COLUMNS: Final = (
    "id", "service_name", "service_type", "status", "uptime_percentage", "response_time_ms",
    "error_rate", "throughput", "cpu_usage", "memory_usage", "kpi_name", "kpi_value", "region",
    "metrics", "checked_at",
)  # fmt: skip

#: What returning users do after their first journey (events added by --scale).
_RETURNING: Final = (
    ("page_view", "dashboard_viewed", "/dashboard", None),
    ("interaction", "route_searched", "/search", None),
    ("interaction", "tracking_viewed", "/track", None),
    ("page_view", "trip_list_viewed", "/trips", None),
    ("business", "repeat_booking_created", "/send", "45.00"),
    ("business", "payment_completed", "/checkout", "45.00"),
    ("business", "referral_sent", "/invite", None),
)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _q4(now: datetime) -> tuple[datetime, datetime]:
    """Q4 of the reference year: the seasonal flags are configured for it."""
    return datetime(now.year, 10, 1, tzinfo=UTC), datetime(now.year + 1, 1, 1, tzinfo=UTC)


def _users(ctx: SeedContext, user_ids: dict[str, str]) -> Iterator[Row]:
    for raw in load("airbar", "users")["users"]:
        created = ctx.now - parse_ago(raw["created_ago"])
        yield (
            user_ids[raw["key"]], raw["email"], raw["first_name"], raw["last_name"],
            raw["phone"], raw["user_type"], raw["segment"], raw["persona"], raw["kyc_status"],
            raw["is_verified"], raw["country"], raw["city"], raw["timezone"],
            raw["referral_source"], ctx.now - parse_ago(raw["last_login_ago"]), created,
            ctx.now - parse_ago(raw["last_login_ago"]),
        )  # fmt: skip


def _profiles(ctx: SeedContext, user_ids: dict[str, str]) -> Iterator[Row]:
    ids = ctx.ids("prof")
    users = {u["key"]: u for u in load("airbar", "users")["users"]}
    for n, raw in enumerate(load("airbar", "users")["profiles"], 1):
        user = users[raw["user"]]
        created = ctx.now - parse_ago(user["created_ago"]) + timedelta(hours=1)
        verified = raw["identity_verified_ago"]
        yield (
            ids(n), user_ids[raw["user"]], raw["bio"],
            f"https://cdn.airbar.example/avatars/{raw['user']}.jpg",
            Decimal(raw["rating"]), raw["rating_count"], raw["completed_deliveries"],
            raw["completed_trips"], raw["packages_sent"], Decimal(raw["total_earnings"]),
            Decimal(raw["total_spent"]), raw["preferred_airports"], raw["languages"],
            raw["verification_level"], ctx.now - parse_ago(verified) if verified else None,
            raw["response_rate"], _json(raw["history"]), created,
            ctx.now - parse_ago(user["last_login_ago"]),
        )  # fmt: skip


def _flags(ctx: SeedContext) -> Iterator[Row]:
    ids = ctx.ids("flag")
    q4_start, q4_end = _q4(ctx.now)
    for n, raw in enumerate(load("airbar", "feature_flags")["flags"], 1):
        seasonal = raw["season"] == "Q4"
        yield (
            ids(n), raw["key"], raw["name"], raw["description"], raw["enabled"],
            raw["rollout_percentage"], raw["target_segments"], _json(raw["metadata"]),
            raw["season"], q4_start if seasonal else None, q4_end if seasonal else None,
            ctx.ago(days=180 - 7 * n), ctx.ago(days=14 - n),
        )  # fmt: skip


def _session_rows(
    ctx: SeedContext, user_ids: dict[str, str], session_ids: dict[str, str]
) -> Iterator[Row]:
    for raw in load("airbar", "sessions")["sessions"]:
        created = ctx.now - parse_ago(raw["created_ago"])
        remember = raw["remember_me"]
        expires = created + (REMEMBER_ME if remember else STANDARD_SESSION)
        revoked = ctx.now - parse_ago(raw["revoked_ago"]) if raw.get("revoked_ago") else None
        device = (raw["user"], raw["device_name"], raw["os"], raw["browser"])
        # Not a real token: a stand-in hashed the way a real one would be (SHA-256, 32 bytes).
        token = hashlib.sha256(f"airbar-session:{ctx.seed}:{raw['key']}".encode()).digest()
        yield (
            session_ids[raw["key"]], user_ids[raw["user"]], token,
            ctx.digest("device", *device, size=64), raw["device_type"], raw["device_name"],
            raw["os"], raw["browser"], raw["ip"], raw["country"], raw["city"], raw["trusted"],
            remember, raw.get("vpn", False), raw.get("suspicious", False),
            raw.get("suspicious_reason"), expires, created + REMEMBER_ME if remember else None,
            ctx.now - parse_ago(raw["last_activity_ago"]),
            revoked is None and expires > ctx.now, revoked, raw.get("revoked_reason"), created,
        )  # fmt: skip


def _analytics(
    ctx: SeedContext, user_ids: dict[str, str], session_ids: dict[str, str]
) -> Iterator[Row]:
    users = {u["key"]: u for u in load("airbar", "users")["users"]}
    n = 0
    for raw in load("airbar", "journeys")["events"]:
        n += 1
        revenue = raw.get("revenue")
        yield (
            n, user_ids[raw["user"]], session_ids[raw["session"]], raw["event_type"],
            raw["event_name"], raw["page"], raw["funnel_step"], raw["traffic_source"],
            raw["utm_campaign"], raw["device_type"], users[raw["user"]]["country"],
            _json(raw["properties"]), Decimal(revenue) if revenue else None,
            ctx.now - parse_ago(raw["ago"]),
        )  # fmt: skip
    # --scale: later visits of returning users, outside the funnel (funnel_step NULL).
    sessions = load("airbar", "sessions")["sessions"]
    rng = ctx.rng("analytics")
    for _ in range(ctx.scaled(n) - n):
        n += 1
        session = sessions[int(rng.random() * len(sessions))]
        event_type, name, page, revenue = _RETURNING[int(rng.random() * len(_RETURNING))]
        yield (
            n, user_ids[session["user"]], session_ids[session["key"]], event_type, name, page,
            None, "direct", None, session["device_type"], session["country"],
            '{"returning": true}', Decimal(revenue) if revenue else None,
            ctx.now - timedelta(seconds=rng.random() * 90 * 86400),
        )  # fmt: skip


def _health(ctx: SeedContext) -> Iterator[Row]:
    ids = ctx.ids("hlth")
    snapshots = load("airbar", "system_health")["snapshots"]
    rng = ctx.rng("health")
    n = 0
    # Round 0 is the report's 24 snapshots; --scale adds earlier rounds, 2 hours apart.
    for round_ in range(ctx.scale):
        for raw in snapshots:
            n += 1
            jitter = 1.0 if round_ == 0 else 0.9 + rng.random() * 0.2
            response = raw.get("response_ms")
            throughput = raw.get("throughput")
            yield (
                ids(n), raw["service"], raw["type"], raw["status"], raw.get("uptime"),
                None if response is None else round(response * jitter),
                raw.get("error_rate"),
                None if throughput is None else round(throughput * jitter),
                raw.get("cpu"), raw.get("memory"), raw.get("kpi_name"), raw.get("kpi_value"),
                raw.get("region"), _json(raw.get("metrics")),
                ctx.now - parse_ago(raw["ago"]) - timedelta(hours=2 * round_),
            )  # fmt: skip


async def seed(ctx: SeedContext, out: BulkWriter) -> list[str]:
    user_id = ctx.ids("user")
    session_id = ctx.ids("sess")
    users = load("airbar", "users")["users"]
    sessions = load("airbar", "sessions")["sessions"]
    user_ids = {u["key"]: user_id(n) for n, u in enumerate(users, 1)}
    session_ids = {s["key"]: session_id(n) for n, s in enumerate(sessions, 1)}
    await out.copy("users", USER_COLUMNS, _users(ctx, user_ids), total=len(users))
    await out.copy("profiles", PROFILE_COLUMNS, _profiles(ctx, user_ids))
    await out.copy("feature_flags", FLAG_COLUMNS, _flags(ctx))
    await out.copy("user_sessions", SESSION_COLUMNS, _session_rows(ctx, user_ids, session_ids))
    journeys = len(load("airbar", "journeys")["events"])
    await out.copy(
        "user_analytics",
        ANALYTICS_COLUMNS,
        _analytics(ctx, user_ids, session_ids),
        total=ctx.scaled(journeys),
    )
    snapshots = len(load("airbar", "system_health")["snapshots"])
    await out.copy("system_health", HEALTH_COLUMNS, _health(ctx), total=ctx.scaled(snapshots))
    return []
