"""madfam's repositories: leads (scored by the rules) and the email queue.

Creating a lead writes the Lead, its `lead.created` activity, an AnalyticsEvent and the
welcome EmailQueue row in one transaction: all four or none. Given an idempotency key, a
retry of the call (after a timeout, a lost answer) returns the lead the first call stored,
and writes nothing: the key is unique, and the statement upserts on it. Email workers claim pending
rows with `FOR UPDATE SKIP LOCKED` in one statement (the client cannot express row locks),
which marks them `sending`: two workers never hold the same email. A failed send goes back
to `pending` until it has had `max_attempts`, then stays `failed`. A claim is a lease
(`claimedBy`, `leaseExpiresAt`): if its worker stops, the email is claimable again once the
lease has run out on the database's clock.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import asyncpg
from prisma import Prisma, enums
from prisma.models import Assessment, Calculation, Integration, Lead, MadfamFeatureFlag

from domainlayer.clock import checked_now
from domainlayer.errors import InfrastructureError, InvalidInputError, NotFoundError
from domainlayer.flags import FlagRule, is_enabled
from domainlayer.repository import ClientSql, Json, raw_sql, translating_errors, unit_of_work
from domainlayer.validation import (
    boolean,
    choice,
    ident,
    integer,
    json_object,
    moment,
    optional_ident,
    optional_text,
    refusing_as,
    strings,
    text,
)

from .calculations import ProjectEstimate, RoiResult
from .rules import (
    InvalidFlagError,
    ServiceTier,
    check_environment,
    check_flag_key,
    flag_rule,
    score_assessment,
    score_lead,
    tier_for_score,
)
from .secrets_box import SecretBox

__all__ = [
    "DEFAULT_EMAIL_LEASE",
    "LEAD_SOURCES",
    "LEAD_STATUSES",
    "MAX_EMAIL_ATTEMPTS",
    "ClaimedEmail",
    "EmailQueueRepository",
    "FeatureFlagRepository",
    "IntegrationRepository",
    "IntegrationSettings",
    "LeadRepository",
]

#: The LeadStatus values a lead may move to.
LEAD_STATUSES: Final = frozenset(s.value for s in enums.LeadStatus)

#: The LeadSource values a lead may come from.
LEAD_SOURCES: Final = frozenset(s.value for s in enums.LeadSource)

#: Sends tried before an email stays `failed`.
MAX_EMAIL_ATTEMPTS: Final = 3


# The lead, its `lead_created` activity, the `lead.created` event and the welcome email in
# one statement (a data-modifying CTE): atomic without a transaction, one round trip instead
# of six (begin, four inserts, commit). The client cannot express it, so it is raw SQL here.
# With an idempotency key ($21) that is already stored, ON CONFLICT ... DO UPDATE returns
# the stored lead (also when a concurrent call committed it after this statement began:
# DO NOTHING would return nothing) and `inserted` is false, so nothing else is written. The
# update sets the key to itself, so the stored lead stays as the first call wrote it.
_CREATE_LEAD = """
WITH lead AS (
    INSERT INTO madfam."Lead" (id, email, "firstName", "lastName", company, phone, tier,
        message, source, score, industry, "companySize", "idempotencyKey", "createdAt",
        "updatedAt")
    VALUES ($1, $2, $3::text, $4::text, $5::text, $6::text, $7::text::madfam."ServiceTier",
        $8::text, $9::text::madfam."LeadSource", $10::int, $11::text, $12::text, $21::text,
        now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
    ON CONFLICT ("idempotencyKey") DO UPDATE SET "idempotencyKey" = "Lead"."idempotencyKey"
    RETURNING *, (xmax = 0) AS inserted
), activity AS (
    INSERT INTO madfam."LeadActivity" (id, type, description, "leadId", metadata, "createdAt")
    SELECT $13, 'lead_created', $14, lead.id, $15::text::jsonb, lead."createdAt"
    FROM lead WHERE lead.inserted
), event AS (
    INSERT INTO madfam."AnalyticsEvent" (id, event, properties, "createdAt")
    SELECT $16, 'lead.created', $17::text::jsonb, lead."createdAt" FROM lead WHERE lead.inserted
), email AS (
    INSERT INTO madfam."EmailQueue" (id, "to", subject, template, data, "createdAt",
        "updatedAt")
    SELECT $18, $19::text::jsonb, 'Welcome to MADFAM', 'welcome', $20::text::jsonb,
        lead."createdAt", lead."createdAt" FROM lead WHERE lead.inserted
)
SELECT * FROM lead
"""


def _new_id() -> str:
    # Prisma's cuid() default applies only to writes made through the client.
    return "c" + secrets.token_hex(12)


class LeadRepository:
    """Leads, their notes, activities, assessments and calculations.

    With an asyncpg ``pool`` the lead-creation statement goes over asyncpg rather than
    through the client's engine (the same single statement).
    """

    def __init__(self, client: Prisma, *, pool: asyncpg.Pool | None = None) -> None:
        self._client = client
        self._sql = raw_sql(client, pool)

    async def create_lead(
        self,
        *,
        email: str,
        tier: str,
        first_name: str | None = None,
        last_name: str | None = None,
        company: str | None = None,
        phone: str | None = None,
        message: str | None = None,
        industry: str | None = None,
        company_size: str | None = None,
        source: str = "WEBSITE",
        idempotency_key: str | None = None,
    ) -> Lead:
        """Score and store a lead with its activity, analytics event and welcome email.

        With ``idempotency_key`` (the caller's, e.g. a request id; at most 200 characters),
        a call that repeats a stored key returns that lead and writes nothing, whatever
        the other arguments: retry with the same key after an error or a timeout.
        """
        email = text("email", email, 320)
        if not isinstance(tier, str) or tier not in ServiceTier.__members__:
            raise InvalidInputError(f"unknown service tier: {str(tier)[:50]!r}")
        if not isinstance(source, str) or source not in LEAD_SOURCES:
            raise InvalidInputError(f"unknown lead source: {str(source)[:50]!r}")
        for value, name in (
            (first_name, "first_name"),
            (last_name, "last_name"),
            (company, "company"),
            (phone, "phone"),
            (industry, "industry"),
            (company_size, "company_size"),
        ):
            optional_text(name, value, 200)
        optional_text("message", message, 10_000)
        optional_ident("idempotency_key", idempotency_key)
        score = score_lead(
            email=email,
            company=company,
            phone=phone,
            message=message,
            tier=tier,
            industry=industry,
            company_size=company_size,
        )
        lead_id = _new_id()
        row = await self._sql.fetchrow(
            _CREATE_LEAD,
            lead_id,
            email.strip(),
            first_name,
            last_name,
            company,
            phone,
            tier,
            message,
            source,
            score,
            industry,
            company_size,
            _new_id(),
            f"Lead created with score {score}",
            json.dumps({"score": score, "tier": tier}),
            _new_id(),
            json.dumps({"leadId": lead_id, "score": score, "tier": tier}),
            _new_id(),
            json.dumps([email.strip()]),
            json.dumps({"leadId": lead_id, "firstName": first_name, "tier": tier}),
            idempotency_key,
        )
        if row is None:  # an INSERT ... RETURNING of one row
            raise InfrastructureError("creating the lead returned no row")
        row.pop("inserted", None)
        return Lead.model_validate(row)

    async def change_status(self, lead_id: str, status: str, *, by: str | None = None) -> Lead:
        """Move a lead to ``status`` and record a `status_updated` activity, atomically."""
        ident("lead_id", lead_id)
        choice("status", status, LEAD_STATUSES)
        optional_ident("by", by)
        async with unit_of_work(self._client) as tx:
            before = await tx.lead.find_unique(where={"id": lead_id})
            if before is None:
                raise NotFoundError(f"no lead {lead_id!r}")
            lead = await tx.lead.update(
                where={"id": lead_id}, data={"status": enums.LeadStatus(status)}
            )
            await tx.leadactivity.create(
                data={
                    "type": "status_updated",
                    "description": f"Status {before.status} -> {status}",
                    "leadId": lead_id,
                    "userId": by,
                    "metadata": Json({"from": before.status, "to": status}),
                }
            )
        assert lead is not None
        return lead

    async def add_note(self, lead_id: str, content: str, *, author_id: str | None = None) -> None:
        """A note on the lead, with its `note_added` activity, atomically."""
        ident("lead_id", lead_id)
        text("content", content, 100_000)
        optional_ident("author_id", author_id)
        async with unit_of_work(self._client) as tx:
            await tx.leadnote.create(
                data={"content": content, "leadId": lead_id, "authorId": author_id}
            )
            await tx.leadactivity.create(
                data={
                    "type": "note_added",
                    "description": content[:200],
                    "leadId": lead_id,
                    "userId": author_id,
                }
            )

    async def complete_assessment(
        self, assessment_id: str, answers: dict[str, int], *, now: datetime
    ) -> Assessment:
        """Score the answers, set the tier, update the lead, record activity, event, email."""
        ident("assessment_id", assessment_id)
        answers = json_object("answers", answers, max_depth=1, max_items=1000)
        for question, answer in answers.items():
            integer(f"answers[{question!r}]", answer, -(2**31), 2**31 - 1)
        now = moment("now", now)
        score = score_assessment(answers)
        tier = tier_for_score(score)
        async with unit_of_work(self._client) as tx:
            assessment = await tx.assessment.update(
                where={"id": assessment_id},
                data={
                    "answers": Json(answers),
                    "score": score,
                    "tier": enums.ServiceTier(tier.value),
                    "status": enums.AssessmentStatus.COMPLETED,
                    "completedAt": now,
                },
            )
            if assessment is None:
                raise NotFoundError(f"no assessment {assessment_id!r}")
            if assessment.leadId is not None:
                await tx.lead.update(
                    where={"id": assessment.leadId},
                    data={"tier": enums.ServiceTier(tier.value)},
                )
                await tx.leadactivity.create(
                    data={
                        "type": "assessment_completed",
                        "description": f"AI readiness assessment: {score} ({tier.value})",
                        "leadId": assessment.leadId,
                        "metadata": Json({"assessmentId": assessment_id, "score": score}),
                    }
                )
            await tx.madfamanalyticsevent.create(
                data={
                    "event": "assessment.completed",
                    "properties": Json({"assessmentId": assessment_id, "score": score}),
                }
            )
            recipient = assessment.email
            if recipient:
                await tx.emailqueue.create(
                    data={
                        "to": Json([recipient]),
                        "subject": "Your AI readiness assessment",
                        "template": "assessment_results",
                        "data": Json({"score": score, "tier": tier.value}),
                    }
                )
        return assessment

    async def record_calculation(
        self,
        result: RoiResult | ProjectEstimate,
        inputs: dict[str, Any],
        *,
        lead_id: str | None = None,
        email: str | None = None,
    ) -> Calculation:
        """Store a calculation with its summary fields; on a lead, record the activity."""
        if not isinstance(result, RoiResult | ProjectEstimate):
            raise InvalidInputError("result must be a RoiResult or a ProjectEstimate")
        inputs = json_object("inputs", inputs)
        optional_ident("lead_id", lead_id)
        optional_text("email", email, 320)
        roi = result if isinstance(result, RoiResult) else None
        async with unit_of_work(self._client) as tx:
            calculation = await tx.calculation.create(
                data={
                    "type": "roi" if roi else "project_estimate",
                    "leadId": lead_id,
                    "email": email,
                    "inputs": Json(inputs),
                    "results": Json(result.as_results()),
                    "totalValue": result.total_value,
                    "roi": float(result.roi_percentage) if isinstance(result, RoiResult) else None,
                    "paybackMonths": result.payback_months
                    if isinstance(result, RoiResult)
                    else None,
                }
            )
            if lead_id is not None:
                await tx.leadactivity.create(
                    data={
                        "type": "calculation_performed",
                        "description": f"{calculation.type}: {result.total_value:,.2f}",
                        "leadId": lead_id,
                        "metadata": Json({"calculationId": calculation.id}),
                    }
                )
        return calculation


@dataclass(frozen=True, slots=True)
class ClaimedEmail:
    id: str
    to: list[str]
    subject: str
    template: str
    data: dict[str, Any]
    attempts: int
    #: The worker holding it (``EmailQueueRepository.worker_id``) and until when (UTC).
    claimed_by: str = ""
    lease_expires_at: datetime | None = None


#: How long a claim lasts unless the worker marks the email sent, failed or released first.
DEFAULT_EMAIL_LEASE: Final = timedelta(minutes=5)
#: The longest lease accepted.
MAX_EMAIL_LEASE: Final = timedelta(days=1)

# The queue's statements use the database's clock only (`now()`), so workers on hosts whose
# clocks disagree still agree on when a lease ends. Columns are `timestamp(3)` in UTC.

# One statement: fail the `sending` emails whose lease is over and that have had their last
# attempt, then claim pending emails and those whose lease is over (a worker stopped while
# holding them). The two sets are disjoint (attempts >= $2 / < $2). A claim counts one
# attempt, so the stopped worker's attempt stays counted once, and the new one once.
_CLAIM = """
WITH expired AS (
    UPDATE madfam."EmailQueue" q
    SET status = 'failed', "claimedBy" = NULL, "leaseExpiresAt" = NULL,
        "updatedAt" = (now() AT TIME ZONE 'UTC'),
        error = 'lease expired on the last attempt (the worker holding it stopped)'
    WHERE q.id IN (
        SELECT id FROM madfam."EmailQueue"
        WHERE status = 'sending' AND attempts >= $2
          AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" < (now() AT TIME ZONE 'UTC'))
        FOR UPDATE SKIP LOCKED
    )
    RETURNING q.id
), claimed AS (
    UPDATE madfam."EmailQueue" q
    SET status = 'sending', attempts = q.attempts + 1, "claimedBy" = $3,
        "leaseExpiresAt" = (now() AT TIME ZONE 'UTC') + $4::text::interval,
        "updatedAt" = (now() AT TIME ZONE 'UTC')
    WHERE q.id IN (
        SELECT id FROM madfam."EmailQueue"
        WHERE attempts < $2 AND (status = 'pending' OR (status = 'sending'
          AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" < (now() AT TIME ZONE 'UTC'))))
        ORDER BY "createdAt", id
        LIMIT $1
        FOR UPDATE SKIP LOCKED
    )
    RETURNING q.id, q."to"::text AS to_json, q.subject, q.template, q.data::text AS data_json,
              q.attempts, q."claimedBy", q."leaseExpiresAt"::text AS lease_text, q."createdAt"
)
SELECT * FROM claimed ORDER BY "createdAt", id
"""

_CLAIMABLE = """
SELECT count(*)::int AS n FROM madfam."EmailQueue"
WHERE attempts < $1 AND (status = 'pending' OR (status = 'sending'
  AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" < (now() AT TIME ZONE 'UTC'))))
"""

# Only the worker holding the email (its claim) may finish it.
_MARK_SENT = """
UPDATE madfam."EmailQueue"
SET status = 'sent', "sentAt" = coalesce($2::text::timestamp, (now() AT TIME ZONE 'UTC')),
    error = NULL,
    "claimedBy" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = (now() AT TIME ZONE 'UTC')
WHERE id = $1 AND status = 'sending' AND "claimedBy" = $3
RETURNING id
"""

_MARK_FAILED = """
UPDATE madfam."EmailQueue"
SET status = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'pending' END, error = $2,
    "claimedBy" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = (now() AT TIME ZONE 'UTC')
WHERE id = $1 AND status = 'sending' AND "claimedBy" = $4
RETURNING status
"""

# Back to `pending` without a send tried: the claim's attempt is taken back.
_RELEASE = """
WITH released AS (
    UPDATE madfam."EmailQueue"
    SET status = 'pending', attempts = greatest(attempts - 1, 0), "claimedBy" = NULL,
        "leaseExpiresAt" = NULL, "updatedAt" = (now() AT TIME ZONE 'UTC')
    WHERE id IN (SELECT jsonb_array_elements_text($1::text::jsonb))
      AND status = 'sending' AND "claimedBy" = $2
    RETURNING id
)
SELECT count(*)::int AS released FROM released
"""

_RENEW = """
WITH renewed AS (
    UPDATE madfam."EmailQueue"
    SET "leaseExpiresAt" = (now() AT TIME ZONE 'UTC') + $3::text::interval,
        "updatedAt" = (now() AT TIME ZONE 'UTC')
    WHERE id IN (SELECT jsonb_array_elements_text($1::text::jsonb))
      AND status = 'sending' AND "claimedBy" = $2
    RETURNING id
)
SELECT count(*)::int AS renewed FROM renewed
"""

_ENQUEUE = """
INSERT INTO madfam."EmailQueue" (id, "to", subject, template, data, "createdAt", "updatedAt")
VALUES ($1, $2::text::jsonb, $3, $4, $5::text::jsonb, (now() AT TIME ZONE 'UTC'),
        (now() AT TIME ZONE 'UTC'))
RETURNING id
"""

#: The longest id, worker id, subject or template accepted.
_MAX_TEXT: Final = 1000
#: The longest error message kept (longer ones are cut).
_MAX_ERROR: Final = 2000


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _text(value: object, name: str, *, limit: int = _MAX_TEXT) -> str:
    """A non-empty string PostgreSQL can store, else InvalidInputError naming ``name``."""
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError(f"{name} must not be empty")
    if len(value) > limit:
        raise InvalidInputError(f"{name} is longer than {limit} characters")
    _storable(value, name)
    return value


def _storable(value: str, name: str) -> None:
    if "\x00" in value:
        raise InvalidInputError(f"{name} contains a NUL character, which PostgreSQL cannot store")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(f"{name} is not valid Unicode (a lone surrogate)") from exc


def _whole(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{name} must be a whole number, not {type(value).__name__}")
    if not low <= value <= high:
        raise InvalidInputError(f"{name} must be {low}..{high}: {value}")
    return value


def _ids(values: object, name: str) -> list[str]:
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise InvalidInputError(f"{name} must be a list of email ids")
    ids = [_text(v, f"{name}[{i}]") for i, v in enumerate(values)]
    if len(ids) > 10_000:
        raise InvalidInputError(f"{name} holds more than 10,000 ids")
    return ids


def _interval(lease: timedelta) -> str:
    return f"{lease.total_seconds():.3f} seconds"


def _lease_time(text: Any) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)


def _default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class EmailQueueRepository:
    """The email queue: claims with leases, so a stopped worker's emails come back.

    ``claim`` marks up to ``batch_size`` pending emails `sending` for this repository's
    ``worker_id`` (``FOR UPDATE SKIP LOCKED``: two workers never hold the same email) until
    ``lease`` has passed on the database's clock. The worker then marks each one sent or
    failed, or releases it unsent. An email whose lease ran out (its worker died or hung)
    is claimable again, by any worker; the attempt it was claimed for stays counted (once),
    and once ``max_attempts`` are used up it becomes `failed` instead. Only the worker that
    holds an email can finish it: a late answer from a worker whose email was claimed again
    gets :class:`NotFoundError` (delivery is at least once, as with any lease).
    """

    def __init__(
        self,
        client: Prisma,
        *,
        max_attempts: int = MAX_EMAIL_ATTEMPTS,
        lease: timedelta = DEFAULT_EMAIL_LEASE,
        worker_id: str | None = None,
    ) -> None:
        _whole(max_attempts, "max_attempts", 1, 1000)
        if not isinstance(lease, timedelta) or not timedelta(0) < lease <= MAX_EMAIL_LEASE:
            raise InvalidInputError(f"lease must be a timedelta in (0, {MAX_EMAIL_LEASE}]")
        self._client = client
        self._max_attempts = max_attempts
        self._lease = lease
        self.worker_id = _text(
            worker_id if worker_id is not None else _default_worker_id(), "worker_id"
        )

    @property
    def lease(self) -> timedelta:
        return self._lease

    async def enqueue(
        self, *, to: Sequence[str], subject: str, template: str, data: Mapping[str, Any]
    ) -> str:
        """Queue an email (`pending`); returns its id."""
        if isinstance(to, str) or not isinstance(to, Sequence) or not to:
            raise InvalidInputError("to must be a non-empty list of addresses")
        recipients = [_text(a, f"to[{i}]", limit=320) for i, a in enumerate(to)]
        _text(subject, "subject")
        _text(template, "template")
        if not isinstance(data, Mapping):
            raise InvalidInputError("data must be a mapping of template variables")
        # walked without recursion: a deeply nested value is refused, not a RecursionError
        data = json_object("data", data)
        try:
            payload = json.dumps(dict(data), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"data is not JSON: {exc}") from exc
        _storable(payload, "data")
        with translating_errors():
            row = await self._client.query_first(
                _ENQUEUE, _new_id(), json.dumps(recipients), subject, template, payload
            )
        if not row:
            raise InfrastructureError("the email was not queued")
        return str(row["id"])

    async def claimable(self) -> int:
        """Emails a claim could take now: pending, or whose lease ran out (attempts left)."""
        with translating_errors():
            row = await self._client.query_first(_CLAIMABLE, self._max_attempts)
        return int(row["n"]) if row else 0

    async def claim(self, batch_size: int = 10) -> list[ClaimedEmail]:
        """Take up to ``batch_size`` emails (pending, or whose lease ran out) for this worker."""
        _whole(batch_size, "batch_size", 1, 1000)
        with translating_errors():
            rows = await self._client.query_raw(
                _CLAIM, batch_size, self._max_attempts, self.worker_id, _interval(self._lease)
            )
        return [
            ClaimedEmail(
                id=r["id"],
                to=list(_json(r["to_json"])),
                subject=r["subject"],
                template=r["template"],
                data=dict(_json(r["data_json"])),
                attempts=int(r["attempts"]),
                claimed_by=str(r["claimedBy"]),
                lease_expires_at=_lease_time(r["lease_text"]),
            )
            for r in rows
        ]

    async def mark_sent(
        self, email_id: str, now: datetime | None = None, *, allow_clock_skew: bool = False
    ) -> None:
        """Mark an email this worker holds as sent (at ``now``, default the database's clock).

        A ``now`` more than a day from the database's clock is refused unless
        ``allow_clock_skew=True``.
        """
        _text(email_id, "email_id")
        sent_at = None
        if now is not None:
            moment = await checked_now(ClientSql(self._client), now, allow_skew=allow_clock_skew)
            sent_at = moment.replace(tzinfo=None).isoformat(timespec="milliseconds")
        with translating_errors():
            row = await self._client.query_first(_MARK_SENT, email_id, sent_at, self.worker_id)
        if not row:
            raise NotFoundError(f"no email {email_id!r} is being sent by this worker")

    async def mark_failed(self, email_id: str, error: str) -> str:
        """Record a failed send: back to `pending`, or `failed` after the last attempt."""
        _text(email_id, "email_id")
        if not isinstance(error, str):
            raise InvalidInputError(f"error must be a string, not {type(error).__name__}")
        message = error[:_MAX_ERROR]
        _storable(message, "error")
        with translating_errors():
            row = await self._client.query_first(
                _MARK_FAILED, email_id, message, self._max_attempts, self.worker_id
            )
        if not row:
            raise NotFoundError(f"no email {email_id!r} is being sent by this worker")
        return str(row["status"])

    async def release(self, email_ids: Iterable[str]) -> int:
        """Give back emails this worker holds but has not tried: `pending`, attempt undone."""
        ids = _ids(email_ids, "email_ids")
        if not ids:
            return 0
        with translating_errors():
            row = await self._client.query_first(_RELEASE, json.dumps(ids), self.worker_id)
        return int(row["released"]) if row else 0

    async def renew(self, email_ids: Iterable[str]) -> int:
        """Extend this worker's lease on these emails by a full ``lease`` from now."""
        ids = _ids(email_ids, "email_ids")
        if not ids:
            return 0
        with translating_errors():
            row = await self._client.query_first(
                _RENEW, json.dumps(ids), self.worker_id, _interval(self._lease)
            )
        return int(row["renewed"]) if row else 0


@dataclass(frozen=True, slots=True)
class IntegrationSettings:
    name: str
    enabled: bool
    config: dict[str, Any]
    api_key: str | None
    webhook_url: str | None


class IntegrationRepository:
    """Integrations whose `config`, `apiKey` and `webhookUrl` are stored only encrypted.

    A webhook URL is a bearer secret (whoever knows it may post), so it is sealed like the
    API key."""

    def __init__(self, client: Prisma, box: SecretBox) -> None:
        self._client = client
        self._box = box

    async def save(
        self,
        name: str,
        *,
        config: dict[str, Any],
        api_key: str | None = None,
        webhook_url: str | None = None,
        enabled: bool = True,
    ) -> None:
        ident("name", name)
        config = json_object("config", config)
        optional_text("api_key", api_key, 10_000)
        optional_text("webhook_url", webhook_url, 2048)
        boolean("enabled", enabled)
        fields = {
            "enabled": enabled,
            "config": Json(self._box.seal_json(config)),
            "apiKey": self._box.seal(api_key) if api_key is not None else None,
            "webhookUrl": self._box.seal(webhook_url) if webhook_url is not None else None,
        }
        with translating_errors():
            await self._client.integration.upsert(
                where={"name": name},
                data={"create": {"name": name, **fields}, "update": fields},  # type: ignore[typeddict-item]
            )

    async def load(self, name: str) -> IntegrationSettings:
        ident("name", name)
        with translating_errors():
            row: Integration | None = await self._client.integration.find_unique(
                where={"name": name}
            )
        if row is None:
            raise NotFoundError(f"no integration {name!r}")
        return IntegrationSettings(
            name=row.name,
            enabled=row.enabled,
            config=self._box.open_json(row.config),
            api_key=self._box.open(row.apiKey) if row.apiKey else None,
            webhook_url=self._box.open(row.webhookUrl) if row.webhookUrl else None,
        )


class FeatureFlagRepository:
    """madfam's feature flags: switches per environment, rollout percentage, user groups.

    Evaluation is `domainlayer.flags` (the same for every product); this class reads and
    writes madfam's FeatureFlag table and turns its rows into rules.
    """

    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def define(
        self,
        key: str,
        name: str,
        *,
        description: str | None = None,
        enabled: bool = False,
        environments: Mapping[str, bool] | None = None,
        rollout_percentage: int = 0,
        groups: Sequence[str] | None = None,
    ) -> MadfamFeatureFlag:
        """Create or replace the flag ``key`` (validated before anything is written)."""
        with refusing_as(InvalidFlagError):
            ident("key", key)
            text("name", name, 200)
            optional_text("description", description, 10_000)
            boolean("enabled", enabled)
            integer("rollout_percentage", rollout_percentage, 0, 100)
            if environments is not None:
                environments = json_object("environments", environments, max_depth=1)
                for environment, on in environments.items():
                    boolean(f"environments[{environment!r}]", on)
            if groups is not None:
                groups = strings("groups", groups)
        switches = {"dev": True, "staging": False, "prod": False}  # the columns' defaults
        for environment, switch in (environments or {}).items():
            switches[check_environment(environment)] = bool(switch)
        stored_groups = list(groups) if groups is not None else None
        flag_rule(
            key=key,
            enabled=enabled,
            enabled_dev=switches["dev"],
            enabled_staging=switches["staging"],
            enabled_prod=switches["prod"],
            rollout_percentage=rollout_percentage,
            groups=stored_groups,
        )
        fields: dict[str, Any] = {
            "name": name,
            "description": description,
            "enabled": enabled,
            "enabledDev": switches["dev"],
            "enabledStaging": switches["staging"],
            "enabledProd": switches["prod"],
            "rolloutPercentage": rollout_percentage,
            "userGroups": Json(stored_groups) if stored_groups is not None else Json(None),
        }
        with translating_errors():
            return await self._client.madfamfeatureflag.upsert(
                where={"key": key},
                data={"create": {"key": key, **fields}, "update": fields},  # type: ignore[typeddict-item]
            )

    async def set_rollout(self, key: str, percentage: int) -> MadfamFeatureFlag:
        """Change the rollout percentage (0..100) of an existing flag."""
        with refusing_as(InvalidFlagError):
            integer("percentage", percentage, 0, 100)
        flag = await self.get(key)
        self._rule(flag.model_copy(update={"rolloutPercentage": percentage}))
        return await self._update(key, {"rolloutPercentage": percentage})

    async def switch(
        self, key: str, enabled: bool, *, environment: str | None = None
    ) -> MadfamFeatureFlag:
        """Turn the flag, or its switch in one environment, on or off."""
        with refusing_as(InvalidFlagError):
            ident("key", key)
            boolean("enabled", enabled)
            if environment is not None:
                text("environment", environment, 50)
        column = "enabled"
        if environment is not None:
            column = "enabled" + check_environment(environment).capitalize()
        await self.get(key)
        return await self._update(key, {column: bool(enabled)})

    async def get(self, key: str) -> MadfamFeatureFlag:
        with refusing_as(InvalidFlagError):
            ident("key", key)
        check_flag_key(key)
        with translating_errors():
            flag = await self._client.madfamfeatureflag.find_unique(where={"key": key})
        if flag is None:
            raise NotFoundError(f"no feature flag {key!r}")
        return flag

    async def is_enabled(
        self,
        key: str,
        subject_id: str,
        *,
        environment: str,
        groups: Iterable[str] = (),
    ) -> bool:
        """Whether ``subject_id`` (in ``groups``) gets flag ``key`` in ``environment``."""
        with refusing_as(InvalidFlagError):
            ident("key", key)
            ident("subject_id", subject_id)
            text("environment", environment, 50)
            groups = strings("groups", groups)
        check_environment(environment)
        return is_enabled(
            self._rule(await self.get(key)), subject_id, groups=groups, environment=environment
        )

    async def enabled_for(
        self, subject_id: str, *, environment: str, groups: Iterable[str] = ()
    ) -> list[str]:
        """Keys of every flag the subject gets in ``environment`` (one query)."""
        with refusing_as(InvalidFlagError):
            ident("subject_id", subject_id)
            text("environment", environment, 50)
            groups = strings("groups", groups)
        check_environment(environment)
        member_of = frozenset(groups)
        with translating_errors():
            flags = await self._client.madfamfeatureflag.find_many(
                where={"enabled": True}, order={"key": "asc"}
            )
        return [
            flag.key
            for flag in flags
            if is_enabled(self._rule(flag), subject_id, groups=member_of, environment=environment)
        ]

    async def _update(self, key: str, data: dict[str, Any]) -> MadfamFeatureFlag:
        with translating_errors():
            flag = await self._client.madfamfeatureflag.update(
                where={"key": key},
                data=data,  # type: ignore[arg-type]
            )
        if flag is None:
            raise NotFoundError(f"no feature flag {key!r}")
        return flag

    @staticmethod
    def _rule(flag: MadfamFeatureFlag) -> FlagRule:
        return flag_rule(
            key=flag.key,
            enabled=flag.enabled,
            enabled_dev=flag.enabledDev,
            enabled_staging=flag.enabledStaging,
            enabled_prod=flag.enabledProd,
            rollout_percentage=flag.rolloutPercentage,
            groups=flag.userGroups,
        )
