"""madfam repositories (004: leads, assessments, calculations, the email queue, integrations,
feature flags) on the real database: the branches the first suites left out. Unknown
records are typed errors, an assessment without a lead or an email writes only what it
has, project estimates are stored without ROI fields, bad input changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
import pytest
from cryptography.fernet import Fernet
from prisma import Json, Prisma

from domainlayer.errors import ConflictError, InvalidInputError, NotFoundError
from domainlayer.madfam.calculations import project_estimate
from domainlayer.madfam.repository import (
    EmailQueueRepository,
    FeatureFlagRepository,
    IntegrationRepository,
    LeadRepository,
)
from domainlayer.madfam.rules import ASSESSMENT_QUESTIONS, InvalidFlagError
from domainlayer.madfam.secrets_box import SecretBox

NOW = datetime(2026, 11, 25, tzinfo=UTC)


async def _rows(db: asyncpg.Connection) -> dict[str, int]:
    """Row counts of every madfam table a lead operation may write."""
    counts = {}
    for table in (
        "Lead",
        "LeadActivity",
        "LeadNote",
        "AnalyticsEvent",
        "EmailQueue",
        "Assessment",
        "Calculation",
    ):
        counts[table] = int(await db.fetchval(f'SELECT count(*) FROM madfam."{table}"'))
    return counts


async def test_every_lead_status_change_is_recorded_with_who_made_it(
    client: Prisma, db: asyncpg.Connection
) -> None:
    leads = LeadRepository(client)
    lead = await leads.create_lead(email="ana@acme.mx", tier="L2_ADVANCED", source="REFERRAL")
    sales = await client.madfamuser.create(data={"email": "sales@madfam.io", "name": "Sales"})

    for status in ("CONTACTED", "QUALIFIED", "CONVERTED"):
        await leads.change_status(lead.id, status, by=sales.id)

    rows = await db.fetch(
        'SELECT description, "userId", metadata::text AS metadata FROM madfam."LeadActivity"'
        """ WHERE type = 'status_updated' ORDER BY "createdAt", id""",
    )
    assert [r["description"] for r in rows] == [
        "Status NEW -> CONTACTED",
        "Status CONTACTED -> QUALIFIED",
        "Status QUALIFIED -> CONVERTED",
    ]
    assert {r["userId"] for r in rows} == {sales.id}
    assert await db.fetchval('SELECT source::text FROM madfam."Lead"') == "REFERRAL"


async def test_changing_the_status_of_an_unknown_lead_writes_nothing(
    client: Prisma, db: asyncpg.Connection
) -> None:
    before = await _rows(db)

    with pytest.raises(NotFoundError, match="no lead 'c-missing'"):
        await LeadRepository(client).change_status("c-missing", "CONTACTED")

    assert await _rows(db) == before


async def test_a_note_on_an_unknown_lead_is_refused_and_writes_nothing(
    client: Prisma, db: asyncpg.Connection
) -> None:
    before = await _rows(db)

    with pytest.raises(ConflictError, match=r"(?i)foreign key"):
        await LeadRepository(client).add_note("c-missing", "Called, no answer")

    assert await _rows(db) == before


async def test_an_anonymous_assessment_is_scored_without_touching_any_lead(
    client: Prisma, db: asyncpg.Connection
) -> None:
    leads = LeadRepository(client)
    started = await client.assessment.create(data={"answers": Json({})})
    before = await _rows(db)
    answers = {q.id: 1 for q in ASSESSMENT_QUESTIONS}

    done = await leads.complete_assessment(started.id, answers, now=NOW)

    assert done.status == "COMPLETED" and done.completedAt == NOW
    assert done.tier == "L1_ESSENTIALS" and done.score is not None
    after = await _rows(db)
    # Only the analytics event: no lead to update, no activity, no email to send.
    assert after == {**before, "AnalyticsEvent": before["AnalyticsEvent"] + 1}
    event = await db.fetchval(
        """SELECT properties::text FROM madfam."AnalyticsEvent"
           WHERE event = 'assessment.completed'"""
    )
    assert f'"assessmentId": "{started.id}"' in event


async def test_completing_an_unknown_assessment_writes_nothing(
    client: Prisma, db: asyncpg.Connection
) -> None:
    before = await _rows(db)

    with pytest.raises(NotFoundError, match="no assessment 'c-missing'"):
        await LeadRepository(client).complete_assessment(
            "c-missing", {q.id: 3 for q in ASSESSMENT_QUESTIONS}, now=NOW
        )

    assert await _rows(db) == before


@pytest.mark.parametrize(
    ("answers", "now", "match"),
    [
        ({"q1": "5"}, NOW, r"answers\['q1'\] must be an int"),
        ({"q1": 2**31}, NOW, r"answers\['q1'\] must be an int"),
        ({"q1": 3}, datetime(2026, 11, 25), "now must be a timezone-aware datetime"),
    ],
)
async def test_bad_answers_complete_nothing(
    client: Prisma,
    db: asyncpg.Connection,
    answers: dict[str, object],
    now: datetime,
    match: str,
) -> None:
    started = await client.assessment.create(data={"answers": Json({})})

    with pytest.raises(InvalidInputError, match=match):
        await LeadRepository(client).complete_assessment(started.id, answers, now=now)  # type: ignore[arg-type]

    assert await db.fetchval('SELECT status::text FROM madfam."Assessment"') == "STARTED"


async def test_a_project_estimate_is_stored_without_roi_or_payback(
    client: Prisma, db: asyncpg.Connection
) -> None:
    estimate = project_estimate(
        project_type="workshop", complexity="high", timeline_weeks=2, services=["training"]
    )
    assert estimate.total == Decimal("11500.00")  # 6000 x 1.5 + 2500, no rush

    stored = await LeadRepository(client).record_calculation(
        estimate, {"projectType": "workshop"}, email="visitor@example.com"
    )

    assert (stored.type, stored.totalValue, stored.roi, stored.paybackMonths) == (
        "project_estimate",
        11500.0,
        None,
        None,
    )
    assert stored.leadId is None and stored.email == "visitor@example.com"
    assert await db.fetchval('SELECT count(*) FROM madfam."LeadActivity"') == 0
    results = await db.fetchval('SELECT results::text FROM madfam."Calculation"')
    assert '"total": "11500.00"' in results and '"timelineWeeks": 2' in results


@pytest.mark.parametrize(
    ("result", "inputs", "match"),
    [
        ({"total": 1}, {}, "result must be a RoiResult or a ProjectEstimate"),
        (None, [1, 2], "inputs"),
    ],
)
async def test_a_bad_calculation_is_refused_and_stores_nothing(
    client: Prisma, db: asyncpg.Connection, result: object, inputs: object, match: str
) -> None:
    estimate = project_estimate(project_type="3d_design", complexity="low", timeline_weeks=4)
    with pytest.raises(InvalidInputError, match=match):
        await LeadRepository(client).record_calculation(
            estimate if result is None else result,  # type: ignore[arg-type]
            inputs,  # type: ignore[arg-type]
        )

    assert await db.fetchval('SELECT count(*) FROM madfam."Calculation"') == 0


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"tier": 3}, "unknown service tier"),
        ({"source": None}, "unknown lead source"),
        ({"company": "x" * 201}, "company is longer than 200 characters"),
        ({"message": "x" * 10_001}, "message is longer than 10000 characters"),
        ({"idempotency_key": ""}, "idempotency_key is required"),
    ],
)
async def test_a_lead_with_a_bad_field_writes_nothing(
    client: Prisma, db: asyncpg.Connection, overrides: dict[str, object], match: str
) -> None:
    fields: dict[str, object] = {"email": "ana@acme.mx", "tier": "L1_ESSENTIALS"}
    fields.update(overrides)
    before = await _rows(db)

    with pytest.raises(InvalidInputError, match=match):
        await LeadRepository(client).create_lead(**fields)  # type: ignore[arg-type]

    assert await _rows(db) == before


async def test_an_email_queue_with_nothing_to_release_or_renew_does_nothing(
    client: Prisma, db: asyncpg.Connection
) -> None:
    queue = EmailQueueRepository(client, worker_id="w1")
    email_id = await queue.enqueue(
        to=["ana@acme.mx"], subject="Welcome to MADFAM", template="welcome", data={"tier": "L1"}
    )

    assert await queue.claimable() == 1
    assert await queue.release([]) == 0
    assert await queue.renew([]) == 0
    assert await queue.release([email_id]) == 0  # pending, not held by this worker
    row = await db.fetchrow('SELECT status, attempts FROM madfam."EmailQueue"')
    assert row is not None and tuple(row) == ("pending", 0)


async def test_finishing_an_email_the_worker_does_not_hold_is_not_found(
    client: Prisma, db: asyncpg.Connection
) -> None:
    queue = EmailQueueRepository(client, worker_id="w1")
    email_id = await queue.enqueue(
        to=["ana@acme.mx"], subject="Hello", template="follow_up", data={}
    )

    with pytest.raises(NotFoundError, match="is being sent by this worker"):
        await queue.mark_failed(email_id, "smtp 421")
    with pytest.raises(InvalidInputError, match="error must be a string, not int"):
        await queue.mark_failed(email_id, 421)  # type: ignore[arg-type]

    row = await db.fetchrow('SELECT status, error FROM madfam."EmailQueue"')
    assert row is not None and tuple(row) == ("pending", None)


@pytest.mark.parametrize(
    ("ids", "match"),
    [("abc", "email_ids must be a list of email ids"), ([""], r"email_ids\[0\] must not be")],
)
async def test_release_and_renew_refuse_bad_id_lists(
    client: Prisma, ids: object, match: str
) -> None:
    queue = EmailQueueRepository(client, worker_id="w1")
    with pytest.raises(InvalidInputError, match=match):
        await queue.release(ids)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=match):
        await queue.renew(ids)  # type: ignore[arg-type]


async def test_an_integration_without_key_or_webhook_loads_them_as_none(
    client: Prisma, db: asyncpg.Connection
) -> None:
    integrations = IntegrationRepository(client, SecretBox(Fernet.generate_key()))
    await integrations.save("n8n", config={"workspace": "w"}, enabled=False)
    await integrations.save(
        "slack", config={}, webhook_url="https://hooks.slack.example/T000/B000/secret"
    )

    n8n = await integrations.load("n8n")
    assert (n8n.enabled, n8n.config, n8n.api_key, n8n.webhook_url) == (
        False,
        {"workspace": "w"},
        None,
        None,
    )
    slack = await integrations.load("slack")
    assert slack.webhook_url == "https://hooks.slack.example/T000/B000/secret"
    stored = await db.fetchval(
        """SELECT "webhookUrl" FROM madfam."Integration" WHERE name = 'slack'"""
    )
    assert "hooks.slack" not in stored


async def test_an_unknown_integration_is_not_found(client: Prisma) -> None:
    integrations = IntegrationRepository(client, SecretBox(Fernet.generate_key()))
    with pytest.raises(NotFoundError, match="no integration 'hubspot'"):
        await integrations.load("hubspot")


async def test_a_rollout_change_keeps_the_flag_and_refuses_out_of_range(
    client: Prisma, db: asyncpg.Connection
) -> None:
    flags = FeatureFlagRepository(client)
    await flags.define("AI_ASSESSMENT", "AI assessment", enabled=True, rollout_percentage=10)

    raised = await flags.set_rollout("AI_ASSESSMENT", 100)

    assert raised.rolloutPercentage == 100
    assert await flags.is_enabled("AI_ASSESSMENT", "anyone", environment="dev")
    with pytest.raises(InvalidFlagError, match=r"percentage must be an int in 0\.\.100"):
        await flags.set_rollout("AI_ASSESSMENT", 101)
    with pytest.raises(NotFoundError, match="no feature flag 'ROI_CALCULATOR'"):
        await flags.set_rollout("ROI_CALCULATOR", 50)
    stored = await db.fetchval('SELECT "rolloutPercentage" FROM madfam."FeatureFlag"')
    assert stored == 100


async def test_a_flag_switched_on_in_production_only_reaches_production(
    client: Prisma,
) -> None:
    flags = FeatureFlagRepository(client)
    await flags.define(
        "AI_ASSESSMENT",
        "AI assessment",
        enabled=True,
        rollout_percentage=100,
        environments={"dev": False},
    )
    assert not await flags.is_enabled("AI_ASSESSMENT", "u1", environment="prod")

    switched = await flags.switch("AI_ASSESSMENT", True, environment="prod")

    assert (switched.enabledDev, switched.enabledStaging, switched.enabledProd) == (
        False,
        False,
        True,
    )
    assert await flags.is_enabled("AI_ASSESSMENT", "u1", environment="prod")
    assert not await flags.is_enabled("AI_ASSESSMENT", "u1", environment="dev")
    assert await flags.enabled_for("u1", environment="prod") == ["AI_ASSESSMENT"]
    off = await flags.switch("AI_ASSESSMENT", False)
    assert not off.enabled and await flags.enabled_for("u1", environment="prod") == []
