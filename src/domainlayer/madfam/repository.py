"""madfam's repositories: leads (scored by the rules) and the email queue.

Creating a lead writes the Lead, its `lead.created` activity, an AnalyticsEvent and the
welcome EmailQueue row in one transaction: all four or none. Email workers claim pending
rows with `FOR UPDATE SKIP LOCKED` in one statement (the client cannot express row locks),
which marks them `sending`: two workers never hold the same email. A failed send goes back
to `pending` until it has had `max_attempts`, then stays `failed`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import asyncpg
from prisma import Prisma, enums
from prisma.models import Assessment, Calculation, Integration, Lead, MadfamFeatureFlag

from domainlayer.errors import InfrastructureError, InvalidInputError, NotFoundError
from domainlayer.flags import FlagRule, is_enabled
from domainlayer.repository import Json, raw_sql, translating_errors, unit_of_work

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
_CREATE_LEAD = """
WITH lead AS (
    INSERT INTO madfam."Lead" (id, email, "firstName", "lastName", company, phone, tier,
        message, source, score, industry, "companySize", "createdAt", "updatedAt")
    VALUES ($1, $2, $3::text, $4::text, $5::text, $6::text, $7::text::madfam."ServiceTier",
        $8::text, $9::text::madfam."LeadSource", $10::int, $11::text, $12::text,
        now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
    RETURNING *
), activity AS (
    INSERT INTO madfam."LeadActivity" (id, type, description, "leadId", metadata, "createdAt")
    SELECT $13, 'lead_created', $14, lead.id, $15::text::jsonb, lead."createdAt" FROM lead
), event AS (
    INSERT INTO madfam."AnalyticsEvent" (id, event, properties, "createdAt")
    SELECT $16, 'lead.created', $17::text::jsonb, lead."createdAt" FROM lead
), email AS (
    INSERT INTO madfam."EmailQueue" (id, "to", subject, template, data, "createdAt",
        "updatedAt")
    SELECT $18, $19::text::jsonb, 'Welcome to MADFAM', 'welcome', $20::text::jsonb,
        lead."createdAt", lead."createdAt" FROM lead
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
    ) -> Lead:
        """Score and store a lead with its activity, analytics event and welcome email."""
        if tier not in ServiceTier.__members__:
            raise InvalidInputError(f"unknown service tier: {tier!r}")
        if source not in LEAD_SOURCES:
            raise InvalidInputError(f"unknown lead source: {source!r}")
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
        )
        if row is None:  # an INSERT ... RETURNING of one row
            raise InfrastructureError("creating the lead returned no row")
        return Lead.model_validate(row)

    async def change_status(self, lead_id: str, status: str, *, by: str | None = None) -> Lead:
        """Move a lead to ``status`` and record a `status_updated` activity, atomically."""
        if status not in LEAD_STATUSES:
            raise InvalidInputError(f"unknown lead status: {status!r}")
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
        if not content.strip():
            raise InvalidInputError("a note needs content")
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


_CLAIM = """
UPDATE madfam."EmailQueue" q
SET status = 'sending', attempts = q.attempts + 1, "updatedAt" = now()
WHERE q.id IN (
    SELECT id FROM madfam."EmailQueue"
    WHERE status = 'pending' AND attempts < $2
    ORDER BY "createdAt", id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
RETURNING q.id, q."to"::text AS to_json, q.subject, q.template, q.data::text AS data_json,
          q.attempts
"""


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class EmailQueueRepository:
    def __init__(self, client: Prisma, *, max_attempts: int = MAX_EMAIL_ATTEMPTS) -> None:
        if max_attempts < 1:
            raise InvalidInputError("max_attempts must be at least 1")
        self._client = client
        self._max_attempts = max_attempts

    async def claim(self, batch_size: int = 10) -> list[ClaimedEmail]:
        """Take up to ``batch_size`` pending emails for this worker alone."""
        if not 1 <= batch_size <= 1000:
            raise InvalidInputError("batch_size must be 1..1000")
        with translating_errors():
            rows = await self._client.query_raw(_CLAIM, batch_size, self._max_attempts)
        return [
            ClaimedEmail(
                id=r["id"],
                to=list(_json(r["to_json"])),
                subject=r["subject"],
                template=r["template"],
                data=dict(_json(r["data_json"])),
                attempts=int(r["attempts"]),
            )
            for r in rows
        ]

    async def mark_sent(self, email_id: str, now: datetime) -> None:
        with translating_errors():
            done = await self._client.emailqueue.update_many(
                where={"id": email_id, "status": "sending"},
                data={"status": "sent", "sentAt": now, "error": None},
            )
        if done == 0:
            raise NotFoundError(f"no email {email_id!r} is being sent")

    async def mark_failed(self, email_id: str, error: str) -> str:
        """Record a failed send: back to `pending`, or `failed` after the last attempt."""
        with translating_errors():
            email = await self._client.emailqueue.find_first(
                where={"id": email_id, "status": "sending"}
            )
            if email is None:
                raise NotFoundError(f"no email {email_id!r} is being sent")
            status = "failed" if email.attempts >= self._max_attempts else "pending"
            await self._client.emailqueue.update_many(
                where={"id": email_id, "status": "sending"},
                data={"status": status, "error": error[:2000]},
            )
        return status


@dataclass(frozen=True, slots=True)
class IntegrationSettings:
    name: str
    enabled: bool
    config: dict[str, Any]
    api_key: str | None
    webhook_url: str | None


class IntegrationRepository:
    """Integrations whose `config` and `apiKey` are stored only encrypted."""

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
        if not name.strip():
            raise InvalidInputError("an integration needs a name")
        fields = {
            "enabled": enabled,
            "config": Json(self._box.seal_json(config)),
            "apiKey": self._box.seal(api_key) if api_key is not None else None,
            "webhookUrl": webhook_url,
        }
        with translating_errors():
            await self._client.integration.upsert(
                where={"name": name},
                data={"create": {"name": name, **fields}, "update": fields},  # type: ignore[typeddict-item]
            )

    async def load(self, name: str) -> IntegrationSettings:
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
            webhook_url=row.webhookUrl,
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
        if not isinstance(name, str) or not name.strip():
            raise InvalidFlagError("a flag needs a name")
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
        flag = await self.get(key)
        self._rule(flag.model_copy(update={"rolloutPercentage": percentage}))
        return await self._update(key, {"rolloutPercentage": percentage})

    async def switch(
        self, key: str, enabled: bool, *, environment: str | None = None
    ) -> MadfamFeatureFlag:
        """Turn the flag, or its switch in one environment, on or off."""
        column = "enabled"
        if environment is not None:
            column = "enabled" + check_environment(environment).capitalize()
        await self.get(key)
        return await self._update(key, {column: bool(enabled)})

    async def get(self, key: str) -> MadfamFeatureFlag:
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
        check_environment(environment)
        return is_enabled(
            self._rule(await self.get(key)), subject_id, groups=groups, environment=environment
        )

    async def enabled_for(
        self, subject_id: str, *, environment: str, groups: Iterable[str] = ()
    ) -> list[str]:
        """Keys of every flag the subject gets in ``environment`` (one query)."""
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
