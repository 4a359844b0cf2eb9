"""Benchmark: the coach and madfam repositories next to hand-written asyncpg, same database.

Prints p50/p95 of session validation by token, one rate-limited auth-code request, and
creating a lead with its activity, event and email; rate-limit consumes per second from 50
concurrent tasks (final counts checked exact); and the database round trips each makes.

    .venv/bin/python scripts/bench_repositories.py [--iterations 300]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import asyncpg
from _bench import percentile, timed

from domainlayer.client import connect_client
from domainlayer.coach import repository as coach_repo
from domainlayer.coach.errors import RateLimitExceeded
from domainlayer.coach.repository import AuthRepository
from domainlayer.database import resolve_database_url
from domainlayer.madfam.repository import LeadRepository
from domainlayer.testing import create_isolated_database, database_name, drop_database
from domainlayer.toolchain import migrate_deploy

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


async def run(iterations: int) -> None:
    admin = resolve_database_url()
    url = await create_isolated_database(admin)
    migrate_deploy(url)
    try:
        client = await connect_client(f"{url}?connection_limit=10")
        conn = await asyncpg.connect(url)
        auth = AuthRepository(client)
        leads = LeadRepository(client)

        issued = await auth.issue_code("bench", "Bench", NOW)
        session = await auth.redeem_code(
            issued.code, now=NOW, ip_address="1", user_agent="ua", device_fingerprint="fp"
        )

        async def validate_asyncpg() -> None:
            await conn.fetchrow(
                'UPDATE coach."UserSession" SET "lastActive" = $2 WHERE "sessionId" = $1 '
                'AND "isActive" AND "expiresAt" > $2 RETURNING "skoolUserId"',
                session.token,
                NOW.replace(tzinfo=None),
            )

        counter = iter(range(10**9))

        async def issue_ours() -> None:
            with contextlib.suppress(RateLimitExceeded):
                await auth.issue_code(f"u{next(counter)}", "U", NOW)

        # The same statement the repository sends (asyncpg takes the day as text here).
        asyncpg_issue = coach_repo._ISSUE_CODE.replace("$3::date", "$3::text::date")

        async def issue_asyncpg() -> None:
            user = f"a{next(counter)}"
            await conn.fetchrow(
                asyncpg_issue,
                "c" + secrets.token_hex(12),
                user,
                NOW.date().isoformat(),
                NOW.replace(tzinfo=None),
                "c" + secrets.token_hex(12),
                f"vgs-1-{secrets.token_urlsafe(12)}",
                "U",
                (NOW + timedelta(minutes=30)).replace(tzinfo=None),
                5,
            )

        async def lead_ours() -> None:
            await leads.create_lead(email=f"{secrets.token_hex(4)}@acme.io", tier="L2_ADVANCED")

        async def lead_asyncpg() -> None:
            async with conn.transaction():
                lead_id = "c" + secrets.token_hex(12)
                await conn.execute(
                    'INSERT INTO madfam."Lead" (id, email, tier, score, "updatedAt") '
                    "VALUES ($1, $2, 'L2_ADVANCED', 65, now())",
                    lead_id,
                    f"{secrets.token_hex(4)}@acme.io",
                )
                await conn.execute(
                    'INSERT INTO madfam."LeadActivity" (id, type, description, "leadId") '
                    "VALUES ($1, 'lead_created', 'x', $2)",
                    "c" + secrets.token_hex(12),
                    lead_id,
                )
                await conn.execute(
                    'INSERT INTO madfam."AnalyticsEvent" (id, event) VALUES ($1, $2)',
                    "c" + secrets.token_hex(12),
                    "lead.created",
                )
                await conn.execute(
                    """INSERT INTO madfam."EmailQueue" (id, "to", subject, template, data,
                    "updatedAt") VALUES ($1, '[]', 's', 'welcome', '{}', now())""",
                    "c" + secrets.token_hex(12),
                )

        rows = {
            "validate session by token": (
                await timed(lambda: auth.validate_session(session.token, NOW), iterations),
                await timed(validate_asyncpg, iterations),
                "1 / 1",
            ),
            "rate-limited auth-code request": (
                await timed(issue_ours, iterations),
                await timed(issue_asyncpg, iterations),
                "1 / 1",
            ),
            "create lead (+activity, event, email)": (
                await timed(lead_ours, max(50, iterations // 3)),
                await timed(lead_asyncpg, max(50, iterations // 3)),
                "6 / 6 (begin, 4 inserts, commit)",
            ),
        }
        print(
            f"{'operation':<40}{'ours p50':>9}{'p95':>8}{'asyncpg p50':>13}{'p95':>8}"
            f"{'ratio':>7}  round trips (ours / asyncpg)"
        )
        for name, (ours, theirs, trips) in rows.items():
            ratio = statistics.median(ours) / statistics.median(theirs)
            print(
                f"{name:<40}{percentile(ours, 50):>7.2f}ms{percentile(ours, 95):>6.2f}ms"
                f"{percentile(theirs, 50):>11.2f}ms{percentile(theirs, 95):>6.2f}ms"
                f"{ratio:>6.1f}x  {trips}"
            )

        # Rate-limit consumes per second: 50 tasks hammer 10 users; counts must be exact.
        await conn.execute('DELETE FROM coach."UserSession"')
        await conn.execute('DELETE FROM coach."AuthCode"')
        await conn.execute('DELETE FROM coach."RateLimit"')
        per_task = 40
        started = time.perf_counter()

        async def task(n: int) -> None:
            for _ in range(per_task):
                with contextlib.suppress(RateLimitExceeded):
                    await auth.issue_code(f"hot-{n % 10}", "Hot", NOW)

        await asyncio.gather(*(task(n) for n in range(50)))
        elapsed = time.perf_counter() - started
        total = 50 * per_task
        counts = await conn.fetch(
            'SELECT "skoolUserId", "requestCount" FROM coach."RateLimit" ORDER BY 1'
        )
        codes = await conn.fetchval('SELECT count(*) FROM coach."AuthCode"')
        exact = all(r["requestCount"] == total // 10 for r in counts) and codes == 10 * 5
        print(
            f"\nrate-limit consumes: {total / elapsed:,.0f}/s from 50 tasks ({total} requests, "
            f"{elapsed:.2f} s); counts exact: {exact} (10 users x {total // 10}, {codes} codes)"
        )
        await conn.close()
        await client.disconnect()
    finally:
        await drop_database(admin, database_name(url))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300)
    asyncio.run(run(parser.parse_args().iterations))
    return 0


if __name__ == "__main__":
    sys.exit(main())
