"""The travel document's verification, run through the generated client."""

from __future__ import annotations

from prisma import Prisma

from domainlayer.repository import translating_errors
from domainlayer.travel.migration import TABLES_LITERAL, VERIFY_SQL, SchemaCheck, check_tables

__all__ = ["verify_travel_schema"]


async def verify_travel_schema(client: Prisma) -> SchemaCheck:
    """Which of the migration's 17 tables exist in schema ``travel`` (``.ok`` when all do)."""
    with translating_errors():
        rows = await client.query_raw(VERIFY_SQL, TABLES_LITERAL)
    return check_tables(row["tablename"] for row in rows)
