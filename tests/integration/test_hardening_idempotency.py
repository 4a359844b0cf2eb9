"""Issue 14, finding 13: a retried create_lead with its idempotency key returns the first
lead and writes nothing more, also when the retries run concurrently (both statement paths).

A caller whose first call failed after the lead committed (the engine was killed, the
answer lost) retries with the same key and gets that lead: no second lead, activity,
event or welcome email.
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.errors import InvalidInputError
from domainlayer.madfam.repository import LeadRepository

COUNTS = (
    'SELECT (SELECT count(*) FROM madfam."Lead"), (SELECT count(*) FROM madfam."LeadActivity"),'
    ' (SELECT count(*) FROM madfam."AnalyticsEvent"), (SELECT count(*) FROM madfam."EmailQueue")'
)


@pytest.fixture(params=["client", "pool"])
def leads(request: pytest.FixtureRequest, client: Prisma) -> LeadRepository:
    if request.param == "pool":
        return LeadRepository(client, pool=request.getfixturevalue("pool"))
    return LeadRepository(client)


async def test_a_retry_with_the_same_key_returns_the_first_lead(
    leads: LeadRepository, db: asyncpg.Connection
) -> None:
    first = await leads.create_lead(
        email="ana@corp.example", tier="L2_ADVANCED", idempotency_key="req-1"
    )
    again = await leads.create_lead(
        email="ana@corp.example", tier="L2_ADVANCED", idempotency_key="req-1"
    )
    assert again.id == first.id and again.createdAt == first.createdAt
    assert tuple(await db.fetchrow(COUNTS)) == (1, 1, 1, 1)
    other = await leads.create_lead(
        email="ana@corp.example", tier="L2_ADVANCED", idempotency_key="req-2"
    )
    assert other.id != first.id
    await leads.create_lead(email="ana@corp.example", tier="L2_ADVANCED")  # no key: a new lead
    assert tuple(await db.fetchrow(COUNTS)) == (3, 3, 3, 3)


async def test_concurrent_retries_store_one_lead(
    leads: LeadRepository, db: asyncpg.Connection
) -> None:
    results = await asyncio.gather(
        *(
            leads.create_lead(email="bo@corp.example", tier="L1_ESSENTIALS", idempotency_key="k")
            for _ in range(30)
        )
    )
    assert len({lead.id for lead in results}) == 1
    assert tuple(await db.fetchrow(COUNTS)) == (1, 1, 1, 1)


async def test_a_key_that_is_not_a_plain_string_is_refused(
    leads: LeadRepository, db: asyncpg.Connection
) -> None:
    for key in ({"not": "x"}, "", "k" * 201, "nul\x00"):
        with pytest.raises(InvalidInputError, match="idempotency_key"):
            await leads.create_lead(
                email="ana@corp.example",
                tier="L2_ADVANCED",
                idempotency_key=key,  # type: ignore[arg-type]
            )
    assert tuple(await db.fetchrow(COUNTS)) == (0, 0, 0, 0)
