"""Roll back travel's phase 8 and 9 migration, as its document's rollback plan says.

Drops the 17 tables (phase 9's, then phase 8's, ``IF EXISTS ... CASCADE``) from schema
``travel`` and deletes the migration's row from ``_prisma_migrations``, in one transaction,
then runs the document's verification. ``prisma migrate deploy`` re-applies the migration.

    .venv/bin/python scripts/rollback_travel.py --yes [--database-url URL] [--dry-run]

Without ``--yes`` it prints the plan and changes nothing. Exit codes: 0 rolled back (or
dry run), 1 failed (nothing changed), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import asyncpg

from domainlayer.database import resolve_database_url
from domainlayer.errors import DomainError
from domainlayer.pool import connect_pool
from domainlayer.settings import Settings
from domainlayer.travel.migration import (
    MIGRATION_NAME,
    ROLLBACK_STATEMENTS,
    TABLES_LITERAL,
    VERIFY_SQL,
    check_tables,
)


async def rollback(url: str) -> int:
    pool = await connect_pool(url, size=1)
    try:
        async with pool.acquire() as conn, conn.transaction():
            before = check_tables(
                r["tablename"] for r in await conn.fetch(VERIFY_SQL, TABLES_LITERAL)
            )
            for statement in ROLLBACK_STATEMENTS:
                await conn.execute(statement)
            after = check_tables(
                r["tablename"] for r in await conn.fetch(VERIFY_SQL, TABLES_LITERAL)
            )
            if after.present:
                raise RuntimeError(f"tables still present: {', '.join(after.present)}")
    finally:
        await pool.close()
    print(f"dropped {len(before.present)} of 17 travel tables; removed migration {MIGRATION_NAME}")
    print("re-apply with: prisma migrate deploy")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/rollback_travel.py",
        description="Drop travel's 17 phase 8/9 tables and forget their migration.",
    )
    parser.add_argument("--database-url", help="default: DATABASE_URL, .env, else embedded")
    parser.add_argument("--yes", action="store_true", help="really drop the tables")
    parser.add_argument("--dry-run", action="store_true", help="print the statements only")
    args = parser.parse_args(argv)
    if args.dry_run or not args.yes:
        print("\n".join(f"{s};" for s in ROLLBACK_STATEMENTS))
        if not args.dry_run:
            print("(nothing done: pass --yes to run these statements)", file=sys.stderr)
        return 0
    try:
        url = resolve_database_url(Settings.load(database_url=args.database_url))
        return asyncio.run(rollback(url))
    except (DomainError, asyncpg.PostgresError, OSError, RuntimeError) as exc:
        print(f"rollback_travel: error: {exc} (rolled back: nothing changed)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
