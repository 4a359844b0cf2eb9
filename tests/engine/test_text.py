"""Text round-trips byte for byte on the client path (#14.9), or is refused (#14.11).

U+0085, U+2028 and U+2029 used to get spaces inserted by the client's query builder (the
shim in domainlayer.client); a lone surrogate used to end in UnicodeEncodeError.
"""

from __future__ import annotations

import asyncpg
import pytest
from prisma import Json, Prisma

from domainlayer.errors import InvalidInputError

TRICKY = "Hi\u2028there\u2029para\x85next \u00e9\u4e16\U0001f600 tab\tnl\nend"


async def test_line_separators_and_all_unicode_round_trip(
    client: Prisma, db: asyncpg.Connection
) -> None:
    flag = await client.airbarfeatureflag.create(
        data={
            "key": "k",
            "name": TRICKY,
            "description": TRICKY,
            "targetSegments": [TRICKY, "plain"],
            "metadata": Json({"text": TRICKY, TRICKY: [TRICKY]}),
        }
    )
    assert flag.name == TRICKY
    row = await db.fetchrow(
        "SELECT name, description, target_segments, metadata::text AS metadata "
        "FROM airbar.feature_flags WHERE id = $1",
        flag.id,
    )
    assert row is not None
    assert row["name"] == TRICKY
    assert row["description"] == TRICKY
    assert row["target_segments"] == [TRICKY, "plain"]
    loaded = await client.airbarfeatureflag.find_unique_or_raise(where={"id": flag.id})
    assert loaded.metadata == {"text": TRICKY, TRICKY: [TRICKY]}
    found = await client.airbarfeatureflag.find_first(where={"name": TRICKY})
    assert found is not None and found.id == flag.id


async def test_a_lone_surrogate_is_refused_and_nothing_is_written(
    client: Prisma, db: asyncpg.Connection
) -> None:
    with pytest.raises(InvalidInputError, match="lone surrogate"):
        await client.airbarfeatureflag.create(data={"key": "k", "name": "bad\ud800text"})
    assert await db.fetchval("SELECT count(*) FROM airbar.feature_flags") == 0
    assert await client.airbarfeatureflag.count() == 0
