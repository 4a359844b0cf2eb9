"""Benchmark: the cost of ``import domainlayer.client`` and of the first query.

Each sample is a fresh Python process (the figures are start-up costs, so nothing may be
warm in the measuring process) that:

1. imports ``domainlayer.client``: wall time, and the process's resident memory after;
2. connects a client and runs one query (``lead.count()``): wall time from before
   the import to the first result, and resident memory after.

Resident memory is the Python process's own (``VmRSS`` / ``VmHWM`` in /proc); the Node
engine host is a separate process and not counted here (``bench_engine.py`` reports it).

    .venv/bin/python scripts/bench_import.py [--runs 5] [--database-url URL]

It measures two modes side by side, interleaved: the default (``prisma.types`` executed on
first use, :mod:`domainlayer._lazy_types`) and ``DOMAINLAYER_EAGER_TYPES=1`` (executed at
import, as the client does on its own).

The query runs on the database given (default: the project's database resolution,
``DATABASE_URL`` or the embedded server); the count needs the migrated schema.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

from domainlayer.database import resolve_database_url
from domainlayer.settings import Settings

#: The generated types executed at import, as before domainlayer._lazy_types.
EAGER = {"DOMAINLAYER_EAGER_TYPES": "1"}

_CHILD = r"""
import asyncio, json, os, sys, time
def rss():
    fields = {}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
started = time.perf_counter()
import domainlayer.client as client_module
imported = time.perf_counter() - started
rss_import, _ = rss()
async def first_query():
    db = await client_module.connect_client(os.environ["BENCH_DATABASE_URL"])
    try:
        await db.lead.count()
    finally:
        done = time.perf_counter() - started
        await db.disconnect()
    return done
total = asyncio.run(first_query())
rss_query, peak = rss()
print(json.dumps({"import_s": imported, "import_mb": rss_import, "query_s": total,
                  "query_mb": rss_query, "peak_mb": peak}))
"""


def _sample(url: str, extra_env: dict[str, str]) -> dict[str, float]:
    # The URL goes in the environment, not the arguments: it may carry a password.
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "BENCH_DATABASE_URL": url, **extra_env},
    )
    if done.returncode != 0:
        raise SystemExit(f"bench_import: the measured process failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes to time (median)")
    parser.add_argument("--database-url", help="the database to query (default: resolved)")
    args = parser.parse_args()
    url = args.database_url or resolve_database_url(Settings.load())
    modes = {"prisma.types lazy (default)": {}, "prisma.types eager": EAGER}
    for extra in modes.values():
        _sample(url, extra)  # warm the OS page cache and the .pyc files once; not counted
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in modes}
    for _ in range(args.runs):  # interleaved, so both modes see the same machine load
        for name, extra in modes.items():
            samples[name].append(_sample(url, extra))
    print(f"runs: {args.runs} fresh processes per mode, medians (python {sys.version.split()[0]})")
    for name, taken in samples.items():

        def median(key: str, taken: list[dict[str, float]] = taken) -> float:
            return statistics.median(sample[key] for sample in taken)

        print(f"{name}:")
        print(
            f"  import domainlayer.client        {median('import_s'):6.2f} s   "
            f"RSS {median('import_mb'):6.1f} MB"
        )
        print(
            f"  import + connect + first query   {median('query_s'):6.2f} s   "
            f"RSS {median('query_mb'):6.1f} MB (peak {median('peak_mb'):.1f} MB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
