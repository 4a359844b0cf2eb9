"""Insert rows with plain SQL, filling every required column from the catalog.

Integration tests check the database with SQL of their own; to insert a row they name
only the columns the test is about, and this fills the other NOT NULL columns without a
default with a valid value of their type (first label for enums, a unique text, ...).
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg

_counter = itertools.count(1)


async def _required_columns(
    conn: asyncpg.Connection, schema: str, table: str
) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT c.column_name, c.data_type, c.udt_schema, c.udt_name
        FROM information_schema.columns c
        WHERE c.table_schema = $1 AND c.table_name = $2
          AND c.is_nullable = 'NO' AND c.column_default IS NULL
        ORDER BY c.ordinal_position
        """,
        schema,
        table,
    )


async def _value_for(conn: asyncpg.Connection, column: asyncpg.Record) -> Any:
    n = next(_counter)
    data_type, udt = column["data_type"], column["udt_name"]
    if data_type == "USER-DEFINED":
        return await conn.fetchval(
            """
            SELECT e.enumlabel FROM pg_enum e
            JOIN pg_type t ON t.oid = e.enumtypid
            JOIN pg_namespace ns ON ns.oid = t.typnamespace
            WHERE ns.nspname = $1 AND t.typname = $2
            ORDER BY e.enumsortorder LIMIT 1
            """,
            column["udt_schema"],
            udt,
        )
    if data_type == "ARRAY":
        return []
    if udt in {"int2", "int4", "int8"}:
        return n
    if udt in {"float4", "float8"}:
        return float(n)
    if udt == "numeric":
        return Decimal(n)
    if udt == "bool":
        return False
    if udt in {"timestamp", "timestamptz", "date"}:
        now = datetime.now(UTC)
        return now.replace(tzinfo=None) if udt == "timestamp" else now
    if udt in {"json", "jsonb"}:
        return json.dumps({})
    if udt == "bytea":
        return b"\x00"
    return f"{column['column_name']}-{n}"


async def insert_row(
    conn: asyncpg.Connection, schema: str, table: str, **values: Any
) -> asyncpg.Record:
    """Insert into ``schema.table`` with ``values``; return the whole stored row."""
    row = dict(values)
    for column in await _required_columns(conn, schema, table):
        if column["column_name"] not in row:
            row[column["column_name"]] = await _value_for(conn, column)
    names = list(row)
    columns = ", ".join(f'"{name}"' for name in names)
    params = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    record = await conn.fetchrow(
        f'INSERT INTO "{schema}"."{table}" ({columns}) VALUES ({params}) RETURNING *',
        *row.values(),
    )
    assert record is not None
    return record
