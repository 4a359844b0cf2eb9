"""madfam repositories on the real database: atomic lead creation, exclusive email claims."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest
from prisma import Json, Prisma

from domainlayer.errors import InvalidInputError
from domainlayer.madfam.repository import EmailQueueRepository, LeadRepository
from domainlayer.madfam.rules import score_lead


@pytest.fixture(params=["client", "pool"])
def leads(request: pytest.FixtureRequest, client: Prisma) -> LeadRepository:
    """Lead creation through the client's raw query, then over an asyncpg pool."""
    if request.param == "pool":
        return LeadRepository(client, pool=request.getfixturevalue("pool"))
    return LeadRepository(client)


async def test_creating_a_lead_scores_it_and_records_activity_event_and_email(
    leads: LeadRepository, client: Prisma, db: asyncpg.Connection
) -> None:
    lead = await leads.create_lead(
        email="ceo@acme.mx", tier="L3_CONSULTING", company="Acme", industry="manufacturing"
    )
    expected = score_lead(
        email="ceo@acme.mx", tier="L3_CONSULTING", company="Acme", industry="manufacturing"
    )
    assert lead.score == expected == 95
    counts = await db.fetchrow(
        """SELECT (SELECT count(*) FROM madfam."LeadActivity" WHERE "leadId" = $1) AS activities,
                  (SELECT count(*) FROM madfam."AnalyticsEvent" WHERE event = 'lead.created')
                      AS events,
                  (SELECT count(*) FROM madfam."EmailQueue" WHERE template = 'welcome')
                      AS emails""",
        lead.id,
    )
    assert counts is not None and tuple(counts) == (1, 1, 1)
    stored = await client.lead.find_unique(where={"id": lead.id})
    assert stored is not None and stored.model_dump() == lead.model_dump()
    assert stored.tier == "L3_CONSULTING" and stored.source == "WEBSITE"
    email = await db.fetchrow('SELECT "to", data FROM madfam."EmailQueue"')
    assert email is not None and lead.id in email["data"] and "ceo@acme.mx" in email["to"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"email": "not-an-email", "tier": "L1_ESSENTIALS"},
        {"email": "a@b.co", "tier": "X"},
        {"email": "a@b.co", "tier": "L1_ESSENTIALS", "source": "TELEPATHY"},
    ],
)
async def test_a_bad_lead_writes_nothing(
    leads: LeadRepository, db: asyncpg.Connection, kwargs: dict[str, str]
) -> None:
    with pytest.raises(
        InvalidInputError, match=r"not an email address|unknown service tier|unknown lead source"
    ):
        await leads.create_lead(**kwargs)
    assert await db.fetchval('SELECT count(*) FROM madfam."Lead"') == 0
    assert await db.fetchval('SELECT count(*) FROM madfam."EmailQueue"') == 0


async def _queue(client: Prisma, n: int) -> None:
    for i in range(n):
        await client.emailqueue.create(
            data={
                "to": Json([f"u{i}@example.com"]),
                "subject": "s",
                "template": "follow_up",
                "data": Json({"i": i}),
            }
        )


async def test_concurrent_workers_never_claim_the_same_email(client: Prisma) -> None:
    await _queue(client, 60)
    queue = EmailQueueRepository(client)

    async def worker() -> list[str]:
        mine: list[str] = []
        while batch := await queue.claim(batch_size=4):
            mine.extend(e.id for e in batch)
        return mine

    claims = await asyncio.gather(*(worker() for _ in range(8)))
    every = [email_id for claim in claims for email_id in claim]
    assert len(every) == len(set(every)) == 60


async def test_failed_sends_retry_until_the_maximum_then_stay_failed(
    client: Prisma, db: asyncpg.Connection
) -> None:
    await _queue(client, 1)
    queue = EmailQueueRepository(client, max_attempts=2)
    (first,) = await queue.claim()
    assert first.to == ["u0@example.com"] and first.data == {"i": 0}
    assert await queue.mark_failed(first.id, "smtp timeout") == "pending"
    (second,) = await queue.claim()
    assert second.attempts == 2
    assert await queue.mark_failed(second.id, "smtp timeout") == "failed"
    assert await queue.claim() == []
    row = await db.fetchrow('SELECT status, attempts, error FROM madfam."EmailQueue"')
    assert row is not None and tuple(row) == ("failed", 2, "smtp timeout")


async def test_a_sent_email_is_marked_with_its_time(client: Prisma, db: asyncpg.Connection) -> None:
    await _queue(client, 1)
    queue = EmailQueueRepository(client)
    (email,) = await queue.claim()
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    await queue.mark_sent(email.id, now, allow_clock_skew=True)  # a fixed, past now
    row = await db.fetchrow('SELECT status, "sentAt" FROM madfam."EmailQueue"')
    assert row is not None and row["status"] == "sent"
    assert row["sentAt"].replace(tzinfo=UTC) == now


async def test_status_changes_and_notes_record_activities(
    client: Prisma, db: asyncpg.Connection
) -> None:
    leads = LeadRepository(client)
    lead = await leads.create_lead(email="a@acme.io", tier="L2_ADVANCED")
    moved = await leads.change_status(lead.id, "QUALIFIED")
    assert moved.status == "QUALIFIED"
    await leads.add_note(lead.id, "Called, wants a workshop in Q1")
    kinds = await db.fetch(
        'SELECT type FROM madfam."LeadActivity" WHERE "leadId" = $1 ORDER BY "createdAt", type',
        lead.id,
    )
    assert sorted(r["type"] for r in kinds) == ["lead_created", "note_added", "status_updated"]
    with pytest.raises(InvalidInputError, match="status must be one of"):
        await leads.change_status(lead.id, "WON")
    with pytest.raises(InvalidInputError, match="content is required"):
        await leads.add_note(lead.id, "   ")
    assert await db.fetchval('SELECT count(*) FROM madfam."LeadNote"') == 1


async def test_completing_an_assessment_scores_tiers_and_notifies(
    client: Prisma, db: asyncpg.Connection
) -> None:
    from domainlayer.madfam.rules import ASSESSMENT_QUESTIONS

    leads = LeadRepository(client)
    lead = await leads.create_lead(email="cto@acme.io", tier="L1_ESSENTIALS")
    started = await client.assessment.create(
        data={"lead": {"connect": {"id": lead.id}}, "email": "cto@acme.io", "answers": Json({})}
    )
    answers = {q.id: 5 for q in ASSESSMENT_QUESTIONS}
    done = await leads.complete_assessment(
        started.id, answers, now=datetime(2026, 11, 25, tzinfo=UTC)
    )
    assert (done.score, done.tier, done.status) == (100, "L5_STRATEGIC", "COMPLETED")
    row = await db.fetchrow('SELECT tier::text FROM madfam."Lead" WHERE id = $1', lead.id)
    assert row is not None and row["tier"] == "L5_STRATEGIC"
    assert (
        await db.fetchval(
            """SELECT count(*) FROM madfam."EmailQueue" WHERE template = 'assessment_results'"""
        )
        == 1
    )
    with pytest.raises(InvalidInputError, match="unknown questions: x"):
        await leads.complete_assessment(started.id, {"x": 1}, now=datetime.now(UTC))


async def test_a_calculation_is_stored_with_its_summary_fields(
    client: Prisma, db: asyncpg.Connection
) -> None:
    from decimal import Decimal

    from domainlayer.madfam.calculations import roi_calculation

    leads = LeadRepository(client)
    lead = await leads.create_lead(email="cfo@acme.io", tier="L4_PLATFORMS")
    result = roi_calculation(
        employees=20,
        average_annual_salary=Decimal("50000"),
        inefficiency_percentage=Decimal("30"),
        investment=Decimal("60000"),
    )
    stored = await leads.record_calculation(result, {"employees": 20}, lead_id=lead.id)
    assert (stored.type, stored.totalValue, stored.roi, stored.paybackMonths) == (
        "roi",
        180000.0,
        200.0,
        4,
    )
    assert (
        await db.fetchval(
            """SELECT count(*) FROM madfam."LeadActivity" WHERE type = 'calculation_performed'"""
        )
        == 1
    )


async def test_integration_secrets_are_never_stored_in_clear_text(
    client: Prisma, db: asyncpg.Connection
) -> None:
    from cryptography.fernet import Fernet

    from domainlayer.madfam.repository import IntegrationRepository
    from domainlayer.madfam.secrets_box import SecretBox

    box = SecretBox(Fernet.generate_key())
    integrations = IntegrationRepository(client, box)
    await integrations.save(
        "n8n", config={"token": "tok-123", "workspace": "w"}, api_key="sk-live-abc"
    )
    raw = await db.fetchrow('SELECT config::text AS config, "apiKey" FROM madfam."Integration"')
    assert raw is not None
    assert "tok-123" not in raw["config"] and "sk-live-abc" not in raw["apiKey"]
    loaded = await integrations.load("n8n")
    assert loaded.config == {"token": "tok-123", "workspace": "w"}
    assert loaded.api_key == "sk-live-abc"
    with pytest.raises(InvalidInputError, match="a secret was not sealed with this key"):
        await IntegrationRepository(client, SecretBox(Fernet.generate_key())).load("n8n")
