"""The client's host start: no password in a DEBUG log (#12), no CA bundle it cannot use,
the memory settings that keep it small (#11)."""

from __future__ import annotations

import logging
from pathlib import Path
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


def _host_proc(client: object, name: str) -> list[str]:
    """The NUL-separated items of the client's live host's ``/proc/<pid>/<name>``."""
    process = client._engine.process  # type: ignore[attr-defined]
    assert process is not None
    return Path(f"/proc/{process.pid}/{name}").read_bytes().decode().split("\0")


def _host_environment(client: object) -> dict[str, str]:
    return dict(item.split("=", 1) for item in _host_proc(client, "environ") if "=" in item)


@pytest.mark.parametrize(("query", "kept"), [("", False), ("?sslmode=disable", True)])
async def test_the_host_reads_extra_ca_certificates_only_when_it_may_use_tls(
    database_url: str, monkeypatch: pytest.MonkeyPatch, query: str, kept: bool
) -> None:
    """Node reads NODE_EXTRA_CA_CERTS before any code runs (~90 ms): not for a plain host."""
    monkeypatch.setenv("NODE_EXTRA_CA_CERTS", "/etc/ssl/certs/ca-certificates.crt")
    client = await connect_client(database_url + query)
    try:
        assert await client.lead.count() == 0
        assert ("NODE_EXTRA_CA_CERTS" in _host_environment(client)) is kept
    finally:
        await client.disconnect()


async def test_the_host_runs_with_its_memory_settings(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bench_peers: 169 MB resident after the run with V8's and glibc's defaults, 90 with these."""
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    client = await connect_client(database_url)
    try:
        assert await client.lead.count() == 0
        assert _host_environment(client)["MALLOC_ARENA_MAX"] == "1"
        arguments = _host_proc(client, "cmdline")
        assert "--max-semi-space-size=2" in arguments
        assert "--heap-growing-percent=50" in arguments
        # the old space grows, it is not capped: a large result still fits
        assert not [
            a for a in arguments if a.startswith(("--max-old-space-size", "--max-heap-size"))
        ]
    finally:
        await client.disconnect()


async def test_an_operator_arena_setting_is_kept(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    client = await connect_client(database_url)
    try:
        assert await client.lead.count() == 0
        assert _host_environment(client)["MALLOC_ARENA_MAX"] == "4"
    finally:
        await client.disconnect()
