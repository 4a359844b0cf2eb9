"""Connecting and querying at DEBUG logs no database password (#12: secrets never in a log)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest

from domainlayer.client import connect_client


async def test_a_debug_log_of_connect_and_query_holds_no_password(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    password = urlsplit(database_url).password
    assert password, "the test database URL must carry a password for this test to mean anything"
    with caplog.at_level(logging.DEBUG):
        client = await connect_client(database_url)
        try:
            await client.lead.count()
        finally:
            await client.disconnect()
    messages = [record.getMessage() for record in caplog.records]
    assert any("datasources" in message.lower() for message in messages)
    assert not [message for message in messages if password in message]
