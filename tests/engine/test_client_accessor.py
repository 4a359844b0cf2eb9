"""domainlayer.client: one connected client per process, shared by concurrent callers."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator

import pytest

from domainlayer import client as accessor
from domainlayer.settings import get_settings


@pytest.fixture
def point_at(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("point_at")
async def test_concurrent_first_callers_share_one_connected_client() -> None:
    first, second, third = await asyncio.gather(
        accessor.get_client(), accessor.get_client(), accessor.get_client()
    )
    try:
        assert first is second is third
        assert first.is_connected()
        assert await first.coachuser.count() == 0
        assert await accessor.get_client() is first
    finally:
        await accessor.close_client()
    assert not first.is_connected()


@pytest.mark.usefixtures("point_at")
async def test_after_close_the_next_caller_gets_a_new_connected_client() -> None:
    old = await accessor.get_client()
    await accessor.close_client()
    new = await accessor.get_client()
    try:
        assert new is not old
        assert new.is_connected()
    finally:
        await accessor.close_client()


@pytest.mark.usefixtures("point_at")
async def test_a_dead_engine_is_replaced_on_the_next_get_client() -> None:
    client = await accessor.get_client()
    try:
        process = client._engine.process  # type: ignore[union-attr]
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
        again = await accessor.get_client()
        assert await again.coachuser.count() == 0
    finally:
        await accessor.close_client()
