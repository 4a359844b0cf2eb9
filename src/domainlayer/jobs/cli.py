"""``python -m domainlayer.jobs <job> [options]``: the documents' scheduled jobs.

Every job prints the database it works on (host, port, database: never a password), the
instant it used and, per table, the rows it removed or moved (``--dry-run``: would remove,
changing nothing). Long runs report progress on stderr (``--progress``, or on a terminal).

Exit codes:
    0   done (also: a worker stopped by SIGTERM after draining)
    1   failed (database unreachable, a statement failed, ...)
    2   bad arguments (usage), including a ``--now`` refused by the clock check
    75  another run of this job holds its lock (EX_TEMPFAIL: try again later); ``--wait``
        waits for it instead
    130 interrupted (Ctrl-C); batches already committed stay committed

Two runs of one job never overlap: each run holds the job's PostgreSQL advisory lock.
Email workers are the exception: they are meant to run side by side (each claims its
emails with ``FOR UPDATE SKIP LOCKED``), so they take no lock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, TextIO
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg

from domainlayer.batching import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, TableCount
from domainlayer.database import resolve_database_url
from domainlayer.errors import DomainError, InvalidInputError
from domainlayer.pool import connect_pool
from domainlayer.settings import Settings

from .lock import AlreadyRunning, job_lock
from .transports import transport_for
from .worker import Worker, WorkerStats

__all__ = [
    "EXIT_ALREADY_RUNNING",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "JOBS",
    "describe_target",
    "main",
    "run",
]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_ALREADY_RUNNING: Final = 75
EXIT_INTERRUPTED: Final = 130

log = logging.getLogger("domainlayer.jobs")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a batch job reports: its instant, cutoffs and counts per table."""

    now: datetime
    cutoffs: dict[str, datetime]
    counts: tuple[TableCount, ...]
    dry_run: bool
    batches: int


@dataclass(frozen=True, slots=True)
class JobSpec:
    name: str
    summary: str
    schedule: str
    run: Callable[[Context], Awaitable[Outcome]]


@dataclass(slots=True)
class Context:
    args: argparse.Namespace
    client: Any
    pool: Any
    progress: Callable[[str, int], None] | None


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# The repositories (and with them the generated client, slow to import) are imported when
# a job runs, so that `--help` and usage errors answer at once.


async def _coach(ctx: Context, method: str) -> Outcome:
    from domainlayer.coach.repository import MaintenanceRepository

    repo = MaintenanceRepository(ctx.client, pool=ctx.pool)
    result = await getattr(repo, method)(
        ctx.args.now,
        allow_clock_skew=ctx.args.allow_clock_skew,
        dry_run=ctx.args.dry_run,
        batch_size=ctx.args.batch_size,
        progress=ctx.progress,
    )
    return Outcome(
        result.now,
        {table: result.cutoff for table in {c.table for c in result.counts}},
        result.counts,
        result.dry_run,
        result.batches,
    )


async def _expired_sessions(ctx: Context) -> Outcome:
    return await _coach(ctx, "delete_expired_sessions")


async def _expired_codes(ctx: Context) -> Outcome:
    return await _coach(ctx, "delete_expired_auth_codes")


async def _archive(ctx: Context) -> Outcome:
    return await _coach(ctx, "archive_old_sessions")


async def _retention(ctx: Context) -> Outcome:
    from domainlayer.churn.repository import ChurnRepository
    from domainlayer.churn.rules import Retention

    a = ctx.args
    policy = Retention(
        customer_events=timedelta(days=a.customer_events_days),
        predictions=timedelta(days=a.predictions_days),
        resolved_alerts=timedelta(days=a.resolved_alerts_days),
        system_metrics=timedelta(days=a.system_metrics_days),
    )
    report = await ChurnRepository(ctx.client).apply_retention(
        a.now,
        policy,
        allow_clock_skew=a.allow_clock_skew,
        dry_run=a.dry_run,
        batch_size=a.batch_size,
        progress=ctx.progress,
    )
    counts = report.counts()
    names = ("customer_events", "predictions", "resolved_alerts", "system_metrics")
    cutoffs = {c.table: report.cutoffs[name] for c, name in zip(counts, names, strict=True)}
    assert report.now is not None
    return Outcome(report.now, cutoffs, counts, report.dry_run, report.batches)


JOBS: Final[dict[str, JobSpec]] = {
    spec.name: spec
    for spec in (
        JobSpec(
            "coach-expired-sessions",
            "delete expired coach sessions that are no longer active (003)",
            "daily",
            _expired_sessions,
        ),
        JobSpec(
            "coach-expired-auth-codes",
            "delete used coach auth codes past their expiry (003)",
            "hourly",
            _expired_codes,
        ),
        JobSpec(
            "coach-archive-sessions",
            "move coaching sessions that ended over 6 months ago to SessionArchive (003)",
            "daily",
            _archive,
        ),
        JobSpec(
            "churn-retention",
            "delete churn events > 90 d, predictions > 30 d, resolved alerts > 7 d, "
            "system metrics > 1 year (001)",
            "daily",
            _retention,
        ),
    )
}

WORKER: Final = "madfam-email-worker"
#: EmailQueueRepository's defaults (a test checks they agree), kept here so that --help
#: does not import the generated client.
DEFAULT_LEASE_SECONDS: Final = 300
DEFAULT_MAX_ATTEMPTS: Final = 3
QUEUE_TABLE: Final = 'madfam."EmailQueue"'


# Arguments -------------------------------------------------------------------------------


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {low:,}..{high:,}: {value}")
        return value

    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0 or math.isnan(value):
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds: {text}")
    return value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="database to work on (default: DATABASE_URL, .env, else the embedded PostgreSQL)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="count what the job would do, change nothing"
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument(
        "--progress",
        action="store_true",
        help="report progress on stderr (default: only on a terminal)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")


def _batch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--now",
        type=_instant,
        help="the instant to judge ages from, ISO 8601 (default: the database's clock); "
        "more than a day from the database's clock is refused without --allow-clock-skew",
    )
    parser.add_argument(
        "--allow-clock-skew",
        action="store_true",
        help="accept a --now far from the database's clock (back-filling, replays)",
    )
    parser.add_argument(
        "--batch-size",
        type=_whole(1, MAX_BATCH_SIZE),
        default=DEFAULT_BATCH_SIZE,
        help=f"rows per statement, each its own transaction (default {DEFAULT_BATCH_SIZE:,})",
    )
    parser.add_argument(
        "--wait",
        type=_seconds,
        nargs="?",
        const=math.inf,
        metavar="SECONDS",
        help="if another run holds the job's lock, wait for it (for SECONDS, or as long as "
        "it takes) instead of exiting 75",
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m domainlayer.jobs",
        description="Run one of the documents' scheduled jobs (for cron or a scheduler).",
        epilog="exit codes: 0 done, 1 failed, 2 bad arguments, 75 already running "
        "(another run holds the job's lock), 130 interrupted",
    )
    commands = top.add_subparsers(dest="job", metavar="JOB", required=True)
    for spec in JOBS.values():
        sub = commands.add_parser(
            spec.name,
            help=f"{spec.summary} [{spec.schedule}]",
            description=f"{spec.summary[0].upper()}{spec.summary[1:]}. Run {spec.schedule}.",
        )
        _common(sub)
        _batch_options(sub)
        if spec.name == "churn-retention":
            for option, days in (
                ("customer-events", 90),
                ("predictions", 30),
                ("resolved-alerts", 7),
                ("system-metrics", 365),
            ):
                sub.add_argument(
                    f"--{option}-days",
                    type=_whole(1, 36_500),
                    default=days,
                    help=f"keep {option.replace('-', ' ')} this many days (default {days})",
                )
    worker = commands.add_parser(
        WORKER,
        help="send madfam's email queue until stopped; SIGTERM drains it (004)",
        description="Claim queued emails, send them, mark them sent or failed; until stopped "
        "(SIGTERM or Ctrl-C: the email in hand is finished, the rest of the batch released). "
        "Run one or more workers all the time (a service), or --once from cron.",
    )
    _common(worker)
    worker.add_argument(
        "--transport",
        required=True,
        help="where emails go: smtp://host[:port] (smtps://, ?starttls=1, user:password@), "
        "or folder:PATH (one .eml file per email)",
    )
    worker.add_argument(
        "--from",
        dest="sender",
        default="MADFAM <no-reply@madfam.io>",
        help="the From address (default: MADFAM <no-reply@madfam.io>)",
    )
    worker.add_argument(
        "--batch-size", type=_whole(1, 1000), default=10, help="emails per claim (default 10)"
    )
    worker.add_argument(
        "--lease-seconds",
        type=_whole(1, 86_400),
        default=DEFAULT_LEASE_SECONDS,
        help="how long a claim lasts before another worker may take the email (default "
        f"{DEFAULT_LEASE_SECONDS})",
    )
    worker.add_argument(
        "--max-attempts",
        type=_whole(1, 1000),
        default=DEFAULT_MAX_ATTEMPTS,
        help=f"sends tried before an email stays failed (default {DEFAULT_MAX_ATTEMPTS})",
    )
    worker.add_argument(
        "--poll-interval",
        type=_seconds,
        default=5.0,
        help="seconds between looks at an empty queue (default 5)",
    )
    worker.add_argument(
        "--once", action="store_true", help="exit when the queue is empty (for cron)"
    )
    worker.add_argument("--send-delay", type=_seconds, default=0.0, help=argparse.SUPPRESS)
    return top


# Output ----------------------------------------------------------------------------------


def describe_target(url: str) -> dict[str, Any]:
    """Host, port and database of a PostgreSQL URL (never its user's password)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = parts.hostname or (query.get("host") or ["localhost"])[0]
    return {
        "host": host,
        "port": parts.port or int((query.get("port") or ["5432"])[0]),
        "database": unquote(parts.path.lstrip("/")) or None,
        "user": unquote(parts.username) if parts.username else None,
    }


def _target_line(target: dict[str, Any]) -> str:
    user = f" as {target['user']}" if target["user"] else ""
    return f"database {target['host']}:{target['port']}/{target['database']}{user}"


class _Progress:
    """A line per table on stderr, redrawn at most 5 times a second (and once at the end)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._started = time.perf_counter()
        self._drawn = 0.0
        self._label: str | None = None
        self._done = 0

    def __call__(self, label: str, done: int) -> None:
        moment = time.perf_counter()
        if label != self._label:
            self.close()
            self._label, self._started, self._drawn = label, moment, 0.0
        self._done = done
        if moment - self._drawn >= 0.2:
            self._draw(moment)

    def _draw(self, moment: float) -> None:
        self._drawn = moment
        rate = self._done / max(moment - self._started, 1e-9)
        self._stream.write(f"\r{self._label:<28} {self._done:>12,} rows  {rate:>10,.0f}/s")
        self._stream.flush()

    def close(self) -> None:
        if self._label is not None:
            self._draw(time.perf_counter())
            self._stream.write("\n")
            self._stream.flush()
            self._label = None


def _print_outcome(
    job: str, target: dict[str, Any], outcome: Outcome, args: argparse.Namespace, out: TextIO
) -> None:
    source = "given" if args.now is not None else "database clock"
    if args.json:
        payload = {
            "job": job,
            "database": {k: target[k] for k in ("host", "port", "database", "user")},
            "now": _stamp(outcome.now),
            "now_source": source,
            "dry_run": outcome.dry_run,
            "batches": outcome.batches,
            "counts": [
                {
                    "table": c.table,
                    "action": c.action,
                    "rows": c.rows,
                    "cutoff": _stamp(outcome.cutoffs[c.table])
                    if c.table in outcome.cutoffs
                    else None,
                }
                for c in outcome.counts
            ],
        }
        out.write(json.dumps(payload) + "\n")
        return
    out.write(f"{job}: {_target_line(target)}\n")
    out.write(f"now {_stamp(outcome.now)} ({source})\n")
    for c in outcome.counts:
        cutoff = outcome.cutoffs.get(c.table)
        before = f"  (older than {_stamp(cutoff)})" if cutoff is not None else ""
        out.write(f"  {c.table:<28} {c.action:<26} {c.rows:>10,}{before}\n")
    if outcome.dry_run:
        out.write("dry run: nothing was changed\n")
    else:
        out.write(f"{outcome.batches:,} statements of at most {args.batch_size:,} rows each\n")


def _print_worker(
    target: dict[str, Any], stats: WorkerStats, args: argparse.Namespace, out: TextIO
) -> None:
    rows = (
        ("sent", stats.sent),
        ("failed, to be retried", stats.retried),
        ("failed for good", stats.failed),
        ("released unsent", stats.released),
        ("lease lost", stats.lost),
    )
    if args.json:
        payload = {
            "job": WORKER,
            "database": {k: target[k] for k in ("host", "port", "database", "user")},
            "claimed": stats.claimed,
            "batches": stats.batches,
            **{name.replace(", ", "_").replace(" ", "_"): n for name, n in rows},
        }
        out.write(json.dumps(payload) + "\n")
        return
    out.write(f"{WORKER}: {_target_line(target)}\n")
    for name, n in rows:
        out.write(f"  {QUEUE_TABLE:<28} {name:<26} {n:>10,}\n")


# Running ---------------------------------------------------------------------------------


async def _batch_job(
    spec: JobSpec, args: argparse.Namespace, url: str, out: TextIO, err: TextIO
) -> int:
    target = describe_target(url)
    progress = _Progress(err) if (args.progress or err.isatty()) and not args.quiet else None

    pool = await connect_pool(url, size=2)
    client = None
    try:
        async with (
            pool.acquire() as lock_connection,
            job_lock(lock_connection, spec.name, wait=args.wait),
        ):
            # Imported under the lock: a second run answers "already running" at once.
            from domainlayer.client import connect_client

            client = await connect_client(url)
            started = time.perf_counter()
            outcome = await spec.run(Context(args, client, pool, progress))
            if progress is not None:
                progress.close()
            log.info("%s finished in %.2f s", spec.name, time.perf_counter() - started)
    finally:
        if client is not None and client.is_connected():
            await client.disconnect()
        await pool.close()
    if not args.quiet:
        _print_outcome(spec.name, target, outcome, args, out)
    return EXIT_OK


async def _worker(args: argparse.Namespace, url: str, out: TextIO, err: TextIO) -> int:
    from domainlayer.client import connect_client
    from domainlayer.madfam.repository import EmailQueueRepository

    target = describe_target(url)
    transport = transport_for(args.transport, args.sender)
    client = await connect_client(url)
    try:
        queue = EmailQueueRepository(
            client,
            max_attempts=args.max_attempts,
            lease=timedelta(seconds=args.lease_seconds),
        )
        if args.dry_run:
            waiting = await queue.claimable()
            if args.json:
                out.write(json.dumps({"job": WORKER, "claimable": waiting, "dry_run": True}))
                out.write("\n")
            elif not args.quiet:
                out.write(f"{WORKER}: {_target_line(target)}\n")
                out.write(f"  {QUEUE_TABLE:<28} {'would send':<26} {waiting:>10,}\n")
                out.write("dry run: nothing was changed\n")
            return EXIT_OK

        def report(stats: WorkerStats) -> None:
            if args.progress and not args.quiet:
                err.write(
                    f"{WORKER}: {stats.sent:,} sent, {stats.retried + stats.failed:,} failed, "
                    f"{stats.batches:,} batches\n"
                )
                err.flush()

        worker = Worker(
            queue,
            transport,
            batch_size=args.batch_size,
            poll_interval=args.poll_interval,
            once=args.once,
            send_delay=args.send_delay,
            on_batch=report,
        )
        loop = asyncio.get_running_loop()
        interrupted: list[int] = []

        def stop(signum: int) -> None:
            interrupted.append(signum)
            worker.stop()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop, signum)
        if not args.quiet:
            err.write(
                f"{WORKER}: worker {queue.worker_id} on {_target_line(target)}, "
                f"sending to {transport.describe()}\n"
            )
            err.flush()
        try:
            stats = await worker.run()
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
        if not args.quiet:
            _print_worker(target, stats, args, out)
        if signal.SIGINT in interrupted:
            return EXIT_INTERRUPTED
        return EXIT_OK
    finally:
        if client.is_connected():
            await client.disconnect()


async def run(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run one job as the command line would, returning its exit code (for tests and embedding)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    name = args.job
    try:
        url = resolve_database_url(Settings.load(database_url=args.database_url))
        if name == WORKER:
            return await _worker(args, url, out, err)
        return await _batch_job(JOBS[name], args, url, out, err)
    except AlreadyRunning as exc:
        err.write(f"{name}: {exc}; exiting with {EXIT_ALREADY_RUNNING}\n")
        return EXIT_ALREADY_RUNNING
    except InvalidInputError as exc:
        err.write(f"{name}: error: {exc}\n")
        return EXIT_USAGE
    except (DomainError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        err.write(f"{name}: error: {exc}\n")
        if args.verbose:
            log.exception("details")
        return EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: ``python -m domainlayer.jobs --help``."""
    args_for_logging = list(sys.argv[1:] if argv is None else argv)
    verbose = "-v" in args_for_logging or "--verbose" in args_for_logging
    quiet = "-q" in args_for_logging or "--quiet" in args_for_logging
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    try:
        return asyncio.run(run(argv))
    except KeyboardInterrupt:
        print("interrupted: batches already done stay committed", file=sys.stderr)
        return EXIT_INTERRUPTED
