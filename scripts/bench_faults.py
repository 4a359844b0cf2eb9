"""Fault figures: PostgreSQL restarted (fast shutdown) or killed (SIGKILL) under load.

Runs the drill of ``tests/integration/test_fault_postgres_restart.py`` on a PostgreSQL of
its own (a temporary cluster, migrated, removed afterwards; the project's server is not
touched) and prints, per path, the time from the fault to each in-flight caller's
``DatabaseUnavailableError`` (p50 and max over every caller of every round) and the time
from the server accepting connections again to the first success on the same objects
(p50 and max over the rounds). Exits 1 if any caller got another error, hung, or a path
did not recover.

    .venv/bin/python scripts/bench_faults.py [--rounds 3] [--callers 6] [--mode both]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.restart_drill import (
    PathOutcome,
    connected,
    create_leads,
    drill,
    own_server,
)


def _seconds(values: list[float]) -> str:
    if not values:
        return "      -         -"
    return f"{statistics.median(values):6.3f} s {max(values):6.3f} s"


async def _run(rounds: int, callers: int, modes: list[str]) -> int:
    failed = False
    with own_server() as server:
        for mode in modes:
            outcomes: dict[str, list[PathOutcome]] = {}
            downtimes = []
            for round_ in range(1, rounds + 1):
                print(f"{mode}: round {round_}/{rounds}", file=sys.stderr, flush=True)
                async with connected(server) as paths:
                    leads = await create_leads(paths.client, callers * 2)
                    result = await drill(
                        (lambda: server.restart(crash=True)) if mode == "kill" else server.restart,
                        paths.operations(leads),
                        callers_per_path=callers,
                        slow=paths.slow(),
                    )
                    process = paths.client._engine.process  # type: ignore[attr-defined]
                    if process is None or process.pid != paths.engine_pid:
                        print(f"{mode}: the engine host was replaced", file=sys.stderr)
                downtimes.append(result.downtime)
                for outcome in result.outcomes:
                    outcomes.setdefault(outcome.path, []).append(outcome)
            print(
                f"\n{mode} ({'SIGKILL of the postmaster' if mode == 'kill' else 'fast shutdown'}"
                f" + start), {rounds} rounds, {callers} callers per path; "
                f"server down {statistics.median(downtimes):.3f} s (p50)"
            )
            print(
                f"{'path':<30}{'typed errors':>12}  {'to typed error p50, max':>24}  "
                f"{'to recovery p50, max':>22}  escaped  hung"
            )
            for path, runs in outcomes.items():
                errors = [t for run in runs for t in run.typed_errors]
                recoveries = [run.recovery for run in runs if run.recovery is not None]
                escaped = sum(len(run.escaped) for run in runs)
                hung = sum(run.hung for run in runs)
                never = sum(1 for run in runs if run.recovery is None and not run.slow)
                recovery = "(one long call)" if runs[0].slow else _seconds(recoveries)
                print(
                    f"{path:<30}{len(errors):>12}  {_seconds(errors):>24}  {recovery:>22}  "
                    f"{escaped:>7}  {hung:>4}" + (f"  NOT RECOVERED x{never}" if never else "")
                )
                for text in [e for run in runs for e in run.escaped][:3]:
                    print(f"    escaped: {text[:200]}")
                failed = failed or bool(escaped or hung or never)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="restarts per mode (default 3)")
    parser.add_argument("--callers", type=int, default=6, help="looping callers per path")
    parser.add_argument(
        "--mode", choices=("fast", "kill", "both"), default="both", help="which fault"
    )
    args = parser.parse_args()
    if args.rounds < 1 or args.callers < 1:
        parser.error("--rounds and --callers must be at least 1")
    modes = ["fast", "kill"] if args.mode == "both" else [args.mode]
    return asyncio.run(_run(args.rounds, args.callers, modes))


if __name__ == "__main__":
    sys.exit(main())
