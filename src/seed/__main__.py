"""``python -m seed``: migrate the database and fill every product with realistic data.

The database is ``--database-url``, else ``DATABASE_URL`` (environment, then ``.env``), else
the embedded PostgreSQL. The migrations in ``prisma_migrations/`` are applied first (unless
``--no-migrate``), then each product is seeded in a transaction of its own and a table of
row counts per product and table is printed on stdout. Exit codes: 0 done, 1 failed
(the failing product rolled back whole), 2 bad arguments, 130 interrupted.

``--fail-after SCHEMA.TABLE`` (not in ``--help``) is a test hook: it raises inside the
product's transaction once that table is written, to show the product is left untouched.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Sequence

from domainlayer.database import resolve_database_url
from domainlayer.errors import DomainError
from domainlayer.settings import Settings
from domainlayer.toolchain import migrate_deploy

from .errors import SeedFailed
from .options import DEFAULT_NOW, DEFAULT_SEED, DOMAINS, SeedOptions, parse_now
from .progress import Progress
from .report import render
from .runner import seed_database

log = logging.getLogger("seed")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def _instant(text: str) -> object:
    try:
        return parse_now(text)
    except DomainError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m seed",
        description=(
            "Migrate the database and seed every product with realistic, reproducible data. "
            "A product that already has rows is kept as it is (use --reset to re-seed it)."
        ),
    )
    parser.add_argument(
        "--database-url",
        help="server to seed (default: DATABASE_URL, .env, else the embedded PostgreSQL)",
    )
    parser.add_argument(
        "--domain",
        action="append",
        choices=DOMAINS,
        help="seed only this product (repeatable; default: all five)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help="random seed: the same seed gives the same rows, ids included "
        f"(default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--now",
        type=_instant,
        default=DEFAULT_NOW,
        help="reference time the data is relative to, ISO 8601 (default 2026-01-01T00:00Z)",
    )
    parser.add_argument(
        "--scale",
        type=_positive,
        default=1,
        metavar="K",
        help="multiply the high-volume tables (events, orders, analytics, metrics, leads, "
        "messages) by K, for load tests (default 1)",
    )
    parser.add_argument(
        "--reset", action="store_true", help="empty the chosen products first, then seed them"
    )
    parser.add_argument(
        "--no-migrate",
        action="store_true",
        help="skip `prisma migrate deploy` (the database is already migrated)",
    )
    parser.add_argument(
        "--progress",
        action="store_true",
        help="draw a progress bar per table on stderr (default: only on a terminal)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("--fail-after", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    options = SeedOptions(
        seed=args.seed,
        now=args.now,
        scale=args.scale,
        domains=tuple(args.domain or DOMAINS),
        reset=args.reset,
        fail_after=args.fail_after,
    )
    started = time.perf_counter()
    try:
        url = resolve_database_url(Settings.load(database_url=args.database_url))
        if not args.no_migrate:
            log.info("applying migrations ...")
            migrate_deploy(url)
            log.info("database ready in %.1f s", time.perf_counter() - started)
        progress = Progress.for_terminal(forced=args.progress, quiet=args.quiet)
        report = asyncio.run(seed_database(url, options, progress=progress))
    except SeedFailed as exc:
        if exc.completed and not args.quiet:
            print(render(exc.completed), end="")
        print(f"seed: error: {exc}", file=sys.stderr)
        if args.verbose:
            log.exception("details")
        return 1
    except DomainError as exc:
        print(f"seed: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("seed: interrupted (the product being seeded was rolled back)", file=sys.stderr)
        return 130
    if not args.quiet:
        print(render(report.products), end="")
        log.info(
            "seeded with --seed %d --scale %d --now %s in %.1f s",
            options.seed,
            options.scale,
            options.now.isoformat().replace("+00:00", "Z"),
            time.perf_counter() - started,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
