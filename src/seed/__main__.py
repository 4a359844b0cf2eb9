"""``python -m seed``: prepare the database and fill every product with data.

Today it resolves the database (``DATABASE_URL``, ``.env``, else the embedded PostgreSQL),
applies the migrations in ``prisma_migrations/`` and reports that no seeders exist yet;
the product seeders plug in here. Exit codes: 0 done, 1 failed, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence

from domainlayer.database import resolve_database_url
from domainlayer.errors import DomainError
from domainlayer.settings import Settings
from domainlayer.toolchain import migrate_deploy

log = logging.getLogger("seed")

DOMAINS = ("airbar", "churn", "travel", "coach", "madfam")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m seed",
        description="Migrate the database and seed every product with realistic data.",
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
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    started = time.perf_counter()
    try:
        url = resolve_database_url(Settings.load(database_url=args.database_url))
        log.info("applying migrations ...")
        migrate_deploy(url)
    except DomainError as exc:
        print(f"seed: error: {exc}", file=sys.stderr)
        return 1
    domains = args.domain or list(DOMAINS)
    log.info("database ready in %.1f s", time.perf_counter() - started)
    print(f"no seeders exist yet for: {', '.join(domains)} (the schema is migrated and empty)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
