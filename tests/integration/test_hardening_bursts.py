"""Issue 14, finding 12: bursts succeed. 200 concurrent callers of one key, through the
client (a pool of 10 connections), all get their answer: no timeout, no ConflictError from
waiting for a transaction; and the invariant of each path still holds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import asyncpg
from prisma import Prisma

from domainlayer.airbar.repository import SessionRepository
from domainlayer.coach.errors import RateLimitExceeded
from domainlayer.coach.repository import AuthRepository
from domainlayer.madfam.repository import LeadRepository
from domainlayer.travel.repositories.cms import DealRepository, SearchSuggestionRepository
from domainlayer.travel.repositories.error_logs import ErrorLogRepository
from domainlayer.travel.repositories.experiments import ExperimentRepository

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
BURST = 200


def _failures(results: list[Any], *, allowed: tuple[type[BaseException], ...] = ()) -> list[str]:
    return [
        f"{type(r).__name__}: {r}"[:200]
        for r in results
        if isinstance(r, BaseException) and not isinstance(r, allowed)
    ]


async def test_200_concurrent_logins_of_one_user_all_succeed_within_the_limit(
    client: Prisma, db: asyncpg.Connection
) -> None:
    user = await client.airbaruser.create(
        data={"email": "burst@x.io", "firstName": "B", "lastName": "U", "country": "US"}
    )
    sessions = SessionRepository(client, max_sessions=5)
    results = await asyncio.gather(
        *(
            sessions.open(
                user.id,
                device_fingerprint=f"fp-{n}",
                device_type="desktop",
                ip_address="203.0.113.7",
                country="US",
                now=NOW,
            )
            for n in range(BURST)
        ),
        return_exceptions=True,
    )
    assert _failures(results) == []
    assert await db.fetchval("SELECT count(*) FROM airbar.user_sessions") == BURST
    assert await db.fetchval("SELECT count(*) FROM airbar.user_sessions WHERE is_active") == 5


async def test_200_concurrent_callers_of_one_key_on_every_hot_path(
    client: Prisma, db: asyncpg.Connection
) -> None:
    auth = AuthRepository(client)
    codes = await asyncio.gather(
        *(auth.issue_code("skool-burst", "Ana", NOW) for _ in range(BURST)),
        return_exceptions=True,
    )
    assert _failures(codes, allowed=(RateLimitExceeded,)) == []
    assert sum(1 for c in codes if not isinstance(c, BaseException)) == 5
    assert await db.fetchval('SELECT "requestCount" FROM coach."RateLimit"') == BURST

    issued = next(c for c in codes if not isinstance(c, BaseException))
    redeemed = await asyncio.gather(
        *(
            auth.redeem_code(
                issued.code, now=NOW, ip_address="198.51.100.1", user_agent="ua",
                device_fingerprint="fp",
            )
            for _ in range(BURST)
        ),
        return_exceptions=True,
    )  # fmt: skip
    assert sum(1 for r in redeemed if not isinstance(r, BaseException)) == 1
    assert {type(r).__name__ for r in redeemed if isinstance(r, BaseException)} == {
        "AuthCodeUnavailable"
    }

    leads = LeadRepository(client)
    created = await asyncio.gather(
        *(
            leads.create_lead(email="ana@corp.example", tier="L2_ADVANCED", idempotency_key="req-1")
            for _ in range(BURST)
        ),
        return_exceptions=True,
    )
    assert _failures(created) == []
    assert len({lead.id for lead in created if not isinstance(lead, BaseException)}) == 1
    assert await db.fetchval('SELECT count(*) FROM madfam."Lead"') == 1

    experiments = ExperimentRepository(client)
    await experiments.define("ml_price_prediction", name="ML", enabled=True, rollout_percentage=100)
    assigned = await asyncio.gather(
        *(experiments.assign("ml_price_prediction", "user-1", now=NOW) for _ in range(BURST)),
        return_exceptions=True,
    )
    assert _failures(assigned) == []
    assert await db.fetchval("SELECT count(*) FROM travel.experiment_participations") == 1

    errors = ErrorLogRepository(client)
    logged = await asyncio.gather(
        *(errors.record(error_type="E", message="boom", now=NOW) for _ in range(BURST)),
        return_exceptions=True,
    )
    assert _failures(logged) == []
    assert await db.fetchval("SELECT occurrences FROM travel.error_logs") == BURST

    searches = SearchSuggestionRepository(client)
    counted = await asyncio.gather(
        *(searches.record_search("Lisbon", now=NOW) for _ in range(BURST)),
        return_exceptions=True,
    )
    assert _failures(counted) == []
    assert await db.fetchval("SELECT popularity FROM travel.search_suggestions") == BURST

    deals = DealRepository(client)
    deal = await deals.create(title="Lisbon", origin="NYC", destination="LIS", price="300")
    views = await asyncio.gather(
        *(deals.record_activity(deal.id, views=1) for _ in range(BURST)),
        return_exceptions=True,
    )
    assert _failures(views) == []
    assert await db.fetchval("SELECT view_count FROM travel.deals") == BURST
