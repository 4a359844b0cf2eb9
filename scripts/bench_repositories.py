"""Benchmark: the coach and madfam repositories next to hand-written asyncpg, same database.

Prints p50/p95 of session validation by token, one rate-limited auth-code request, and
creating a lead with its activity, event and email, each three ways: the repository with
its statements through the generated client, the repository given an asyncpg pool, and
hand-written asyncpg SQL. Then rate-limit consumes per second from 50 concurrent tasks
(final counts checked exact). Round trips are counted on the wire by a proxy in front of
PostgreSQL (see ``_bench.RoundTripCounter``), not assumed.

    .venv/bin/python scripts/bench_repositories.py [--iterations 300] [--requests 4000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from _bench import RoundTripCounter, percentile, timed

from domainlayer.client import connect_client
from domainlayer.coach import repository as coach_repo
from domainlayer.coach.errors import RateLimitExceeded
from domainlayer.coach.repository import AuthRepository
from domainlayer.coach.tokens import token_digest
from domainlayer.database import resolve_database_url
from domainlayer.madfam.repository import LeadRepository
from domainlayer.pool import connect_pool
from domainlayer.testing import create_isolated_database, database_name, drop_database
from domainlayer.toolchain import migrate_deploy

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
Op = Callable[[], Awaitable[Any]]


def _id() -> str:
    return "c" + secrets.token_hex(12)


async def round_trips(counter: RoundTripCounter, op: Op) -> int:
    await asyncio.sleep(0.02)  # let pools settle (idle connections send nothing)
    before = counter.round_trips
    await op()
    return counter.round_trips - before


async def run(iterations: int, requests: int) -> None:
    admin = resolve_database_url()
    url = await create_isolated_database(admin)
    migrate_deploy(url)
    target = urlsplit(url)
    counter = RoundTripCounter(target.hostname or "127.0.0.1", target.port or 5432)
    await counter.start()
    proxied = url.replace(f"{target.hostname}:{target.port}", f"127.0.0.1:{counter.port}")
    try:
        client = await connect_client(f"{proxied}?connection_limit=10")
        pool = await connect_pool(proxied, size=10)
        conn = await asyncpg.connect(proxied)
        via_client = AuthRepository(client)
        via_pool = AuthRepository(client, pool=pool)
        leads_client = LeadRepository(client)
        leads_pool = LeadRepository(client, pool=pool)

        issued = await via_client.issue_code("bench", "Bench", NOW)
        session = await via_client.redeem_code(
            issued.code, now=NOW, ip_address="1", user_agent="ua", device_fingerprint="fp"
        )

        async def validate_asyncpg() -> None:
            await conn.fetchrow(
                coach_repo._TOUCH_SESSION, token_digest(session.token), "2026-11-25T12:00:00"
            )

        counter_ids = iter(range(10**9))

        def issue_with(repo: AuthRepository) -> Op:
            async def issue() -> None:
                with contextlib.suppress(RateLimitExceeded):
                    await repo.issue_code(f"u{next(counter_ids)}", "U", NOW)

            return issue

        async def issue_asyncpg() -> None:
            # The same single statement: the fewest round trips the invariant allows.
            await conn.fetchrow(
                coach_repo._ISSUE_CODE,
                _id(),
                f"a{next(counter_ids)}",
                "2026-11-25",
                "2026-11-25T12:00:00",
                _id(),
                f"vgs-1-{secrets.token_urlsafe(12)}",
                "U",
                "2026-11-25T12:30:00",
                5,
            )

        def lead_with(repo: LeadRepository) -> Op:
            async def lead() -> None:
                await repo.create_lead(email=f"{secrets.token_hex(4)}@acme.io", tier="L2_ADVANCED")

            return lead

        async def lead_asyncpg() -> None:
            # What one would hand-write: a transaction of four inserts.
            async with conn.transaction():
                lead_id = _id()
                await conn.execute(
                    'INSERT INTO madfam."Lead" (id, email, tier, score, "updatedAt") '
                    "VALUES ($1, $2, 'L2_ADVANCED', 65, now())",
                    lead_id,
                    f"{secrets.token_hex(4)}@acme.io",
                )
                await conn.execute(
                    'INSERT INTO madfam."LeadActivity" (id, type, description, "leadId", '
                    "metadata) VALUES ($1, 'lead_created', 'Lead created with score 65', $2, $3)",
                    _id(),
                    lead_id,
                    json.dumps({"score": 65, "tier": "L2_ADVANCED"}),
                )
                await conn.execute(
                    'INSERT INTO madfam."AnalyticsEvent" (id, event, properties) '
                    "VALUES ($1, 'lead.created', $2)",
                    _id(),
                    json.dumps({"leadId": lead_id}),
                )
                await conn.execute(
                    'INSERT INTO madfam."EmailQueue" (id, "to", subject, template, data, '
                    "\"updatedAt\") VALUES ($1, $2, 'Welcome to MADFAM', 'welcome', $3, now())",
                    _id(),
                    json.dumps(["x@acme.io"]),
                    json.dumps({"leadId": lead_id}),
                )

        operations: dict[str, tuple[Op, Op, Op, int]] = {
            "validate session by token": (
                lambda: via_client.validate_session(session.token, NOW),
                lambda: via_pool.validate_session(session.token, NOW),
                validate_asyncpg,
                iterations,
            ),
            "rate-limited auth-code request": (
                issue_with(via_client),
                issue_with(via_pool),
                issue_asyncpg,
                iterations,
            ),
            "create lead (+activity, event, email)": (
                lead_with(leads_client),
                lead_with(leads_pool),
                lead_asyncpg,
                max(50, iterations // 2),
            ),
        }
        print(
            f"{'p50 / p95 in ms':<40}{'via client':>17}{'via pool':>15}{'asyncpg':>15}"
            f"{'pool/asyncpg':>14}{'client/asyncpg':>16}   round trips (client, pool, asyncpg)"
        )
        for name, (ours_client, ours_pool, theirs, n) in operations.items():
            samples = [await timed(op, n) for op in (ours_client, ours_pool, theirs)]
            # Warm (statements prepared, types known): the median of 5 counted calls.
            trips = [
                statistics.median_low([await round_trips(counter, op) for _ in range(5)])
                for op in (ours_client, ours_pool, theirs)
            ]
            medians = [statistics.median(s) for s in samples]
            cells = "".join(
                f"{percentile(s, 50):>8.2f} /{percentile(s, 95):>6.2f}" for s in samples
            )
            print(
                f"{name:<40}{cells}{medians[1] / medians[2]:>13.1f}x"
                f"{medians[0] / medians[2]:>15.1f}x   {trips[0]}, {trips[1]}, {trips[2]}"
            )

        # Rate-limit consumes per second: 50 tasks hammer 10 users; counts must be exact.
        for label, repo, total in (
            ("pool", via_pool, requests),
            ("client", via_client, max(500, requests // 8)),
        ):
            await conn.execute(
                'TRUNCATE coach."UserSession", coach."AuthCode", coach."RateLimit" CASCADE'
            )
            per_task = total // 50

            async def task(n: int, repo: AuthRepository = repo, per_task: int = per_task) -> None:
                for _ in range(per_task):
                    with contextlib.suppress(RateLimitExceeded):
                        await repo.issue_code(f"hot-{n % 10}", "Hot", NOW)

            started = time.perf_counter()
            await asyncio.gather(*(task(n) for n in range(50)))
            elapsed = time.perf_counter() - started
            done = 50 * per_task
            counts = await conn.fetch('SELECT "requestCount" FROM coach."RateLimit"')
            codes = await conn.fetchval('SELECT count(*) FROM coach."AuthCode"')
            exact = (
                len(counts) == 10
                and all(r["requestCount"] == done // 10 for r in counts)
                and codes == 10 * 5
            )
            print(
                f"rate-limit consumes via {label:<6}: {done / elapsed:>7,.0f}/s from 50 tasks "
                f"({done} requests in {elapsed:.2f} s); counts exact: {exact} "
                f"(10 users x {done // 10} counted, {codes} codes)"
            )
        await conn.close()
        await pool.close()
        await client.disconnect()
    finally:
        await counter.close()
        await drop_database(admin, database_name(url))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300, help="timed calls per operation")
    parser.add_argument("--requests", type=int, default=4000, help="rate-limit consumes (pool)")
    args = parser.parse_args()
    if args.iterations < 20 or args.requests < 500:
        parser.error("--iterations must be >= 20 and --requests >= 500")
    asyncio.run(run(args.iterations, args.requests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
