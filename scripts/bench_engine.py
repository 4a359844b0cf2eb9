"""Benchmark: Prisma Client Python through the wasm engine host vs asyncpg, same database.

Prints p50/p95 latency of find_unique by id, create, and find_many(take=100, include one
relation) through the client and the same SQL through asyncpg; the cold start (connect() to
first result); the engine host's resident memory; and where one query's time goes (HTTP
round trip, translation, wasm engine, driver), from the host's own histograms.

    .venv/bin/python scripts/bench_engine.py [--iterations 300]

It runs on a scratch database copied from the migrated template (dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from _bench import percentile, timed
from prisma import Prisma

from domainlayer.client import connect_client
from domainlayer.database import resolve_database_url
from domainlayer.testing import create_isolated_database, database_name, drop_database
from domainlayer.toolchain import migrate_deploy


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _seed(conn: asyncpg.Connection, users: int) -> list[str]:
    ids = [f"bench-{i}" for i in range(users)]
    await conn.executemany(
        'INSERT INTO coach."User" (id, "googleId", email, "displayName", "updatedAt") '
        "VALUES ($1, $1, $1 || '@example.com', $1, now())",
        [(i,) for i in ids],
    )
    await conn.executemany(
        'INSERT INTO coach."Profile" (id, "userId") VALUES ($1 || \'-p\', $1)', [(i,) for i in ids]
    )
    return ids


def _histogram_means(metrics: dict[str, Any]) -> dict[str, tuple[float, int]]:
    return {h["key"]: (h["value"]["sum"], h["value"]["count"]) for h in metrics["histograms"]}


async def run(iterations: int) -> None:
    admin = resolve_database_url()
    template_url = await create_isolated_database(admin)
    migrate_deploy(template_url)
    url = template_url
    try:
        cold_started = time.perf_counter()
        client: Prisma = await connect_client(url)
        await client.coachuser.count()
        cold_ms = (time.perf_counter() - cold_started) * 1000
        conn = await asyncpg.connect(url)
        ids = await _seed(conn, 1000)
        engine = client._engine
        assert engine is not None and engine.process is not None  # type: ignore[attr-defined]
        pid = engine.process.pid  # type: ignore[attr-defined]
        engine_url = engine.url  # type: ignore[attr-defined]

        target = ids[500]
        rows: dict[str, tuple[list[float], list[float]]] = {}
        rows["find_unique by id"] = (
            await timed(lambda: client.coachuser.find_unique(where={"id": target}), iterations),
            await timed(
                lambda: conn.fetchrow('SELECT * FROM coach."User" WHERE id = $1', target),
                iterations,
            ),
        )

        async def create_client() -> None:
            key = uuid.uuid4().hex
            await client.coachuser.create(
                data={"googleId": key, "email": f"{key}@example.com", "displayName": key}
            )

        async def create_asyncpg() -> None:
            key = uuid.uuid4().hex
            await conn.fetchrow(
                'INSERT INTO coach."User" (id, "googleId", email, "displayName", "updatedAt") '
                "VALUES ($1, $1, $1 || '@example.com', $1, now()) RETURNING *",
                key,
            )

        rows["create"] = (
            await timed(create_client, iterations),
            await timed(create_asyncpg, iterations),
        )

        async def include_asyncpg() -> None:
            users = await conn.fetch('SELECT * FROM coach."User" ORDER BY id LIMIT 100')
            await conn.fetch(
                'SELECT * FROM coach."Profile" WHERE "userId" = ANY($1::text[])',
                [u["id"] for u in users],
            )

        rows["find_many(take=100, include)"] = (
            await timed(
                lambda: client.coachuser.find_many(
                    take=100, order={"id": "asc"}, include={"profile": True}
                ),
                max(50, iterations // 5),
            ),
            await timed(include_asyncpg, max(50, iterations // 5)),
        )

        header = ("operation", "client p50", "p95", "asyncpg p50", "p95", "ratio")
        widths = (32, 11, 8, 13, 8, 8)
        print(
            "".join(
                f"{h:<{w}}" if i == 0 else f"{h:>{w}}"
                for i, (h, w) in enumerate(zip(header, widths, strict=True))
            )
        )
        for name, (ours, theirs) in rows.items():
            ratio = statistics.median(ours) / statistics.median(theirs)
            print(
                f"{name:<32}{percentile(ours, 50):>9.2f}ms{percentile(ours, 95):>6.2f}ms"
                f"{percentile(theirs, 50):>11.2f}ms{percentile(theirs, 95):>6.2f}ms{ratio:>7.1f}x"
            )
        print(f"\ncold start (connect() to first result): {cold_ms:.0f} ms")
        print(f"engine host resident memory: {_rss_mb(pid):.0f} MB")

        # Where one find_unique goes: compare the host's histograms before and after a run.
        async with httpx.AsyncClient(base_url=engine_url) as http:
            before = _histogram_means((await http.get("/metrics?format=json")).json())
            status = await timed(lambda: http.get("/status"), iterations)
            for _ in range(iterations):
                await client.coachuser.find_unique(where={"id": target})
            after = _histogram_means((await http.get("/metrics?format=json")).json())

        def mean(key: str) -> float:
            total = after[key][0] - before[key][0]
            count = after[key][1] - before[key][1]
            return total / count if count else float("nan")

        client_total = statistics.median(rows["find_unique by id"][0])
        translation = mean("domainlayer_translation_duration_histogram_ms")
        engine_ms = mean("domainlayer_engine_duration_histogram_ms")
        driver = mean("prisma_datasource_queries_duration_histogram_ms")
        print("\nwhere one find_unique goes (means, ms):")
        print(f"  HTTP round trip (GET /status, httpx) {statistics.median(status):7.3f}")
        print(f"  host translation (parse + untag)     {translation:7.3f}")
        print(f"  wasm engine, excluding driver        {engine_ms - driver:7.3f}")
        print(f"  driver (pg, SQL on the server)       {driver:7.3f}")
        print(f"  client total p50                     {client_total:7.3f}")
        print("  (the rest is the client: query building, HTTP, pydantic models)")
        await conn.close()
        await client.disconnect()
    finally:
        await drop_database(admin, database_name(url))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(run(args.iterations))
    return 0


if __name__ == "__main__":
    sys.exit(main())
