"""Benchmark: the client's own CPU, with and without domainlayer's client shims, in one process.

A/B figures for the client side of issue #11. The same client and host run each workload
in interleaved batches under three settings of the shims in ``domainlayer.client`` and
``domainlayer._engine``:
- ``stock``: the package's own behaviour (``textwrap.indent`` in the query builder, json
  for the engine's answers, ``Prisma._copy``, which runs ``__init__`` again);
- ``round4``: as shipped after issue #11's fourth round (the transaction copy built every
  model accessor up front; textwrap; json);
- ``current``: the shims as they are (lazy accessors on the copy, the indent shim, orjson).
The selection shim (#11, third round) is on in all three. Prints, per workload and
setting, p50 and the client process's CPU per call, and each p50 as a ratio to current's.

    .venv/bin/python scripts/bench_client_cpu.py [--rounds 12] [--batch 150] [--workloads find,tx]

Runs on a scratch database (10,000 seeded ``coach."User"`` rows with their ``Profile``,
dropped afterwards). Compare ratios from one run, never absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import bench_peers
import prisma._builder
from prisma import Prisma

import domainlayer._engine as engine_module
import domainlayer.client as client_module
from domainlayer.database import resolve_database_url
from domainlayer.settings import get_settings
from domainlayer.testing import create_isolated_database, database_name, drop_database
from domainlayer.toolchain import migrate_deploy

SETTINGS = ("stock", "round4", "current")
WORKLOADS = ("find", "insert", "find_many", "update", "count", "tx")


def _round4_copy(self: Any) -> Any:
    """The transaction copy as the fourth round shipped it: every accessor made up front."""
    new = object.__new__(type(self))
    new.__dict__.update(self.__dict__)
    for name in client_module._instance_fields(type(self)):
        try:
            value = object.__getattribute__(self, name)
        except AttributeError:
            continue
        if getattr(value, "_client", None) is self and hasattr(value, "_model"):
            value = type(value)(new, value._model)
        object.__setattr__(new, name, value)
    new._tx_id = None
    new._copied = True
    return new


_CURRENT = (client_module._indent, engine_module._decode, client_module.DomainlayerPrisma._copy)
_CHOICES: dict[str, tuple[Callable[..., Any], Callable[[bytes], Any], Callable[..., Any]]] = {
    "stock": (textwrap.indent, json.loads, Prisma._copy),
    "round4": (textwrap.indent, json.loads, _round4_copy),
    "current": _CURRENT,
}


@contextmanager
def shims(setting: str) -> Iterator[None]:
    indent, decode, copy = _CHOICES[setting]
    builder: Any = prisma._builder
    cls: Any = client_module.DomainlayerPrisma
    builder.indent, engine_module._decode, cls._copy = indent, decode, copy
    try:
        yield
    finally:
        builder.indent, engine_module._decode, cls._copy = _CURRENT


async def run(args: argparse.Namespace) -> int:
    admin = resolve_database_url(get_settings())
    url = await create_isolated_database(admin, name=f"bench_client_{uuid.uuid4().hex[:12]}")
    print(f"scratch database {database_name(url)}", file=sys.stderr)
    try:
        await asyncio.to_thread(migrate_deploy, url)
        ids = await bench_peers.seed(bench_peers._without_query(url), 10_000)
        ours = bench_peers.Ours(bench_peers._with_query(url, connection_limit="10"))
        await ours.start()
        try:
            operations = ours.operations()
            print("| workload | " + " | ".join(SETTINGS) + " |")
            print("|---|" + "---|" * len(SETTINGS))
            for workload in args.workloads:
                op = operations[workload]
                samples: dict[str, list[float]] = {s: [] for s in SETTINGS}
                cpu = dict.fromkeys(SETTINGS, 0.0)
                for r in range(args.rounds):
                    order = SETTINGS[r % len(SETTINGS) :] + SETTINGS[: r % len(SETTINGS)]
                    for setting in order:
                        size = max(args.batch // 4, 10) if workload == "find_many" else args.batch
                        if workload == "insert":
                            keys = [f"cpu-{setting}-{r}-{i}" for i in range(size)]
                        else:
                            keys = [ids[(r * 977 + i * 7919) % len(ids)] for i in range(size)]
                        with shims(setting):
                            if workload != "insert":
                                for key in keys[:5]:  # warm this setting's path
                                    await op(key)
                            started = time.process_time()
                            for key in keys:
                                t = time.perf_counter()
                                await op(key)
                                samples[setting].append(time.perf_counter() - t)
                            cpu[setting] += time.process_time() - started
                p50 = {s: statistics.median(samples[s]) for s in SETTINGS}
                cells = [
                    f"{p50[s] * 1e3:.3f} ms ({p50[s] / p50['current']:.2f}x), "
                    f"client CPU {cpu[s] / len(samples[s]) * 1e3:.3f} ms"
                    for s in SETTINGS
                ]
                print(f"| {workload} | " + " | ".join(cells) + " |", flush=True)
        finally:
            await ours.close()
    finally:
        await drop_database(admin, url)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12, help="rounds (default 12)")
    parser.add_argument("--batch", type=int, default=150, help="calls per batch (default 150)")
    parser.add_argument(
        "--workloads",
        default=",".join(WORKLOADS),
        help=f"comma-separated, of {', '.join(WORKLOADS)} (default all)",
    )
    args = parser.parse_args(argv)
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = sorted(set(args.workloads) - set(WORKLOADS))
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(unknown)}")
    if args.rounds < 1 or args.batch < 10:
        parser.error("--rounds must be at least 1 and --batch at least 10")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
