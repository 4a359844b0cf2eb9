"""Issue 14, "Bursts succeed": every hot path handles 200 concurrent callers of one key
without timeouts, and its invariant holds (the airbar login burst is in
``test_hardening_bursts.py``).

Each test starts 200 callers at once on one key: the coach rate limit (one Skool user
asking for codes), one auth code redeemed 200 times, counters of one row (a coaching
session's warnings, a destination's popularity, a deal's views), one lead idempotency key,
and 200 workers claiming from one e-mail queue. Paths with a pool option run both through
the client (its pool of 10 connections) and over the asyncpg pool. Every caller must get
its answer or the path's documented refusal; no ``OperationTimeoutError``,
``DatabaseUnavailableError`` or ``ConflictError`` from waiting.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.coach.errors import AuthCodeUnavailable, RateLimitExceeded
from domainlayer.coach.repository import MAX_CODES_PER_DAY, AuthRepository, CoachingRepository
from domainlayer.madfam.repository import EmailQueueRepository, LeadRepository
from domainlayer.travel.repositories.cms import DealRepository, DestinationRepository

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
BURST = 200


def _outcomes(results: list[Any]) -> Counter[str]:
    """How the callers ended: "ok" or the exception's class name."""
    return Counter("ok" if not isinstance(r, BaseException) else type(r).__name__ for r in results)


def _unexpected(results: list[Any], *allowed: type[BaseException]) -> list[str]:
    return [
        f"{type(r).__name__}: {r}"[:200]
        for r in results
        if isinstance(r, BaseException) and not isinstance(r, allowed)
    ]


@pytest.fixture(params=["client", "pool"])
def via(request: pytest.FixtureRequest, pool: asyncpg.Pool) -> asyncpg.Pool | None:
    """The repository's raw statements through the client (None) or the asyncpg pool."""
    return pool if request.param == "pool" else None


async def test_200_code_requests_of_one_user_give_exactly_the_daily_limit(
    client: Prisma, db: asyncpg.Connection, via: asyncpg.Pool | None
) -> None:
    auth = AuthRepository(client, pool=via)
    results = await asyncio.gather(
        *(auth.issue_code("skool-burst", "Ana", NOW) for _ in range(BURST)),
        return_exceptions=True,
    )
    assert _unexpected(results, RateLimitExceeded) == []
    assert _outcomes(results) == {
        "ok": MAX_CODES_PER_DAY,
        "RateLimitExceeded": BURST - MAX_CODES_PER_DAY,
    }
    assert await db.fetchval('SELECT count(*) FROM coach."AuthCode"') == MAX_CODES_PER_DAY
    assert await db.fetchval('SELECT "requestCount" FROM coach."RateLimit"') == BURST
    counts = sorted(r.requests_today for r in results if not isinstance(r, BaseException))
    assert counts == list(range(1, MAX_CODES_PER_DAY + 1))


async def test_200_redeemers_of_one_code_open_one_session(
    client: Prisma, db: asyncpg.Connection, via: asyncpg.Pool | None
) -> None:
    auth = AuthRepository(client, pool=via)
    issued = await auth.issue_code("skool-redeem", "Ana", NOW)
    results = await asyncio.gather(
        *(
            auth.redeem_code(
                issued.code,
                now=NOW,
                ip_address="198.51.100.1",
                user_agent="ua",
                device_fingerprint=f"fp-{n}",
            )
            for n in range(BURST)
        ),
        return_exceptions=True,
    )
    assert _unexpected(results, AuthCodeUnavailable) == []
    assert _outcomes(results) == {"ok": 1, "AuthCodeUnavailable": BURST - 1}
    assert await db.fetchval('SELECT count(*) FROM coach."UserSession"') == 1
    opened = next(r for r in results if not isinstance(r, BaseException))
    assert (await auth.validate_session(opened.token, NOW)).skool_user_id == "skool-redeem"


async def test_200_lead_creations_with_one_idempotency_key_make_one_lead(
    client: Prisma, db: asyncpg.Connection, via: asyncpg.Pool | None
) -> None:
    leads = LeadRepository(client, pool=via)
    results = await asyncio.gather(
        *(
            leads.create_lead(
                email="ana@corp.example", tier="L2_ADVANCED", idempotency_key="request-42"
            )
            for _ in range(BURST)
        ),
        return_exceptions=True,
    )
    assert _unexpected(results) == []
    assert len({lead.id for lead in results if not isinstance(lead, BaseException)}) == 1
    assert await db.fetchval('SELECT count(*) FROM madfam."Lead"') == 1
    # its activity, analytics event and welcome e-mail were written once too
    assert await db.fetchval('SELECT count(*) FROM madfam."LeadActivity"') == 1
    assert await db.fetchval('SELECT count(*) FROM madfam."EmailQueue"') == 1


async def test_200_joins_of_one_room_by_one_user_make_one_session(
    client: Prisma, db: asyncpg.Connection
) -> None:
    coaching = CoachingRepository(client)
    coach, user = await _coach_and_client(client)
    appointment = await coaching.book_appointment(client_id=user, coach_id=coach, scheduled_for=NOW)
    results = await asyncio.gather(
        *(
            coaching.join_room(room_id=appointment.roomId, user_id=user, now=NOW)
            for _ in range(BURST)
        ),
        return_exceptions=True,
    )
    assert _unexpected(results) == []
    assert len({r.id for r in results if not isinstance(r, BaseException)}) == 1
    assert await db.fetchval('SELECT count(*) FROM coach."Session"') == 1


async def _coach_and_client(client: Prisma) -> tuple[str, str]:
    ids = []
    for name, role in (("coach", "coach"), ("client", "client")):
        user = await client.coachuser.create(
            data={
                "googleId": f"g-{name}",
                "email": f"{name}@x.example",
                "displayName": name,
                "role": role,
            }
        )
        ids.append(user.id)
    return ids[0], ids[1]


@pytest.fixture
async def coaching_session(client: Prisma) -> str:
    """One coaching session (its coach, client and appointment made through the repository)."""
    coaching = CoachingRepository(client)
    coach, user = await _coach_and_client(client)
    appointment = await coaching.book_appointment(client_id=user, coach_id=coach, scheduled_for=NOW)
    session = await coaching.join_room(room_id=appointment.roomId, user_id=user, now=NOW)
    return session.id


async def test_200_increments_of_one_counter_are_exact(
    client: Prisma, db: asyncpg.Connection, coaching_session: str
) -> None:
    coaching = CoachingRepository(client)
    warnings = await asyncio.gather(
        *(coaching.record_warning(coaching_session) for _ in range(BURST)),
        return_exceptions=True,
    )
    assert _unexpected(warnings) == []
    assert sorted(warnings) == list(range(1, BURST + 1))  # each caller saw its own count
    assert (
        await db.fetchval(
            'SELECT "warningsSent" FROM coach."Session" WHERE id = $1', coaching_session
        )
        == BURST
    )

    destinations = DestinationRepository(client)
    await destinations.create(name="Lisbon", country="PT")
    added = await asyncio.gather(
        *(destinations.add_popularity("lisbon", 0.5) for _ in range(BURST)),
        return_exceptions=True,
    )
    assert _unexpected(added) == []
    assert await db.fetchval("SELECT popularity_score FROM travel.destinations") == BURST * 0.5

    deals = DealRepository(client)
    deal = await deals.create(title="Lisbon", origin="NYC", destination="LIS", price="300")
    counted = await asyncio.gather(
        *(deals.record_activity(deal.id, views=1, clicks=n % 2) for n in range(BURST)),
        return_exceptions=True,
    )
    assert _unexpected(counted) == []
    row = await db.fetchrow("SELECT view_count, click_count FROM travel.deals")
    assert (row["view_count"], row["click_count"]) == (BURST, BURST // 2)


@pytest.fixture
async def queued(client: Prisma) -> AsyncIterator[list[str]]:
    """60 pending e-mails in the queue."""
    queue = EmailQueueRepository(client, worker_id="enqueuer")
    yield [
        await queue.enqueue(
            to=[f"u{n}@x.example"], subject=f"s{n}", template="welcome", data={"n": n}
        )
        for n in range(60)
    ]


@pytest.mark.parametrize("batch_size", [1, 5])
async def test_200_workers_claiming_at_once_never_share_an_email(
    client: Prisma, db: asyncpg.Connection, queued: list[str], batch_size: int
) -> None:
    workers = [EmailQueueRepository(client, worker_id=f"worker-{n}") for n in range(BURST)]
    results = await asyncio.gather(
        *(worker.claim(batch_size) for worker in workers), return_exceptions=True
    )
    assert _unexpected(results) == []
    claimed = [(email.id, email.claimed_by) for batch in results for email in batch]
    ids = [email_id for email_id, _ in claimed]
    assert len(ids) == len(set(ids))  # no e-mail was claimed twice
    assert sorted(ids) == sorted(queued)  # and every one was claimed (200 workers > 60)
    assert all(len(batch) <= batch_size for batch in results)
    rows = await db.fetch('SELECT id, status, attempts, "claimedBy" FROM madfam."EmailQueue"')
    assert {(r["status"], r["attempts"]) for r in rows} == {("sending", 1)}
    assert {r["id"]: r["claimedBy"] for r in rows} == dict(claimed)
    # each worker can finish what it holds, and only that
    sent = await asyncio.gather(
        *(workers[int(owner.split("-")[1])].mark_sent(email_id) for email_id, owner in claimed),
        return_exceptions=True,
    )
    assert _unexpected(sent) == []
    assert (
        await db.fetchval("SELECT count(*) FROM madfam.\"EmailQueue\" WHERE status = 'sent'") == 60
    )
    assert json.loads(await db.fetchval('SELECT "to"::text FROM madfam."EmailQueue" LIMIT 1'))
