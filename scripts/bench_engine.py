"""Benchmark: the client's engine paths side by side, against asyncpg, in one run.

A/B figures for the engine work of issue #11: the same seven workloads through
- ``http``: Prisma Client Python's own engine class (httpx to the host on a TCP port),
- ``channel``: domainlayer's client (``domainlayer.client``: the private Unix-socket channel),
  on the host's default engine; ``channel5`` / ``channel7`` force the 5.17 wasm engine or
  Prisma 7's query compiler (``DOMAINLAYER_QUERY_ENGINE``),
- ``asyncpg``: the same SQL by hand (the reference every ratio is taken against),
interleaved in rounds (each round runs every workload on every path), on 1,000 seeded
``coach."User"`` rows with their ``Profile``, pool of 10 everywhere. Prints p50 / p95 per
path and workload, each p50 as a ratio to asyncpg's, the 50-task find-by-id throughput
with its p95, and each host's resident memory afterwards.

    .venv/bin/python scripts/bench_engine.py [--rounds 5] [--iterations 60] [--paths http,channel]

It runs on a scratch database copied from the migrated template (dropped afterwards).
Figures from a shared machine vary; compare ratios from one run, never absolute numbers
across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
from _bench import percentile
from prisma import Prisma

from domainlayer.client import connect_client
from domainlayer.database import resolve_database_url
from domainlayer.testing import create_isolated_database, database_name, drop_database
from domainlayer.toolchain import migrate_deploy

WORKLOADS = (
    "find by id",
    "insert",
    "find_many 100 + include",
    "update by id",
    "count where",
    "tx two writes",
)
TASKS = 50


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _seed(conn: asyncpg.Connection, users: int) -> list[str]:
    ids = [f"bench-{i:05d}" for i in range(users)]
    await conn.executemany(
        'INSERT INTO coach."User" (id, "googleId", email, "displayName", "updatedAt") '
        "VALUES ($1, $1, $1 || '@example.com', $1, now())",
        [(i,) for i in ids],
    )
    await conn.executemany(
        'INSERT INTO coach."Profile" (id, "userId") VALUES ($1 || \'-p\', $1)', [(i,) for i in ids]
    )
    return ids


Op = Callable[[], Awaitable[Any]]


def _client_ops(client: Prisma, ids: list[str]) -> dict[str, Op]:
    cycle = itertools.cycle(ids)

    async def insert() -> None:
        key = uuid.uuid4().hex
        await client.coachuser.create(
            data={"googleId": key, "email": f"{key}@example.com", "displayName": key}
        )

    async def tx() -> None:
        async with client.tx() as t:
            key = uuid.uuid4().hex
            user = await t.coachuser.create(
                data={"googleId": key, "email": f"{key}@example.com", "displayName": key}
            )
            await t.coachuser.update(where={"id": user.id}, data={"coachName": "UTC"})

    return {
        "find by id": lambda: client.coachuser.find_unique(where={"id": next(cycle)}),
        "insert": insert,
        "find_many 100 + include": lambda: client.coachuser.find_many(
            take=100, order={"id": "asc"}, include={"profile": True}
        ),
        "update by id": lambda: client.coachuser.update(
            where={"id": next(cycle)}, data={"coachName": "Berlin"}
        ),
        "count where": lambda: client.coachuser.count(where={"role": "client"}),
        "tx two writes": tx,
    }


def _asyncpg_ops(pool: asyncpg.Pool, ids: list[str]) -> dict[str, Op]:
    cycle = itertools.cycle(ids)

    async def insert() -> None:
        key = uuid.uuid4().hex
        await pool.fetchrow(
            'INSERT INTO coach."User" (id, "googleId", email, "displayName", "updatedAt") '
            "VALUES ($1, $1, $1 || '@example.com', $1, now()) RETURNING *",
            key,
        )

    async def include() -> None:
        async with pool.acquire() as conn:
            users = await conn.fetch('SELECT * FROM coach."User" ORDER BY id LIMIT 100')
            await conn.fetch(
                'SELECT * FROM coach."Profile" WHERE "userId" = ANY($1::text[])',
                [u["id"] for u in users],
            )

    async def tx() -> None:
        async with pool.acquire() as conn, conn.transaction():
            key = uuid.uuid4().hex
            row = await conn.fetchrow(
                'INSERT INTO coach."User" (id, "googleId", email, "displayName", "updatedAt") '
                "VALUES ($1, $1, $1 || '@example.com', $1, now()) RETURNING *",
                key,
            )
            await conn.fetchrow(
                'UPDATE coach."User" SET "coachName" = $2, "updatedAt" = now() '
                "WHERE id = $1 RETURNING *",
                row["id"],
                "UTC",
            )

    return {
        "find by id": lambda: pool.fetchrow(
            'SELECT * FROM coach."User" WHERE id = $1', next(cycle)
        ),
        "insert": insert,
        "find_many 100 + include": include,
        "update by id": lambda: pool.fetchrow(
            'UPDATE coach."User" SET "coachName" = $2, "updatedAt" = now() '
            "WHERE id = $1 RETURNING *",
            next(cycle),
            "Europe/Berlin",
        ),
        "count where": lambda: pool.fetchval(
            'SELECT count(*) FROM coach."User" WHERE role = $1', "client"
        ),
        "tx two writes": tx,
    }


async def _sample(op: Op, n: int, into: list[float]) -> None:
    for _ in range(n):
        started = time.perf_counter()
        await op()
        into.append((time.perf_counter() - started) * 1000)


async def _throughput(op: Op, calls: int) -> tuple[float, list[float]]:
    """``calls`` find-by-ids from TASKS concurrent tasks: ops/s and per-call latencies."""
    latencies: list[float] = []
    per_task = calls // TASKS

    async def task() -> None:
        await _sample(op, per_task, latencies)

    started = time.perf_counter()
    await asyncio.gather(*(task() for _ in range(TASKS)))
    return len(latencies) / (time.perf_counter() - started), latencies


async def run(rounds: int, iterations: int, paths: list[str]) -> None:
    admin = resolve_database_url()
    url = await create_isolated_database(admin)
    migrate_deploy(url)
    try:
        conn = await asyncpg.connect(url)
        ids = await _seed(conn, 1000)
        await conn.close()
        pool = await asyncpg.create_pool(url, min_size=10, max_size=10)
        clients: dict[str, Prisma] = {}
        for path in paths:
            if path == "http":
                stock = Prisma(
                    datasource={"url": f"{url}?connection_limit=10"}, auto_register=False
                )
                await stock.connect()
                clients[path] = stock
            elif path in ("channel", "channel5", "channel7"):
                # the host reads DOMAINLAYER_QUERY_ENGINE when it starts (default: 7)
                engine = {"channel5": "5", "channel7": "7"}.get(path)
                saved = os.environ.pop("DOMAINLAYER_QUERY_ENGINE", None)
                if engine is not None:
                    os.environ["DOMAINLAYER_QUERY_ENGINE"] = engine
                try:
                    clients[path] = await connect_client(f"{url}?connection_limit=10")
                finally:
                    os.environ.pop("DOMAINLAYER_QUERY_ENGINE", None)
                    if saved is not None:
                        os.environ["DOMAINLAYER_QUERY_ENGINE"] = saved
            else:
                raise SystemExit(f"unknown path {path!r} (http, channel, channel5, channel7)")
        ops: dict[str, dict[str, Op]] = {p: _client_ops(c, ids) for p, c in clients.items()}
        ops["asyncpg"] = _asyncpg_ops(pool, ids)
        names = [*paths, "asyncpg"]
        samples: dict[tuple[str, str], list[float]] = defaultdict(list)
        rates: dict[str, list[float]] = defaultdict(list)
        concurrent: dict[str, list[float]] = defaultdict(list)
        for op_set in ops.values():  # warm up every path and workload
            for op in op_set.values():
                await _sample(op, 10, [])
        for number in range(rounds):
            print(f"round {number + 1}/{rounds} ...", file=sys.stderr, flush=True)
            for workload in WORKLOADS:
                n = (
                    iterations
                    if workload != "find_many 100 + include"
                    else max(10, iterations // 4)
                )
                for name in names:
                    await _sample(ops[name][workload], n, samples[(name, workload)])
            for name in names:
                rate, latencies = await _throughput(ops[name]["find by id"], TASKS * 20)
                rates[name].append(rate)
                concurrent[name].extend(latencies)

        print(f"\n{'workload':<26}" + "".join(f"{n + ' p50/p95 (ratio)':>30}" for n in names))
        for workload in WORKLOADS:
            base = statistics.median(samples[("asyncpg", workload)])
            cells = []
            for name in names:
                s = samples[(name, workload)]
                cells.append(
                    f"{percentile(s, 50):.2f}/{percentile(s, 95):.2f} ms"
                    f" ({statistics.median(s) / base:.1f}x)"
                )
            print(f"{workload:<26}" + "".join(f"{c:>30}" for c in cells))
        base_rate = statistics.median(rates["asyncpg"])
        cells = [
            f"{statistics.median(rates[n]):.0f}/s p95 {percentile(concurrent[n], 95):.0f} ms"
            f" ({statistics.median(rates[n]) / base_rate:.2f}x)"
            for n in names
        ]
        print(f"{f'{TASKS} tasks find by id':<26}" + "".join(f"{c:>30}" for c in cells))
        for name, client in clients.items():
            process = getattr(client._engine, "process", None)
            if process is not None:
                print(f"{name}: engine host resident memory {_rss_mb(process.pid):.0f} MB")
        for client in clients.values():
            await client.disconnect()
        await pool.close()
    finally:
        await drop_database(admin, database_name(url))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--iterations", type=int, default=60, help="calls per workload and round")
    parser.add_argument(
        "--paths",
        default="http,channel",
        help="client paths: http, channel (default engine), channel5 / channel7 (engine 5.17 / 7)",
    )
    args = parser.parse_args()
    if args.rounds < 1 or args.iterations < 4:
        parser.error("--rounds must be >= 1 and --iterations >= 4")
    asyncio.run(run(args.rounds, args.iterations, args.paths.split(",")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
