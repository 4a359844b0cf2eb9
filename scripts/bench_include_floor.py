"""Benchmark: the include's and the transaction's floor, Prisma's engine alone vs SQLAlchemy.

Issue #11 asks the client's find_many take=100 with the 1:1 profile to be at or under
SQLAlchemy's (the faster of selectinload and joinedload). This shows where Prisma's engine
itself stands on that workload, before any channel, JSON text or Python model: interleaved
batches, one run, on the same scratch rows as bench_peers.py, of
  engine, query strategy  Prisma's current engine (engines/query-engine/engine7.mjs) called
                          in a Node process (bench/include-floor/runner.mjs), timed there:
                          Prisma's default plan, the page and then its profiles by key;
  engine, join strategy   the same engine with the `relationJoins` preview feature: one
                          statement, each profile built as JSONB by a LATERAL join;
  ours                    the whole client call (bench_peers.py's "ours");
  client's own parse      what Prisma Client Python does with one such answer once it has
                          it, with no I/O: decode the JSON (as domainlayer._engine does) and
                          build the 100 models with their profiles (prisma's model_parse);
  sqlalchemy joined/selectin, and raw asyncpg (two statements, as Prisma's plan).
Then the interactive transaction of bench_peers.py (start, update a user, update its
profile, commit), interleaved the same way: the engine alone (in the Node process, through
the calls the host's server makes), ours, SQLAlchemy and asyncpg. Prints p50/p95 per
contender and each p50 over SQLAlchemy's (joinedload for the include), and whether the join
strategy's answer equals the query strategy's (the first difference if not).

    .venv/bin/python scripts/bench_include_floor.py [--rounds 12] [--calls 10]

Needs the benchmark-only dependencies (.venv/bin/pip install -r requirements-bench.lock).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import bench_peers

import domainlayer._engine as engine_module
from domainlayer.database import resolve_database_url
from domainlayer.settings import PROJECT_ROOT, get_settings
from domainlayer.testing import create_isolated_database, database_name, drop_database
from domainlayer.toolchain import migrate_deploy

RUNNER = PROJECT_ROOT / "bench" / "include-floor" / "runner.mjs"


class EngineAlone(bench_peers.LineChild):
    """The Node child that runs Prisma's engine in-process (see runner.mjs)."""

    def __init__(self, node: str, url: str, schema: Path) -> None:
        super().__init__("the engine runner")
        self.argv = [node, str(RUNNER), url, str(schema), str(bench_peers.POOL_SIZE)]

    async def start(self) -> None:
        await self.spawn(*self.argv, cwd=PROJECT_ROOT)


def _generated_schema() -> Path:
    import prisma  # the generated client's copy of schema.prisma, as the host reads it

    return Path(prisma.__file__).parent / "schema.prisma"


async def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    admin = resolve_database_url(settings)
    url = await create_isolated_database(admin, name=f"bench_floor_{uuid.uuid4().hex[:12]}")
    print(f"scratch database {database_name(url)}", file=sys.stderr)
    closers: list[Callable[[], Awaitable[None]]] = []
    try:
        await asyncio.to_thread(migrate_deploy, url)
        ids = await bench_peers.seed(bench_peers._without_query(url), 10_000)
        plain = bench_peers._without_query(url)
        engine = EngineAlone(settings.node, plain, _generated_schema())
        ours = bench_peers.Ours(bench_peers._with_query(url, connection_limit="10"))
        sql = bench_peers.SqlAlchemy(plain)
        raw = bench_peers.Asyncpg(plain)
        for part in (engine, ours, sql, raw):
            await part.start()
            closers.append(part.close)
        sql_ops, ours_ops, raw_ops = sql.operations(), ours.operations(), raw.operations()

        body = await _one_answer(ours_ops["find_many"])

        async def parse_only(_: str) -> Any:
            from prisma._compat import model_parse
            from prisma.models import CoachUser

            return [
                model_parse(CoachUser, r) for r in engine_module._decode(body)["data"]["result"]
            ]

        async def timed(fn: Callable[[str], Awaitable[Any]]) -> list[float]:
            return (await bench_peers._sequential(fn, ids[: args.calls], 1e9)).ms

        contenders: dict[str, Callable[[], Awaitable[list[float]]]] = {
            "engine, query strategy": lambda: _engine_batch(engine, "query", args.calls),
            "engine, join strategy": lambda: _engine_batch(engine, "join", args.calls),
            "ours (whole client call)": lambda: timed(ours_ops["find_many"]),
            "client's own parse of the answer": lambda: timed(parse_only),
            "SQLAlchemy joinedload": lambda: timed(sql_ops["find_many_joined"]),
            "SQLAlchemy selectinload": lambda: timed(sql_ops["find_many"]),
            "raw asyncpg": lambda: timed(raw_ops["find_many"]),
        }
        transactions: dict[str, Callable[[], Awaitable[list[float]]]] = {
            "engine alone": lambda: _engine_tx(engine, ids[: args.calls]),
            "ours (whole client call)": lambda: timed(ours_ops["tx"]),
            "SQLAlchemy": lambda: timed(sql_ops["tx"]),
            "raw asyncpg": lambda: timed(raw_ops["tx"]),
        }
        include = await _interleaved(contenders, args.rounds)
        tx = await _interleaved(transactions, args.rounds)
        compared = await engine.command(op="compare")
        _table("find_many take=100 + 1:1 include", include, "SQLAlchemy joinedload")
        _table("interactive transaction, two writes", tx, "SQLAlchemy")
        print(
            f"join strategy's answer equals the query strategy's: {compared['same']}"
            + ("" if compared["same"] else f" (first difference {compared['difference']})")
        )
    finally:
        for close in reversed(closers):
            with contextlib.suppress(Exception):
                await close()
        await drop_database(admin, url)
    return 0


async def _interleaved(
    contenders: dict[str, Callable[[], Awaitable[list[float]]]], rounds: int
) -> dict[str, list[float]]:
    """Each contender one batch per round, the starting one rotating, after a warm-up."""
    names = list(contenders)
    for name in names:  # warm every path (JIT, plan caches, prepared statements)
        for _ in range(3):
            await contenders[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            samples[name].extend(await contenders[name]())
    return samples


def _table(title: str, samples: dict[str, list[float]], against: str) -> None:
    floor = statistics.median(samples[against])
    print(f"\n{title}\n\n| contender | p50 | p95 | p50 / {against} |\n|---|---|---|---|")
    for name, values in samples.items():
        ms = sorted(values)
        p50, p95 = statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        print(f"| {name} | {p50:.2f} ms | {p95:.2f} ms | {p50 / floor:.2f}x |")


async def _engine_tx(engine: EngineAlone, ids: list[str]) -> list[float]:
    return [float(ms) for ms in (await engine.command(op="tx", ids=ids))["ms"]]


async def _one_answer(call: Callable[[str], Awaitable[Any]]) -> bytes:
    """The host's answer to one call, as the client's engine class decodes it."""
    captured: list[bytes] = []
    decode = engine_module._decode

    def recording(body: bytes) -> Any:
        captured.append(bytes(body))
        return decode(body)

    engine_module._decode = recording
    try:
        await call("")
    finally:
        engine_module._decode = decode
    return captured[-1]


async def _engine_batch(engine: EngineAlone, op: str, calls: int) -> list[float]:
    return [float(ms) for ms in (await engine.command(op=op, calls=calls))["ms"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12, help="rounds (default 12)")
    parser.add_argument("--calls", type=int, default=10, help="calls per batch (default 10)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.calls < 1:
        parser.error("--rounds and --calls must be at least 1")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
