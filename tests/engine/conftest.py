"""A connected Prisma Client Python per test, on the test's own database, through the host."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from prisma import Prisma

from domainlayer.client import connect_client


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[Prisma]:
    db = await connect_client(database_url)
    try:
        yield db
    finally:
        if db.is_connected():
            await db.disconnect()
