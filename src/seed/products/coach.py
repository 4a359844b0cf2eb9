"""coach (003): HybridCoach's coaches, clients and everything they did, consistent throughout.

Users come from ``seeds/coach/users.json``: five coaches (Ultra Skool members, one in the
grace period of a cancelled membership), an admin, and 36 clients (Vagus members, some
lapsed). Every role is what :func:`domainlayer.coach.rules.determine_user_role` says for
the user's memberships at ``--now``. Membership status history and the Skool sync logs
agree: each change is detected by a sync run, whose counts are the changes it detected and
the members active then. Onboarded clients book appointments with coaches; completed ones
have a coaching session per participant, with chat messages and (mostly) a rating of 1..5
stars with tips of $1, $3 or $5 only. Auth codes (``vgs-{unix ms}-{random}``, 30 minutes)
are issued at most five per Skool user per UTC day, each day's RateLimit row counting that
day's codes; the last code of a day is redeemed and opens a 30-day user session. Codes and
session tokens are stored as the repository stores them, as their SHA-256
(:func:`domainlayer.coach.tokens.token_digest`): no seeded row holds a usable secret.
``--scale K`` multiplies the chat messages by K. Timestamps are naive UTC (``timestamp(3)``).
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Final

from domainlayer.coach.rules import (
    ADMIN,
    AUTH_CODE_TTL,
    CLIENT,
    COACH,
    MAX_CODES_PER_DAY,
    SESSION_TTL,
    auth_code_string,
    check_rating,
    determine_user_role,
    rate_limit_day,
)
from domainlayer.coach.tokens import token_digest
from seed.bulk import BulkWriter, Row
from seed.context import SeedContext, naive
from seed.fixtures import load, parse_ago

__all__ = ["seed"]

#: Skool sync runs: every 6 hours over the last 14 days, per community.
SYNC_EVERY: Final = timedelta(hours=6)
SYNC_RUNS: Final = 14 * 4
#: Days back in which users requested auth codes.
CODE_DAYS: Final = 30
#: How far back appointments go.
HISTORY_DAYS: Final = 120

_URLSAFE: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

USER_COLUMNS: Final = (
    "id", "googleId", "email", "displayName", "role", "skoolUltraEmail", "skoolVagusEmail",
    "ultraSubscriptionStatus", "vagusSubscriptionStatus", "lastSkoolSync", "membershipEndDate",
    "membershipWarningShown", "skoolProfileUrl", "skoolProfilePhotoUrl", "profilePhotoPath",
    "skoolBio", "skoolJoinedDate", "lastPhotoSync", "isAvailable", "coachLevel", "coachName",
    "deletedAt", "createdAt", "updatedAt",
)  # fmt: skip
PROFILE_COLUMNS: Final = (
    "id", "userId", "bioJson", "clientFacts", "challenges", "preferences", "lastSummary",
    "contextNotes", "onboardingCompleted", "onboardingCompletedAt", "intakeCoachingGoals",
    "intakeSymptoms", "intakeInitialMood",
)  # fmt: skip
APPOINTMENT_COLUMNS: Final = (
    "id", "scheduledFor", "durationMin", "clientId", "coachId", "roomId", "status",
    "cancelledAt", "cancelledBy", "createdAt",
)  # fmt: skip
SESSION_COLUMNS: Final = (
    "id", "roomId", "appointmentId", "userId", "startedAt", "endedAt", "durationMinutes",
    "status", "warningsSent", "transcript", "aiSummary", "summary", "deletedAt",
)  # fmt: skip
RATING_COLUMNS: Final = ("id", "sessionId", "rating", "comment", "tipAmount", "createdAt")
MESSAGE_COLUMNS: Final = ("id", "sessionId", "userId", "sender", "content", "createdAt")
SYNC_COLUMNS: Final = (
    "id", "community", "membersFound", "newMembers", "cancelledMembers", "syncDurationMs",
    "success", "errorMessage", "executedAt",
)  # fmt: skip
HISTORY_COLUMNS: Final = (
    "id", "userId", "community", "previousStatus", "newStatus", "changeDetectedAt",
)  # fmt: skip
CODE_COLUMNS: Final = (
    "id", "code", "skoolUserId", "skoolUsername", "generatedAt", "expiresAt", "usedAt",
    "usedIpAddress", "userAgent", "deviceFingerprint", "isActive",
)  # fmt: skip
USER_SESSION_COLUMNS: Final = (
    "id", "sessionId", "skoolUserId", "skoolUsername", "authCodeUsed", "createdAt",
    "expiresAt", "lastActive", "ipAddress", "userAgent", "deviceFingerprint", "isActive",
)  # fmt: skip
RATE_COLUMNS: Final = ("id", "skoolUserId", "requestDate", "requestCount", "lastRequestAt")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _offset(text: str) -> timedelta:
    """``"12d"`` after --now, ``"-8d"`` before it."""
    if text.startswith("-"):
        return -parse_ago(text[1:])
    return parse_ago(text)


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c for c in part if c.isalnum()) for part in plain.split())


def _n(moment: datetime | None) -> datetime | None:
    return None if moment is None else naive(moment)


# Users and memberships -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Holder:
    """What determine_user_role reads (the User model's fields)."""

    role: str
    ultraSubscriptionStatus: str | None
    vagusSubscriptionStatus: str | None
    membershipEndDate: datetime | None


@dataclass(slots=True)
class _User:
    n: int
    id: str
    name: str
    email: str
    role: str
    ultra: str | None
    vagus: str | None
    end: datetime | None
    joined: datetime
    created: datetime
    bio: str
    available: bool = False
    level: int | None = None
    coach_name: str | None = None
    skool_id: str = ""
    history: list[tuple[str, str | None, str, datetime]] = field(default_factory=list)
    onboarded: datetime | None = None

    @property
    def skool(self) -> bool:
        return self.ultra is not None or self.vagus is not None


def _users(ctx: SeedContext) -> list[_User]:
    spec = load("coach", "users")
    rng = ctx.rng("users")
    fake = ctx.faker()
    user_id = ctx.ids("user")
    raw: list[dict[str, Any]] = [
        *({**c, "kind": "coach"} for c in spec["coaches"]),
        *({**a, "kind": "admin"} for a in spec["admins"]),
    ]
    statuses = spec["clients"]["statuses"]
    for _ in range(spec["clients"]["count"]):
        status = rng.choices(statuses, weights=[s["weight"] for s in statuses])[0]
        raw.append(
            {
                "name": f"{fake.first_name()} {fake.last_name()}",
                "ultra": status["ultra"],
                "vagus": status["vagus"],
                "end_in": status.get("end_in"),
                "joined_ago": f"{rng.randint(3, 400)}d{rng.randint(0, 23)}h",
                "bio": str(fake.sentence(nb_words=10)),
                "kind": "client",
            }
        )
    users = []
    for n, r in enumerate(raw, 1):
        joined = ctx.now - parse_ago(r["joined_ago"])
        end = ctx.now + _offset(r["end_in"]) if r.get("end_in") else None
        holder = _Holder(ADMIN if r["kind"] == "admin" else CLIENT, r["ultra"], r["vagus"], end)
        slug = _slug(r["name"])
        user = _User(
            n=n,
            id=user_id(n),
            name=r["name"],
            email=f"{slug.replace('-', '.')}.{n}@hybridcoach.example",
            role=determine_user_role(holder, ctx.now),
            ultra=r["ultra"],
            vagus=r["vagus"],
            end=end,
            joined=joined,
            created=joined + timedelta(days=1 + rng.random() * 5),
            bio=r.get("bio") or "",
            available=bool(r.get("available", False)),
            level=r.get("level"),
            coach_name=r.get("coach_name"),
            skool_id=f"skool_{ctx.digest('skool', n, size=20)}",
        )
        user.created = min(user.created, ctx.now - timedelta(days=1))
        _membership_history(ctx, user)
        users.append(user)
    return users


def _membership_history(ctx: SeedContext, user: _User) -> None:
    """Join, cancel and expiry of each membership, as (community, previous, new, at)."""
    grace = timedelta(days=30)
    rng = ctx.rng("membership", user.n)
    for community, status in (("ultra", user.ultra), ("vagus", user.vagus)):
        if status is None:
            continue
        user.history.append((community, None, "active", user.joined))
        if status in ("cancelled", "expired"):
            end = user.end or ctx.now
            cancelled = end - grace - timedelta(days=rng.random() * 6)
            cancelled = max(cancelled, user.joined + timedelta(days=7))
            user.history.append((community, "active", "cancelled", cancelled))
            if status == "expired":
                user.history.append((community, "cancelled", "expired", end))
    user.history.sort(key=lambda h: h[3])


@dataclass(frozen=True, slots=True)
class _Sync:
    runs: list[datetime]  # oldest first
    failed: frozenset[int]  # indexes into runs

    def detected(self, moment: datetime) -> datetime:
        """When a change at ``moment`` was noticed: the next successful run.

        Changes from before the logged runs keep their own time (runs no longer logged).
        """
        if moment <= self.runs[0] - SYNC_EVERY:
            return moment
        for k, run in enumerate(self.runs):
            if run >= moment and k not in self.failed:
                return run
        return moment


def _sync_plan(ctx: SeedContext) -> _Sync:
    rng = ctx.rng("sync")
    last = ctx.now - timedelta(minutes=47)
    runs = [last - SYNC_EVERY * k for k in range(SYNC_RUNS - 1, -1, -1)]
    failed = frozenset(rng.sample(range(SYNC_RUNS - 1), 2))
    return _Sync(runs, failed)


def _user_rows(ctx: SeedContext, users: Sequence[_User], sync: _Sync) -> Iterator[Row]:
    rng = ctx.rng("user-rows")
    last_sync = sync.detected(sync.runs[-1])
    for u in users:
        slug = _slug(u.name)
        skool = u.skool
        photo_sync = u.joined + timedelta(days=rng.random() * 30) if skool else None
        warned = u.end is not None and u.end - ctx.now < timedelta(days=14)
        updated = max(u.created, last_sync if skool else u.created)
        yield (
            u.id, f"{rng.getrandbits(64):021d}", u.email, u.name, u.role,
            u.email if u.ultra else None, u.email if u.vagus else None, u.ultra, u.vagus,
            naive(last_sync) if skool else None, _n(u.end), warned,
            f"https://www.skool.com/@{slug}-{u.n}" if skool else None,
            f"https://assets.skool.com/f/{ctx.digest('photo', u.n)}/{slug}.jpg" if skool else None,
            f"uploads/profile-photos/{u.id}.jpg" if skool else None,
            u.bio if skool else None, _n(u.joined) if skool else None, _n(photo_sync),
            u.available and u.role == COACH, u.level, u.coach_name, None, naive(u.created),
            naive(updated),
        )  # fmt: skip


def _history_rows(ctx: SeedContext, users: Sequence[_User], sync: _Sync) -> Iterator[Row]:
    ids = ctx.ids("mshs")
    n = 0
    for u in users:
        for community, before, after, at in u.history:
            n += 1
            yield ids(n), u.id, community, before, after, naive(sync.detected(at))


def _sync_rows(ctx: SeedContext, users: Sequence[_User], sync: _Sync) -> Iterator[Row]:
    rng = ctx.rng("sync-rows")
    errors = load("coach", "content")["sync_errors"]
    changes = [
        (community, after, sync.detected(at))
        for u in users
        for community, _before, after, at in u.history
    ]
    n = 0
    for k, run in enumerate(sync.runs):
        previous = sync.runs[k - 1] if k else run - SYNC_EVERY
        for community in ("ultra", "vagus"):
            n += 1
            if k in sync.failed:
                yield (
                    n, community, 0, 0, 0, 30_000 + rng.randint(0, 400), False,
                    rng.choice(errors), naive(run),
                )  # fmt: skip
                continue
            members = 0
            for u in users:
                status = None
                for c, _b, after, at in u.history:
                    if c == community and sync.detected(at) <= run:
                        status = after
                members += status == "active"
            new = sum(
                1
                for c, after, at in changes
                if c == community and after == "active" and previous < at <= run
            )
            gone = sum(
                1
                for c, after, at in changes
                if c == community and after == "cancelled" and previous < at <= run
            )
            yield (
                n, community, members, new, gone, 2_000 + rng.randint(0, 6_000) + 40 * members,
                True, None, naive(run),
            )  # fmt: skip


def _profile_rows(
    ctx: SeedContext, users: Sequence[_User], summaries: dict[str, str]
) -> Iterator[Row]:
    content = load("coach", "content")
    prefs = content["preferences"]
    ids = ctx.ids("prof")
    for u in users:
        rng = ctx.rng("profile", u.n)
        if u.role != CLIENT:
            bio = {"headline": u.coach_name or u.name, "about": u.bio, "level": u.level}
            yield (
                ids(u.n), u.id, _json(bio), [], [], None, None, None, False, None, None,
                None, None,
            )  # fmt: skip
            continue
        done = u.onboarded is not None
        facts = rng.sample(content["facts"], rng.randint(1, 3)) if done else []
        challenges = rng.sample(content["challenges"], rng.randint(0, 2)) if done else []
        preferences = {
            "time": rng.choice(prefs["times"]),
            "style": rng.choice(prefs["styles"]),
            "reminders": rng.choice(prefs["reminders"]),
        }
        yield (
            ids(u.n), u.id, _json({"about": u.bio}), facts, challenges,
            _json(preferences) if done else None, summaries.get(u.id),
            "Prefers a slow start; check in on sleep first." if done and rng.random() < 0.3
            else None,
            done, _n(u.onboarded), rng.choice(content["goals"]) if done else None,
            rng.choice(content["symptoms"]) if done else None,
            rng.randint(1, 5) if done else None,
        )  # fmt: skip


# Appointments, coaching sessions, ratings, messages --------------------------------------


@dataclass(slots=True)
class _Session:
    n: int
    id: str
    room: str
    appointment: str
    user: str
    started: datetime
    ended: datetime | None
    minutes: int
    status: str
    client: str
    coach: str
    messages: int = 0
    summary: str | None = None


@dataclass(slots=True)
class _Coaching:
    appointments: list[Row] = field(default_factory=list)
    sessions: list[_Session] = field(default_factory=list)
    summaries: dict[str, str] = field(default_factory=dict)


def _coaching(ctx: SeedContext, users: Sequence[_User]) -> _Coaching:
    """Appointments and the sessions held in them (small tables; messages are not here)."""
    content = load("coach", "content")
    coaches = [u for u in users if u.role == COACH]
    appointment_id = ctx.ids("appt")
    session_id = ctx.ids("sess")
    out = _Coaching()
    a = s = 0
    for u in users:
        if u.role != CLIENT:
            continue
        rng = ctx.rng("appointments", u.n)
        if rng.random() < 0.15:  # never finished onboarding: no appointments
            continue
        u.onboarded = u.created + timedelta(hours=2 + rng.random() * 70)
        coach = rng.choices(coaches, weights=[3 if c.available else 1 for c in coaches])[0]
        start = max(u.onboarded + timedelta(days=1), ctx.now - timedelta(days=HISTORY_DAYS))
        stop = min(ctx.now + timedelta(days=14), u.end or ctx.now + timedelta(days=14))
        if u.vagus != "active":
            stop = min(stop, ctx.now)
        slot = start + timedelta(days=rng.random() * 10)
        while slot < stop:
            a += 1
            scheduled = datetime.combine(slot.date(), time(rng.choice(range(7, 20))), UTC)
            scheduled += timedelta(minutes=rng.choice((0, 30)))
            minutes = rng.choice((30, 30, 30, 20, 45))
            room = f"session-{ctx.digest('room', a)}"
            aid = appointment_id(a)
            created = max(u.onboarded, scheduled - timedelta(days=2 + rng.random() * 8))
            cancelled_at = cancelled_by = None
            if scheduled > ctx.now:
                status = "scheduled"
            elif scheduled + timedelta(minutes=minutes) > ctx.now:
                status = "active"
            elif rng.random() < 0.15:
                status = "cancelled"
                late = rng.random() < 0.3
                cancelled_at = scheduled + (
                    timedelta(minutes=5) if late else -timedelta(hours=1 + rng.random() * 30)
                )
                cancelled_by = rng.choice((u.id, u.id, coach.id))
            else:
                status = "completed"
            created = min(created, cancelled_at or created, ctx.now)
            out.appointments.append(
                (
                    aid,
                    naive(scheduled),
                    minutes,
                    u.id,
                    coach.id,
                    room,
                    status,
                    _n(cancelled_at),
                    cancelled_by,
                    naive(created),
                )
            )
            summary = rng.choice(content["summaries"])
            if status in ("completed", "active"):
                for who in (u.id, coach.id):
                    s += 1
                    started = scheduled + timedelta(seconds=rng.randint(0, 240))
                    ended = None
                    if status == "completed":
                        ended = started + timedelta(minutes=minutes, seconds=rng.randint(-90, 300))
                    session = _Session(
                        s, session_id(s), room, aid, who, started, ended, minutes,
                        "completed" if ended else "active", u.id, coach.id,
                        messages=rng.randint(6, 12) if who == u.id else 0,
                        summary=summary if ended else None,
                    )  # fmt: skip
                    if ended is None and who == u.id:
                        session.messages = rng.randint(2, 4)
                    out.sessions.append(session)
                if status == "completed":
                    out.summaries[u.id] = summary
            elif status == "cancelled" and cancelled_at and cancelled_at > scheduled:
                s += 1  # the client joined, then the appointment was called off
                out.sessions.append(
                    _Session(
                        s,
                        session_id(s),
                        room,
                        aid,
                        u.id,
                        scheduled,
                        cancelled_at,
                        minutes,
                        "cancelled",
                        u.id,
                        coach.id,
                    )
                )
            slot += timedelta(days=rng.choice((7, 7, 7, 14, 10, 5)))
    return out


def _session_rows(ctx: SeedContext, coaching: _Coaching) -> Iterator[Row]:
    conversation = load("coach", "content")["conversation"]
    for x in coaching.sessions:
        transcript = None
        if x.status == "completed":
            transcript = "\n".join(f"{who}: {text}" for who, text in conversation[:6])
        overran = x.ended is not None and x.ended - x.started > timedelta(minutes=x.minutes)
        yield (
            x.id, x.room, x.appointment, x.user, naive(x.started), _n(x.ended), x.minutes,
            x.status, (1 if overran else 0) + (x.n % 5 == 0), transcript, x.summary,
            x.summary if x.status == "completed" and x.user == x.coach else None, None,
        )  # fmt: skip


def _rating_rows(ctx: SeedContext, coaching: _Coaching) -> Iterator[Row]:
    comments = load("coach", "content")["rating_comments"]
    ids = ctx.ids("rate")
    n = 0
    for x in coaching.sessions:
        if x.status != "completed" or x.user != x.client or x.ended is None:
            continue
        rng = ctx.rng("rating", x.n)
        if rng.random() < 0.2:
            continue  # not every client rates
        rating = rng.choices((1, 2, 3, 4, 5), weights=(2, 3, 10, 30, 55))[0]
        tip = rng.choice((None, None, 1, 3, 5)) if rating >= 4 else None
        check_rating(rating, tip)
        comment = rng.choice(comments[str(rating)]) if rng.random() < 0.6 else None
        n += 1
        at = min(x.ended + timedelta(minutes=1 + rng.random() * 30), ctx.now)
        yield (
            ids(n), x.id, rating, comment, None if tip is None else float(tip), naive(at),
        )  # fmt: skip


def _message_rows(ctx: SeedContext, coaching: _Coaching) -> Iterator[Row]:
    """Chat in the client's session of each room (K times as many with --scale K)."""
    conversation = load("coach", "content")["conversation"]
    ids = ctx.ids("mesg")
    n = 0
    for x in coaching.sessions:
        if not x.messages:
            continue
        rng = ctx.rng("messages", x.n)
        count = ctx.scaled(x.messages)
        end = x.ended or ctx.now
        span = (end - x.started) / (count + 1)
        first = rng.randrange(len(conversation))
        for k in range(count):
            n += 1
            sender, text = conversation[(first + k) % len(conversation)]
            author = x.coach if sender == "coach" else x.client
            at = x.started + span * (k + 1)
            yield ids(n), x.id, author, sender, text, naive(at)


# Auth codes, user sessions, rate limits --------------------------------------------------


@dataclass(slots=True)
class _Auth:
    codes: list[Row] = field(default_factory=list)
    sessions: list[Row] = field(default_factory=list)
    limits: list[Row] = field(default_factory=list)


def _random_part(rng: random.Random) -> str:
    return "".join(rng.choice(_URLSAFE) for _ in range(16))  # 96 bits, like token_urlsafe(12)


def _auth(ctx: SeedContext, users: Sequence[_User]) -> _Auth:
    """Codes per Skool user per UTC day (at most 5), the day's rate limit, the sessions."""
    agents = load("coach", "content")["user_agents"]
    code_id, session_id, limit_id = ctx.ids("code"), ctx.ids("usss"), ctx.ids("ratl")
    out = _Auth()
    for u in users:
        if not u.skool:
            continue
        rng = ctx.rng("auth", u.n)
        days = rng.randint(8, 20) if u.role == COACH else rng.randint(2, 10)
        agent = rng.choice(agents)
        ip = f"198.51.100.{rng.randint(2, 254)}"
        device = ctx.digest("device", u.n, size=32)
        for back in sorted(rng.sample(range(1, CODE_DAYS + 1), days), reverse=True):
            day = (ctx.now - timedelta(days=back)).date()
            count = rng.choices((1, 2, 3, 4, MAX_CODES_PER_DAY), weights=(70, 18, 6, 3, 3))[0]
            moment = datetime.combine(day, time(7), UTC) + timedelta(minutes=rng.randint(0, 600))
            generated = []
            for _ in range(count):
                generated.append(moment)
                moment += timedelta(minutes=rng.randint(2, 40))
            assert all(rate_limit_day(g) == day for g in generated)
            for k, at in enumerate(generated):
                code = auth_code_string(at, _random_part(rng))
                used = None
                if k == count - 1:  # the last code of the day is the one that worked
                    used = at + timedelta(seconds=rng.randint(20, 600))
                    assert used < at + AUTH_CODE_TTL
                out.codes.append(
                    (
                        code_id(len(out.codes) + 1),
                        token_digest(code),
                        u.skool_id,
                        u.name,
                        naive(at),
                        naive(at + AUTH_CODE_TTL),
                        _n(used),
                        ip if used else None,
                        agent if used else None,
                        device if used else None,
                        used is None and at + AUTH_CODE_TTL > ctx.now,
                    )
                )
                if used is not None:
                    expires = used + SESSION_TTL
                    last = used + (min(ctx.now, expires) - used) * rng.random() ** 3
                    logged_out = rng.random() < 0.1
                    out.sessions.append(
                        (
                            session_id(len(out.sessions) + 1),
                            token_digest(ctx.digest("session-token", u.n, code, size=64)),
                            u.skool_id,
                            u.name,
                            token_digest(code),
                            naive(used),
                            naive(expires),
                            naive(last),
                            ip,
                            agent,
                            device,
                            expires > ctx.now and not logged_out,
                        )
                    )
            out.limits.append(
                (limit_id(len(out.limits) + 1), u.skool_id, day, count, naive(generated[-1]))
            )
    return out


async def seed(ctx: SeedContext, out: BulkWriter) -> list[str]:
    users = _users(ctx)
    sync = _sync_plan(ctx)
    coaching = _coaching(ctx, users)  # also marks who finished onboarding
    await out.copy("User", USER_COLUMNS, _user_rows(ctx, users, sync), total=len(users))
    await out.copy(
        "Profile", PROFILE_COLUMNS, _profile_rows(ctx, users, coaching.summaries), total=len(users)
    )
    await out.copy(
        "MembershipStatusHistory",
        HISTORY_COLUMNS,
        _history_rows(ctx, users, sync),
        total=sum(len(u.history) for u in users),
    )
    await out.copy(
        "SkoolMonitoringLog", SYNC_COLUMNS, _sync_rows(ctx, users, sync), total=2 * SYNC_RUNS
    )
    await out.copy(
        "Appointment", APPOINTMENT_COLUMNS, coaching.appointments, total=len(coaching.appointments)
    )
    await out.copy(
        "Session", SESSION_COLUMNS, _session_rows(ctx, coaching), total=len(coaching.sessions)
    )
    await out.copy("SessionRating", RATING_COLUMNS, _rating_rows(ctx, coaching))
    await out.copy(
        "Message",
        MESSAGE_COLUMNS,
        _message_rows(ctx, coaching),
        total=ctx.scaled(sum(x.messages for x in coaching.sessions)),
    )
    auth = _auth(ctx, users)
    await out.copy("AuthCode", CODE_COLUMNS, auth.codes, total=len(auth.codes))
    await out.copy("UserSession", USER_SESSION_COLUMNS, auth.sessions, total=len(auth.sessions))
    await out.copy("RateLimit", RATE_COLUMNS, auth.limits, total=len(auth.limits))
    return []
