"""Benchmark: the seed's write speed next to a raw COPY of the same rows, and its peak memory.

1. Speed. Seeds the churn product at ``--scale K`` (default 1000) into a scratch database,
   in process (``seed.runner.seed_database``), and times it: the seed's time includes
   generating every row in Python, which is the point. Then dumps exactly those rows
   (``COPY ... TO STDOUT (FORMAT binary)``, one temp file per table) and times asyncpg's
   binary ``copy_to_table`` of them into a second scratch database, table by table (parents
   first) in one transaction: the raw COPY baseline, with no Python row generation. Prints
   rows, seconds and rows/s for both, per table and in total, and the ratio (goal: the seed
   at least 0.5x COPY).
2. Memory. Runs ``python -m seed --domain churn --scale K --no-migrate`` as a subprocess at
   each of ``--memory-scales`` (default 10,100,1000) on a fresh scratch database each, in a
   small wrapper that runs the module with ``runpy`` and reports its own peak RSS (VmHWM
   from ``/proc/self/status``; ``getrusage(RUSAGE_SELF).ru_maxrss`` where there is no
   ``/proc``, though Linux starts a child's ru_maxrss at its parent's RSS at fork), and prints
   rows and peak RSS per scale: it should stay flat as the rows grow.

Scratch databases are copies of one migrated template (migrated once), all dropped at the
end whatever happens. Progress goes to stderr, figures to stdout.

    .venv/bin/python scripts/bench_seed.py [--scale 1000] [--memory-scales 10,100,1000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import graphlib
import logging
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from domainlayer.database import resolve_database_url
from domainlayer.settings import PROJECT_ROOT, Settings
from domainlayer.testing import create_isolated_database, database_name, drop_database
from domainlayer.toolchain import migrate_deploy
from seed.options import SeedOptions
from seed.progress import Progress
from seed.runner import seed_database

PRODUCT = "churn"

#: Runs ``python -m seed`` in this process and prints its own peak RSS (KiB) last. VmHWM
#: (Linux) is the high-water mark of this process's memory since its exec; ``ru_maxrss`` is
#: only a fallback, as Linux carries the parent's RSS at fork over into the child's value.
_WRAPPER = """\
import resource, runpy, sys
sys.argv = ["seed", *sys.argv[1:]]
code = 0
try:
    runpy.run_module("seed", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
peak, source = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "ru_maxrss"
try:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                peak, source = int(line.split()[1]), "VmHWM"
except OSError:
    pass
print(f"peak_rss_kib={peak} {source}")
sys.exit(code)
"""


def say(message: str) -> None:
    print(f"[bench_seed] {message}", file=sys.stderr, flush=True)


def _quote(schema: str, table: str) -> str:
    return '"{}"."{}"'.format(schema.replace('"', '""'), table.replace('"', '""'))


class _TableTimes(logging.Handler):
    """Collects the seed's own per-table COPY timings (``seed.bulk`` logs them at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seconds: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if isinstance(args, tuple) and len(args) == 4 and args[0] == PRODUCT:
            with contextlib.suppress(TypeError, ValueError):
                self.seconds[str(args[1])] = self.seconds.get(str(args[1]), 0.0) + float(args[3])


async def _tables_parents_first(connection: asyncpg.Connection, schema: str) -> list[str]:
    """The schema's tables, every table after the tables its foreign keys reference."""
    tables = [
        row["tablename"]
        for row in await connection.fetch(
            "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = $1 ORDER BY 1", schema
        )
    ]
    edges = await connection.fetch(
        """
        SELECT child.relname AS child, parent.relname AS parent
        FROM pg_catalog.pg_constraint c
        JOIN pg_catalog.pg_class child ON child.oid = c.conrelid
        JOIN pg_catalog.pg_class parent ON parent.oid = c.confrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = child.relnamespace
        WHERE c.contype = 'f' AND n.nspname = $1
        """,
        schema,
    )
    graph: dict[str, set[str]] = {t: set() for t in tables}
    for edge in edges:
        if edge["child"] != edge["parent"] and edge["child"] in graph:
            graph[edge["child"]].add(edge["parent"])
    return list(graphlib.TopologicalSorter(graph).static_order())


async def _count_rows(url: str, schema: str) -> dict[str, int]:
    connection = await asyncpg.connect(url)
    try:
        tables = await _tables_parents_first(connection, schema)
        counts = {}
        for table in tables:
            # Identifiers come from pg_tables and are quoted.
            counts[table] = int(
                await connection.fetchval(f"SELECT count(*) FROM {_quote(schema, table)}")
            )
        return counts
    finally:
        await connection.close()


async def _checkpoint(url: str) -> None:
    """Flush dirty buffers before a timed phase, so it does not pay for the previous one."""
    connection = await asyncpg.connect(url)
    try:
        with contextlib.suppress(asyncpg.PostgresError):
            await connection.execute("CHECKPOINT")
    finally:
        await connection.close()


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:>12,.0f}" if seconds > 0 else f"{'-':>12}"


class Scratch:
    """Scratch databases cloned from one migrated template; ``drop_all`` removes them all."""

    def __init__(self, admin: str) -> None:
        self.admin = admin
        self.names: list[str] = []
        self.template: str | None = None

    async def prepare(self) -> None:
        tag = uuid.uuid4().hex[:12]
        url = await create_isolated_database(self.admin, name=f"bench_seed_{tag}_template")
        self.names.append(database_name(url))
        say("migrating the template scratch database ...")
        started = time.perf_counter()
        migrate_deploy(url)
        say(f"template migrated in {time.perf_counter() - started:.1f} s")
        self.template = database_name(url)

    async def clone(self, label: str) -> str:
        assert self.template is not None
        name = f"{self.template.removesuffix('_template')}_{label}"
        self.names.append(name)
        return await create_isolated_database(self.admin, self.template, name=name)

    async def drop(self, url: str) -> None:
        await drop_database(self.admin, database_name(url))

    async def drop_all(self) -> None:
        for name in reversed(self.names):
            try:
                await drop_database(self.admin, name)
            except (OSError, asyncpg.PostgresError) as exc:
                say(f"could not drop scratch database {name}: {exc}")


async def bench_speed(scratch: Scratch, scale: int) -> None:
    seeded_url = await scratch.clone("seeded")
    copied_url = await scratch.clone("copied")

    # 1a. The seed, in process, as `python -m seed` runs it (one transaction per product).
    await _checkpoint(seeded_url)
    say(f"seeding {PRODUCT} at --scale {scale} ...")
    times = _TableTimes()
    bulk_log = logging.getLogger("seed.bulk")
    bulk_log.addHandler(times)
    level = bulk_log.level
    bulk_log.setLevel(logging.DEBUG)
    try:
        started = time.perf_counter()
        report = await seed_database(
            seeded_url,
            SeedOptions(domains=(PRODUCT,), scale=scale),
            progress=Progress(enabled=False),
        )
        seed_wall = time.perf_counter() - started
    finally:
        bulk_log.removeHandler(times)
        bulk_log.setLevel(level)
    product = report.product(PRODUCT)
    seed_rows = product.total
    say(f"seeded {seed_rows:,} rows in {seed_wall:.2f} s")

    with tempfile.TemporaryDirectory(prefix="bench_seed_") as tmp:
        # 1b. The same rows out, one binary COPY file per table.
        say("dumping the seeded rows (COPY TO, binary) ...")
        files: dict[str, Path] = {}
        connection = await asyncpg.connect(seeded_url)
        try:
            order = await _tables_parents_first(connection, PRODUCT)
            for table in order:
                files[table] = Path(tmp) / f"{table}.bin"
                await connection.copy_from_table(
                    table, schema_name=PRODUCT, output=str(files[table]), format="binary"
                )
        finally:
            await connection.close()
        await scratch.drop(seeded_url)
        dumped_mb = sum(f.stat().st_size for f in files.values()) / 2**20
        say(f"dumped {len(files)} tables, {dumped_mb:,.1f} MB")

        # 1c. The raw baseline: binary COPY of exactly those rows, one transaction.
        await _checkpoint(copied_url)
        say("COPY of the same rows into a fresh migrated database ...")
        copy_rows: dict[str, int] = {}
        copy_seconds: dict[str, float] = {}
        connection = await asyncpg.connect(copied_url)
        try:
            started = time.perf_counter()
            async with connection.transaction():
                for table in order:
                    table_started = time.perf_counter()
                    status = await connection.copy_to_table(
                        table, schema_name=PRODUCT, source=str(files[table]), format="binary"
                    )
                    copy_seconds[table] = time.perf_counter() - table_started
                    copy_rows[table] = int(status.rsplit(" ", 1)[-1])
            copy_wall = time.perf_counter() - started
        finally:
            await connection.close()
    total_copied = sum(copy_rows.values())
    say(f"copied {total_copied:,} rows in {copy_wall:.2f} s")

    print(f"\n== Write speed: {PRODUCT} at --scale {scale} ({dumped_mb:,.1f} MB as binary COPY)")
    print(
        f"{'table':<18}{'rows':>12}{'seed s':>10}{'seed rows/s':>13}"
        f"{'COPY s':>10}{'COPY rows/s':>13}"
    )
    for table in order:
        rows = product.counts.get(table, 0)
        seed_s = times.seconds.get(table)
        seed_cells = f"{seed_s:>10.3f}{_rate(rows, seed_s)} " if seed_s is not None else " " * 23
        print(
            f"{table:<18}{rows:>12,}{seed_cells}"
            f"{copy_seconds[table]:>10.3f}{_rate(copy_rows[table], copy_seconds[table])}"
        )
    for label, seconds in times.seconds.items():
        if "+" in label:  # tables the seed writes in turns, customer by customer
            parts = label.split("+")
            rows = sum(product.counts.get(t, 0) for t in parts)
            copy_s = sum(copy_seconds.get(t, 0.0) for t in parts)
            print(
                f"{label:<18}{rows:>12,}{seconds:>10.3f}{_rate(rows, seconds)} "
                f"{copy_s:>10.3f}{_rate(rows, copy_s)}"
            )
    print(
        "(seed seconds are its COPY statements, fed by the row generators; orders and events\n"
        " are written in turns, customer by customer, and timed together)"
    )
    print()
    print(f"{'':<34}{'rows':>12}{'seconds':>10}{'rows/s':>12}")
    print(
        f"{'seed (python -m seed, in process)':<34}{seed_rows:>12,}{seed_wall:>10.2f}"
        f"{_rate(seed_rows, seed_wall)}"
    )
    print(
        f"{'  of which the product transaction':<34}{seed_rows:>12,}{product.seconds:>10.2f}"
        f"{_rate(seed_rows, product.seconds)}"
    )
    print(
        f"{'asyncpg COPY (binary, same rows)':<34}{total_copied:>12,}{copy_wall:>10.2f}"
        f"{_rate(total_copied, copy_wall)}"
    )
    ratio = (seed_rows / seed_wall) / (total_copied / copy_wall)
    verdict = "meets" if ratio >= 0.5 else "misses"
    print(f"seed / COPY rows/s: {ratio:.2f}x ({verdict} the goal of >= 0.5x)")
    if total_copied != seed_rows:
        print(f"WARNING: the seed reported {seed_rows:,} rows but COPY wrote {total_copied:,}")


async def bench_memory(scratch: Scratch, scales: list[int]) -> None:
    results: list[tuple[int, int, float, float]] = []
    sources: set[str] = set()
    for scale in scales:
        url = await scratch.clone(f"mem{scale}")
        await _checkpoint(url)
        say(f"memory: python -m seed --domain {PRODUCT} --scale {scale} (subprocess) ...")
        command = [
            sys.executable,
            "-c",
            _WRAPPER,
            "--database-url",
            url,
            "--domain",
            PRODUCT,
            "--scale",
            str(scale),
            "--no-migrate",
            "--quiet",
        ]
        started = time.perf_counter()
        child = await asyncio.create_subprocess_exec(
            *command,
            cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await child.communicate()
        seconds = time.perf_counter() - started
        lines = out.decode().strip().splitlines()
        if child.returncode != 0 or not lines or not lines[-1].startswith("peak_rss_kib="):
            raise RuntimeError(
                f"the seed at --scale {scale} failed (exit {child.returncode}):\n"
                f"{out.decode().strip()}\n{err.decode().strip()}"
            )
        peak_kib, source = lines[-1].split("=", 1)[1].split()
        peak_mb = int(peak_kib) / 1024
        rows = sum((await _count_rows(url, PRODUCT)).values())
        await scratch.drop(url)
        say(f"  {rows:,} rows in {seconds:.1f} s, peak RSS {peak_mb:.1f} MB ({source})")
        results.append((scale, rows, seconds, peak_mb))
        sources.add(source)

    print(f"\n== Peak memory of `python -m seed --domain {PRODUCT}` (one subprocess per scale)")
    print(
        f"{'scale':>7}{'rows':>12}{'seconds':>10}{'rows/s':>12}{'peak RSS MB':>13}{'vs first':>10}"
    )
    first_peak = results[0][3]
    for scale, rows, seconds, peak_mb in results:
        print(
            f"{scale:>7}{rows:>12,}{seconds:>10.2f}{_rate(rows, seconds)}{peak_mb:>13.1f}"
            f"{peak_mb - first_peak:>+10.1f}"
        )
    print(
        "(seconds are the whole subprocess, interpreter start and imports included;\n"
        f" peak RSS is the child's own high-water mark, from {' / '.join(sorted(sources))})"
    )


async def run(database_url: str | None, scale: int, memory_scales: list[int]) -> None:
    admin = resolve_database_url(Settings.load(database_url=database_url))
    scratch = Scratch(admin)
    try:
        await scratch.prepare()
        if scale:
            await bench_speed(scratch, scale)
        if memory_scales:
            await bench_memory(scratch, memory_scales)
    finally:
        say("dropping the scratch databases ...")
        await scratch.drop_all()


def _scales(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of numbers: {text!r}"
        ) from None
    if any(v < 1 for v in values):
        raise argparse.ArgumentTypeError("every scale is at least 1")
    return values


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark the seed: rows/s of the churn product next to a raw asyncpg "
        "COPY of the same rows, and the seed's peak RSS as --scale grows. Uses scratch "
        "databases on the server it is given, dropped at the end."
    )
    parser.add_argument(
        "--database-url",
        help="server to create the scratch databases on, as a role allowed to create "
        "databases (default: DATABASE_URL, .env, else the embedded PostgreSQL)",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=1000,
        metavar="K",
        help="--scale of the speed comparison (default 1000; 0 skips it)",
    )
    parser.add_argument(
        "--memory-scales",
        type=_scales,
        default=[10, 100, 1000],
        metavar="K,K,...",
        help="scales of the peak-memory runs, comma-separated (default 10,100,1000; "
        "an empty string skips them)",
    )
    args = parser.parse_args()
    if args.scale < 0:
        parser.error("--scale must be >= 0")
    if not args.scale and not args.memory_scales:
        parser.error("nothing to do: --scale 0 and no --memory-scales")
    asyncio.run(run(args.database_url, args.scale, args.memory_scales))
    return 0


if __name__ == "__main__":
    sys.exit(main())
