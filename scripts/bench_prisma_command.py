"""Time `prisma <command>` three ways, side by side, and print the figures.

    python scripts/bench_prisma_command.py [--runs N] [-- prisma arguments]

1. Prisma Client Python's own entry point (`prisma.cli.main`, what its `prisma` script
   runs): imports the generated client, then starts Node;
2. domainlayer's launcher (`domainlayer.prisma_command`, the environment's `prisma`);
3. Node on engines/prisma-cli.mjs directly (the floor).

Default command: `migrate status` on the database `prisma` would use (DATABASE_URL, .env
or the embedded server). Wall time and the CPU time of the children, median of N runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

from domainlayer.database import resolve_database_url
from domainlayer.settings import PROJECT_ROOT, Settings

DISPATCHER = PROJECT_ROOT / "engines" / "prisma-cli.mjs"


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=PROJECT_ROOT, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("args", nargs="*", default=["migrate", "status"])
    options = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": resolve_database_url(Settings.load())}
    ways = {
        "Prisma Client Python's entry point": [
            sys.executable,
            "-c",
            "import sys; from prisma.cli import main; main(sys.argv)",
            *options.args,
        ],
        "domainlayer launcher (prisma)": [
            sys.executable,
            "-m",
            "domainlayer.prisma_command",
            *options.args,
        ],
        "node engines/prisma-cli.mjs": ["node", str(DISPATCHER), *options.args],
    }
    print(f"prisma {' '.join(options.args)}: median of {options.runs} runs, side by side")
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in ways}
    for _ in range(options.runs):
        for name, command in ways.items():
            results[name].append(_timed(command, env))
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        codes = sorted({r[2] for r in runs})
        print(f"  {name:<36} wall {wall:6.2f} s   cpu {cpu:6.2f} s   exit {codes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
