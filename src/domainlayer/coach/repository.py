"""coach's authentication repository: auth codes, rate limits and sessions in PostgreSQL.

The invariants hold under concurrent callers because each is one SQL statement:
- "at most 5 codes per Skool user per UTC day": the RateLimit row is counted by one atomic
  upsert, and the AuthCode is inserted by the same statement only when the new count is
  within the limit (a data-modifying CTE). Every request counts, granted or not.
- "a code is used once": the UPDATE that marks it used matches only an active, unused,
  unexpired code, and the session is inserted from that UPDATE's result, so of any number
  of concurrent redeemers exactly one gets a row back.
The client cannot express an upsert-with-condition or a CTE, so these use its raw queries
(one place per rule, here). Tokens and codes come from `secrets`; the tables keep only their
SHA-256 (:mod:`.tokens`): a code is shown once, when issued, a token once, when its session
opens, and a value read from a table does not validate.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from prisma import Prisma
from prisma.models import (
    Appointment,
    CoachSession,
    CoachUser,
    SessionRating,
    SkoolMonitoringLog,
)

from domainlayer.batching import (
    DEFAULT_BATCH_SIZE,
    BatchPlan,
    JobResult,
    Progress,
    check_batch_size,
    preview,
    run_in_batches,
    table_counts,
)
from domainlayer.clock import checked_now
from domainlayer.errors import ConflictError, InfrastructureError, InvalidInputError
from domainlayer.repository import raw_sql, translating_errors, unit_of_work
from domainlayer.validation import (
    choice,
    ident,
    integer,
    moment,
    number,
    optional_moment,
    optional_text,
    strings,
    text,
)

from .errors import (
    AuthCodeNotFound,
    AuthCodeUnavailable,
    RateLimitExceeded,
    SessionExpired,
    SessionInactive,
    SessionNotFound,
)
from .rules import (
    AUTH_CODE_TTL,
    MAX_CODES_PER_DAY,
    SESSION_TTL,
    archive_cutoff,
    auth_code_string,
    build_client_context,
    check_rating,
    determine_user_role,
    rate_limit_day,
)
from .tokens import token_digest

__all__ = [
    "AuthRepository",
    "CoachingRepository",
    "IssuedCode",
    "MaintenanceReport",
    "MaintenanceRepository",
    "OpenedSession",
]


def _new_id() -> str:
    # Prisma's cuid() default applies only to writes made through the client.
    return "c" + secrets.token_hex(12)


def _utc(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    skool_user_id: str
    expires_at: datetime
    requests_today: int


@dataclass(frozen=True, slots=True)
class OpenedSession:
    token: str
    skool_user_id: str
    skool_username: str
    expires_at: datetime


_ISSUE_CODE = """
WITH counted AS (
    INSERT INTO coach."RateLimit"
        (id, "skoolUserId", "requestDate", "requestCount", "lastRequestAt")
    VALUES ($1, $2, $3::text::date, 1, $4::text::timestamp)
    ON CONFLICT ("skoolUserId", "requestDate") DO UPDATE
        SET "requestCount" = "RateLimit"."requestCount" + 1,
            "lastRequestAt" = EXCLUDED."lastRequestAt"
    RETURNING "requestCount"
), issued AS (
    INSERT INTO coach."AuthCode"
        (id, code, "skoolUserId", "skoolUsername", "generatedAt", "expiresAt", "isActive")
    SELECT $5, $6, $2, $7, $4::text::timestamp, $8::text::timestamp, true
    FROM counted WHERE counted."requestCount" <= $9
    RETURNING code
)
SELECT counted."requestCount" AS count, (SELECT code FROM issued) AS code FROM counted
"""

_REDEEM_CODE = """
WITH used AS (
    UPDATE coach."AuthCode"
    SET "usedAt" = $2::text::timestamp, "usedIpAddress" = $3, "userAgent" = $4,
        "deviceFingerprint" = $5, "isActive" = false
    WHERE code = $1 AND "isActive" AND "usedAt" IS NULL AND "expiresAt" > $2::text::timestamp
    RETURNING code, "skoolUserId", "skoolUsername"
)
INSERT INTO coach."UserSession"
    (id, "sessionId", "skoolUserId", "skoolUsername", "authCodeUsed", "createdAt",
     "expiresAt", "lastActive", "ipAddress", "userAgent", "deviceFingerprint", "isActive")
SELECT $6, $7, used."skoolUserId", used."skoolUsername", used.code, $2::text::timestamp,
       $8::text::timestamp, $2::text::timestamp, $3, $4, $5, true
FROM used
RETURNING "skoolUserId", "skoolUsername", "expiresAt"
"""

_TOUCH_SESSION = """
UPDATE coach."UserSession" SET "lastActive" = $2::text::timestamp
WHERE "sessionId" = $1 AND "isActive" AND "expiresAt" > $2::text::timestamp
RETURNING "skoolUserId", "skoolUsername", "expiresAt"
"""


def _naive_utc(moment: datetime) -> str:
    # The coach tables use `timestamp(3)` (UTC by Prisma's convention).
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")


class AuthRepository:
    """Auth codes, their rate limit, and the sessions they open.

    Give it an asyncpg ``pool`` (:func:`domainlayer.pool.get_pool`) and its three hot
    statements (issue, redeem, validate) go over asyncpg rather than through the client's
    engine: the same single statements, so the same invariants, at a fraction of the latency.
    """

    def __init__(self, client: Prisma, *, pool: asyncpg.Pool | None = None) -> None:
        self._client = client
        self._sql = raw_sql(client, pool)

    async def issue_code(
        self, skool_user_id: str, skool_username: str, now: datetime
    ) -> IssuedCode:
        """A new code for the Skool user, or RateLimitExceeded past 5 today (nothing created).

        The code is in the result only: the table keeps its SHA-256."""
        ident("skool_user_id", skool_user_id)
        text("skool_username", skool_username, 200)
        now = moment("now", now)
        code = auth_code_string(now, secrets.token_urlsafe(12))
        expires = now + AUTH_CODE_TTL
        row = await self._sql.fetchrow(
            _ISSUE_CODE,
            _new_id(),
            skool_user_id,
            rate_limit_day(now).isoformat(),
            _naive_utc(now),
            _new_id(),
            token_digest(code),
            skool_username,
            _naive_utc(expires),
            MAX_CODES_PER_DAY,
        )
        if row is None:  # the CTE always yields its one counted row
            raise InfrastructureError("the rate-limit statement returned no row")
        count = int(row["count"])
        if row["code"] is None:
            raise RateLimitExceeded(
                f"{skool_user_id} has requested {count} codes today (at most {MAX_CODES_PER_DAY})"
            )
        return IssuedCode(code, skool_user_id, expires, count)

    async def redeem_code(
        self,
        code: str,
        *,
        now: datetime,
        ip_address: str,
        user_agent: str,
        device_fingerprint: str,
    ) -> OpenedSession:
        """Use the code once and open a 30-day session; concurrent redeemers get one session."""
        text("code", code, 200)
        now = moment("now", now)
        text("ip_address", ip_address, 100)
        text("user_agent", user_agent, 2000)
        text("device_fingerprint", device_fingerprint, 500)
        token = secrets.token_urlsafe(32)
        digest = token_digest(code)
        row = await self._sql.fetchrow(
            _REDEEM_CODE,
            digest,
            _naive_utc(now),
            ip_address,
            user_agent,
            device_fingerprint,
            _new_id(),
            token_digest(token),
            _naive_utc(now + SESSION_TTL),
        )
        if not row:
            with translating_errors():
                exists = await self._client.authcode.find_unique(where={"code": digest})
            if exists is None:
                raise AuthCodeNotFound("no such auth code")
            raise AuthCodeUnavailable("the auth code was used, deactivated or expired")
        return OpenedSession(
            token, row["skoolUserId"], row["skoolUsername"], _utc(row["expiresAt"])
        )

    async def validate_session(self, token: str, now: datetime) -> OpenedSession:
        """The live session for ``token`` (its lastActive is updated), or a typed error."""
        text("token", token, 500)
        now = moment("now", now)
        digest = token_digest(token)
        row = await self._sql.fetchrow(_TOUCH_SESSION, digest, _naive_utc(now))
        if row:
            return OpenedSession(
                token, row["skoolUserId"], row["skoolUsername"], _utc(row["expiresAt"])
            )
        with translating_errors():
            session = await self._client.coachusersession.find_unique(where={"sessionId": digest})
        if session is None:
            raise SessionNotFound("no session for this token")
        if not session.isActive:
            raise SessionInactive("the session was ended")
        raise SessionExpired("the session has expired")


@dataclass(frozen=True, slots=True)
class MaintenanceReport:
    expired_sessions_deleted: int
    used_codes_deleted: int
    coaching_sessions_archived: int


def _delete(table: str) -> tuple[str, str, str, str]:
    return (
        "deleted",
        table,
        "deleted",
        f"DELETE FROM {table} t USING batch b WHERE t.id = b.id RETURNING 1",  # noqa: S608
    )


_EXPIRED_SESSIONS = BatchPlan(
    label='coach."UserSession"',
    table='coach."UserSession"',
    # 003: expiresAt < now AND isActive = false (a live session is never removed).
    where='"expiresAt" < $1::text::timestamp AND NOT "isActive"',
    key='"expiresAt"',
    key_type="timestamp",
    effects=(_delete('coach."UserSession"'),),
    previews=(
        ("deleted", 'coach."UserSession"', "would delete", "SELECT count(*) FROM candidates"),
    ),
)

# 003: expiresAt < now AND usedAt not null. A used code whose session still exists is kept:
# the documented foreign key (UserSession.authCodeUsed) forbids deleting it.
_EXPIRED_CODES = BatchPlan(
    label='coach."AuthCode"',
    table='coach."AuthCode"',
    where=(
        '"expiresAt" < $1::text::timestamp AND "usedAt" IS NOT NULL AND NOT EXISTS '
        '(SELECT 1 FROM coach."UserSession" u WHERE u."authCodeUsed" = "AuthCode".code)'
    ),
    key="id",
    key_type="text",
    effects=(_delete('coach."AuthCode"'),),
    previews=(("deleted", 'coach."AuthCode"', "would delete", "SELECT count(*) FROM candidates"),),
)

# 003: copy sessions that ended before the cutoff into SessionArchive, then delete them.
# Deleting a Session cascades to its messages and ratings (the documented relations); they
# are deleted here explicitly, in the same statement, so that the job can count them.
_ARCHIVE_SESSIONS = BatchPlan(
    label='coach."Session"',
    table='coach."Session"',
    where='"endedAt" < $1::text::timestamp',
    key="id",
    key_type="text",
    effects=(
        (
            "messages",
            'coach."Message"',
            "deleted",
            'DELETE FROM coach."Message" m USING batch b WHERE m."sessionId" = b.id RETURNING 1',
        ),
        (
            "ratings",
            'coach."SessionRating"',
            "deleted",
            'DELETE FROM coach."SessionRating" r USING batch b '
            'WHERE r."sessionId" = b.id RETURNING 1',
        ),
        (
            "moved",
            'coach."Session"',
            "moved to the archive",
            'DELETE FROM coach."Session" s USING batch b WHERE s.id = b.id RETURNING s.*',
        ),
        (
            "archived",
            'coach."SessionArchive"',
            "inserted",
            'INSERT INTO coach."SessionArchive" SELECT * FROM moved '
            "ON CONFLICT (id) DO NOTHING RETURNING 1",
        ),
    ),
    previews=(
        (
            "messages",
            'coach."Message"',
            "would delete",
            'SELECT count(*) FROM coach."Message" m JOIN candidates c ON m."sessionId" = c.id',
        ),
        (
            "ratings",
            'coach."SessionRating"',
            "would delete",
            'SELECT count(*) FROM coach."SessionRating" r JOIN candidates c '
            'ON r."sessionId" = c.id',
        ),
        (
            "moved",
            'coach."Session"',
            "would move to the archive",
            "SELECT count(*) FROM candidates",
        ),
        (
            "archived",
            'coach."SessionArchive"',
            "would insert",
            "SELECT count(*) FROM candidates c WHERE NOT EXISTS "
            '(SELECT 1 FROM coach."SessionArchive" a WHERE a.id = c.id)',
        ),
    ),
)


class MaintenanceRepository:
    """003's maintenance jobs, batched; each run returns what it did, table by table.

    Every job takes ``now`` (default: the database's clock), checked against the database's
    clock by :func:`domainlayer.clock.checked_now` (more than a day apart is refused unless
    ``allow_clock_skew=True``), works in batches of ``batch_size`` rows, one statement and
    transaction each (:mod:`domainlayer.batching`), and with ``dry_run=True`` only counts.
    """

    def __init__(self, client: Prisma, *, pool: asyncpg.Pool | None = None) -> None:
        self._client = client
        self._sql = raw_sql(client, pool)

    async def delete_expired_sessions(
        self,
        now: datetime | None = None,
        *,
        allow_clock_skew: bool = False,
        dry_run: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Progress | None = None,
    ) -> JobResult:
        """003 "clean up expired sessions" (daily): expired sessions no longer active."""
        return await self._job(
            "coach-expired-sessions",
            _EXPIRED_SESSIONS,
            now,
            lambda moment: moment,
            allow_clock_skew=allow_clock_skew,
            dry_run=dry_run,
            batch_size=batch_size,
            progress=progress,
        )

    async def delete_expired_auth_codes(
        self,
        now: datetime | None = None,
        *,
        allow_clock_skew: bool = False,
        dry_run: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Progress | None = None,
    ) -> JobResult:
        """003 "clean up expired auth codes" (hourly): used codes past their expiry."""
        return await self._job(
            "coach-expired-auth-codes",
            _EXPIRED_CODES,
            now,
            lambda moment: moment,
            allow_clock_skew=allow_clock_skew,
            dry_run=dry_run,
            batch_size=batch_size,
            progress=progress,
        )

    async def archive_old_sessions(
        self,
        now: datetime | None = None,
        *,
        allow_clock_skew: bool = False,
        dry_run: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Progress | None = None,
    ) -> JobResult:
        """003 "archive old sessions": sessions that ended more than 6 months ago."""
        return await self._job(
            "coach-archive-sessions",
            _ARCHIVE_SESSIONS,
            now,
            archive_cutoff,
            allow_clock_skew=allow_clock_skew,
            dry_run=dry_run,
            batch_size=batch_size,
            progress=progress,
        )

    async def run(
        self,
        now: datetime | None = None,
        *,
        allow_clock_skew: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> MaintenanceReport:
        """All three jobs, one after the other (each batched; not one transaction)."""
        moment = await self._now(now, allow_clock_skew)
        options: dict[str, Any] = {"allow_clock_skew": True, "batch_size": batch_size}
        sessions = await self.delete_expired_sessions(moment, **options)
        codes = await self.delete_expired_auth_codes(moment, **options)
        archived = await self.archive_old_sessions(moment, **options)
        return MaintenanceReport(
            sessions.rows('coach."UserSession"'),
            codes.rows('coach."AuthCode"'),
            archived.rows('coach."Session"'),
        )

    async def _now(self, now: datetime | None, allow_clock_skew: bool) -> datetime:
        return await checked_now(self._sql, now, allow_skew=allow_clock_skew)

    async def _job(
        self,
        job: str,
        plan: BatchPlan,
        now: datetime | None,
        cutoff_for: Callable[[datetime], datetime],
        *,
        allow_clock_skew: bool,
        dry_run: bool,
        batch_size: int,
        progress: Progress | None,
    ) -> JobResult:
        check_batch_size(batch_size)
        if not isinstance(dry_run, bool):
            raise InvalidInputError("dry_run must be True or False")
        if progress is not None and not callable(progress):
            raise InvalidInputError("progress must be a callable")
        moment = await self._now(now, allow_clock_skew)
        cutoff = cutoff_for(moment)
        args = (_naive_utc(cutoff),)
        if dry_run:
            totals, batches = await preview(self._sql, plan, args), 0
        else:
            totals, batches = await run_in_batches(
                self._sql, plan, args, batch_size=batch_size, progress=progress
            )
        counts = tuple(table_counts(plan, totals, dry_run=dry_run))
        return JobResult(job, moment, cutoff, counts, dry_run, batches)


class CoachingRepository:
    """Appointments, coaching sessions, ratings, messages, onboarding, memberships."""

    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def book_appointment(
        self, *, client_id: str, coach_id: str, scheduled_for: datetime, duration_min: int = 30
    ) -> Appointment:
        """A scheduled appointment with its own LiveKit room id."""
        ident("client_id", client_id)
        ident("coach_id", coach_id)
        scheduled_for = moment("scheduled_for", scheduled_for)
        integer("duration_min", duration_min, 1, 24 * 60)  # more than 0 minutes, at most a day
        with translating_errors():
            return await self._client.appointment.create(
                data={
                    "scheduledFor": scheduled_for,
                    "durationMin": duration_min,
                    "client": {"connect": {"id": client_id}},
                    "coach": {"connect": {"id": coach_id}},
                    "roomId": f"session-{secrets.token_hex(16)}",
                }
            )

    async def cancel_appointment(self, appointment_id: str, *, by: str, now: datetime) -> None:
        ident("appointment_id", appointment_id)
        text("by", by, 200)
        now = moment("now", now)
        with translating_errors():
            done = await self._client.appointment.update_many(
                where={"id": appointment_id, "status": {"in": ["scheduled", "active"]}},
                data={"status": "cancelled", "cancelledAt": now, "cancelledBy": by},
            )
        if done == 0:
            raise SessionNotFound(f"no open appointment {appointment_id!r}")

    async def join_room(self, *, room_id: str, user_id: str, now: datetime) -> CoachSession:
        """The participant's session for the appointment's room: created on first join."""
        ident("room_id", room_id)
        ident("user_id", user_id)
        now = moment("now", now)
        with translating_errors():
            appointment = await self._client.appointment.find_unique(where={"roomId": room_id})
            if appointment is None or appointment.status == "cancelled":
                raise SessionNotFound(f"no open appointment for room {room_id!r}")
        # Not an upsert: the engine runs that as a transaction (read, then write), and 200
        # concurrent joiners of one room queued for connections until they timed out. A
        # read, else one INSERT; the loser of a race to create reads the winner's row.
        where: Any = {"appointmentId_userId": {"appointmentId": appointment.id, "userId": user_id}}
        with translating_errors():
            existing = await self._client.coachsession.find_unique(where=where)
            if existing is not None:
                return existing
        try:
            with translating_errors():
                return await self._client.coachsession.create(
                    data={
                        "roomId": room_id,
                        "appointmentId": appointment.id,
                        "userId": user_id,
                        "startedAt": now,
                    }
                )
        except ConflictError:
            with translating_errors():
                existing = await self._client.coachsession.find_unique(where=where)
            if existing is None:  # no such user, or the appointment went away meanwhile
                raise SessionNotFound(
                    f"no open appointment for room {room_id!r} with user {user_id!r}"
                ) from None
            return existing

    async def record_warning(self, session_id: str) -> int:
        ident("session_id", session_id)
        with translating_errors():
            session = await self._client.coachsession.update(
                where={"id": session_id}, data={"warningsSent": {"increment": 1}}
            )
        if session is None:
            raise SessionNotFound(f"no coaching session {session_id!r}")
        return session.warningsSent

    async def complete_session(
        self,
        session_id: str,
        *,
        now: datetime,
        transcript: str | None = None,
        ai_summary: str | None = None,
        summary: str | None = None,
    ) -> None:
        optional_text("transcript", transcript, 1_000_000)
        optional_text("ai_summary", ai_summary, 100_000)
        optional_text("summary", summary, 100_000)
        await self._close(session_id, "completed", now, transcript, ai_summary, summary)

    async def cancel_session(self, session_id: str, *, now: datetime) -> None:
        await self._close(session_id, "cancelled", now, None, None, None)

    async def _close(
        self,
        session_id: str,
        status: str,
        now: datetime,
        transcript: str | None,
        ai_summary: str | None,
        summary: str | None,
    ) -> None:
        ident("session_id", session_id)
        now = moment("now", now)
        with translating_errors():
            done = await self._client.coachsession.update_many(
                where={"id": session_id, "status": "active"},
                data={
                    "status": status,
                    "endedAt": now,
                    "transcript": transcript,
                    "aiSummary": ai_summary,
                    "summary": summary,
                },
            )
        if done == 0:
            raise SessionInactive(f"coaching session {session_id!r} is not active")

    async def rate_session(
        self, session_id: str, *, rating: int, tip: float | None = None, comment: str | None = None
    ) -> SessionRating:
        ident("session_id", session_id)
        integer("rating", rating, -(2**31), 2**31 - 1)
        if tip is not None:
            number("tip", tip, -1e9, 1e9)
        optional_text("comment", comment, 10_000)
        check_rating(rating, tip)
        with translating_errors():
            # The scalar sessionId (not a nested connect): a second rating then meets the
            # unique index (a conflict) instead of a relation error.
            return await self._client.sessionrating.create(
                data={
                    "sessionId": session_id,
                    "rating": rating,
                    "tipAmount": tip,
                    "comment": comment,
                }
            )

    async def post_message(self, session_id: str, user_id: str, sender: str, content: str) -> None:
        ident("session_id", session_id)
        ident("user_id", user_id)
        text("sender", sender, 100)
        text("content", content, 100_000)
        with translating_errors():
            await self._client.message.create(
                data={
                    "session": {"connect": {"id": session_id}},
                    "user": {"connect": {"id": user_id}},
                    "sender": sender,
                    "content": content,
                }
            )

    async def complete_onboarding(
        self, user_id: str, *, goals: str, symptoms: str, initial_mood: int, now: datetime
    ) -> None:
        ident("user_id", user_id)
        text("goals", goals, 10_000, blank=True)
        text("symptoms", symptoms, 10_000, blank=True)
        now = moment("now", now)
        if isinstance(initial_mood, bool) or not isinstance(initial_mood, int):
            raise InvalidInputError("initial_mood must be an int, 1..5 stars")
        if not 1 <= initial_mood <= 5:
            raise InvalidInputError("the initial mood is 1..5 stars")
        fields = {
            "onboardingCompleted": True,
            "onboardingCompletedAt": now,
            "intakeCoachingGoals": goals,
            "intakeSymptoms": symptoms,
            "intakeInitialMood": initial_mood,
        }
        with translating_errors():
            await self._client.coachprofile.upsert(
                where={"userId": user_id},
                data={
                    "create": {"user": {"connect": {"id": user_id}}, **fields},  # type: ignore[typeddict-item]
                    "update": fields,  # type: ignore[typeddict-item]
                },
            )

    async def add_client_context(
        self,
        user_id: str,
        *,
        facts: Sequence[str] = (),
        challenges: Sequence[str] = (),
    ) -> str:
        """Push facts and challenges (atomic array pushes) and return the context text."""
        ident("user_id", user_id)
        facts = strings("facts", facts, max_len=2000)
        challenges = strings("challenges", challenges, max_len=2000)
        with translating_errors():
            profile = await self._client.coachprofile.update(
                where={"userId": user_id},
                data={
                    "clientFacts": {"push": list(facts)},
                    "challenges": {"push": list(challenges)},
                },
            )
        if profile is None:
            raise SessionNotFound(f"no profile for user {user_id!r}")
        return build_client_context(profile)

    async def record_skool_sync(
        self,
        *,
        community: str,
        members_found: int,
        new_members: int,
        cancelled_members: int,
        duration_ms: int,
        now: datetime,
        error: str | None = None,
    ) -> SkoolMonitoringLog:
        """Log one Skool monitoring run; a run with an ``error`` is logged as failed."""
        choice("community", community, ("ultra", "vagus"))
        counts = (members_found, new_members, cancelled_members, duration_ms)
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in counts):
            raise InvalidInputError("member counts and the duration are whole numbers >= 0")
        for count, name in zip(
            counts,
            ("members_found", "new_members", "cancelled_members", "duration_ms"),
            strict=True,
        ):
            integer(name, count)
        now = moment("now", now)
        optional_text("error", error, 10_000)
        if new_members > members_found:
            raise InvalidInputError("a run cannot find more new members than members")
        with translating_errors():
            return await self._client.skoolmonitoringlog.create(
                data={
                    "community": community,
                    "membersFound": members_found,
                    "newMembers": new_members,
                    "cancelledMembers": cancelled_members,
                    "syncDurationMs": duration_ms,
                    "success": error is None,
                    "errorMessage": error,
                    "executedAt": now,
                }
            )

    async def record_membership_status(
        self,
        user_id: str,
        *,
        community: str,
        new_status: str,
        now: datetime,
        end_date: datetime | None = None,
    ) -> CoachUser:
        """Record a Skool status change and re-determine the user's role, in one transaction."""
        ident("user_id", user_id)
        choice("community", community, ("ultra", "vagus"))
        text("new_status", new_status, 100)
        now = moment("now", now)
        end_date = optional_moment("end_date", end_date)
        field = "ultraSubscriptionStatus" if community == "ultra" else "vagusSubscriptionStatus"
        async with unit_of_work(self._client) as tx:
            user = await tx.coachuser.find_unique(where={"id": user_id})
            if user is None:
                raise SessionNotFound(f"no user {user_id!r}")
            previous = getattr(user, field)
            await tx.membershipstatushistory.create(
                data={
                    "user": {"connect": {"id": user_id}},
                    "community": community,
                    "previousStatus": previous,
                    "newStatus": new_status,
                    "changeDetectedAt": now,
                }
            )
            changes: dict[str, object] = {field: new_status, "lastSkoolSync": now}
            if end_date is not None:
                changes["membershipEndDate"] = end_date
            updated = await tx.coachuser.update(where={"id": user_id}, data=changes)  # type: ignore[arg-type]
            assert updated is not None
            role = determine_user_role(updated, now)
            if role != updated.role:
                updated = await tx.coachuser.update(where={"id": user_id}, data={"role": role})
                assert updated is not None
        return updated
