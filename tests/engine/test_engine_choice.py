"""The query engine the host runs: Prisma 7's by default, the 5.17 engine on request.

Both read and write Float values as Prisma's native engine does: the Rust engine holds a
Float as a decimal of 16 significant digits, so a double such as 4/11 (0.36363636363636365)
reads back as 0.3636363636363636, and 0.30000000000000004 is stored as 0.3. Raw queries
give the double as it is.
"""

from __future__ import annotations

import asyncpg
import pytest

from domainlayer._engine import ChannelEngine
from domainlayer.client import connect_client

# (written by asyncpg, exactly) -> what the client reads; an exact tie at the 17th digit
# goes to the even 16th digit, as Rust formats it
NATIVE_READS = {
    4 / 11: 0.3636363636363636,
    0.30000000000000004: 0.3,
    123456789.12345679: 123456789.1234568,
    -4463672636447020.5: -4463672636447020.0,
    -4463672636447021.5: -4463672636447022.0,
    0.1: 0.1,
    1e-300: 1e-300,
    2.5: 2.5,
}


async def _engine_of(url: str) -> str:
    client = await connect_client(url)
    try:
        engine = client._engine
        assert isinstance(engine, ChannelEngine)
        status = await engine.request(0, "/status")
        return str(status["engine"])
    finally:
        await client.disconnect()


async def test_the_default_engine_is_prismas_current_one(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOMAINLAYER_QUERY_ENGINE", raising=False)
    assert await _engine_of(database_url) == "7"


async def test_the_5_17_engine_is_chosen_by_its_variable(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMAINLAYER_QUERY_ENGINE", "5")
    assert await _engine_of(database_url) == "5"


@pytest.mark.parametrize("engine", ["7", "5"])
async def test_floats_read_and_write_as_the_native_engine(
    engine: str, database_url: str, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMAINLAYER_QUERY_ENGINE", engine)
    client = await connect_client(database_url)
    try:
        customer = await client.customer.create(
            data={"email": "f@example.com", "firstName": "F", "lastName": "L"}
        )
        for written, read in NATIVE_READS.items():
            await db.execute(
                'UPDATE churn."Customer" SET "discountUsageRate" = $1 WHERE id = $2',
                written,
                customer.id,
            )
            found = await client.customer.find_unique_or_raise(where={"id": customer.id})
            assert found.discountUsageRate == read, (engine, written)
            raw = await client.query_raw(
                'SELECT "discountUsageRate" AS d FROM churn."Customer" WHERE id = $1', customer.id
            )
            assert raw[0]["d"] == written, (engine, written)
            # a write through the client stores what the native engine stores
            updated = await client.customer.update(
                where={"id": customer.id}, data={"discountUsageRate": written}
            )
            assert updated is not None and updated.discountUsageRate == read, (engine, written)
            stored = await db.fetchval(
                'SELECT "discountUsageRate" FROM churn."Customer" WHERE id = $1', customer.id
            )
            assert stored == read, (engine, written)
            # a filter compares with the value the native engine holds
            assert await client.customer.count(where={"discountUsageRate": written}) == 1
    finally:
        await client.disconnect()
