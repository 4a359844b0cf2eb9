"""Only the host's own client gets in (#14.2b): the private channel and the HTTP port.

The attempts of another local account run as the OS user ``nobody`` (the tests run as
root; ``setpriv`` drops every privilege), with the system Python and the standard library
only, as an attacker on the machine would.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from prisma import Prisma

from domainlayer._engine import ChannelEngine
from domainlayer.client import connect_client

NOBODY = 65534
SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin") or "/usr/bin/python3"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as nobody")


def _as_nobody(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "setpriv",
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            "--inh-caps=-all",
            "--",
            SYSTEM_PYTHON,
            "-I",
            "-c",
            textwrap.dedent(code),
        ],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _engine(client: Prisma) -> ChannelEngine:
    engine = client._engine
    assert isinstance(engine, ChannelEngine)
    return engine


async def test_another_user_cannot_reach_the_channel_or_read_its_secret(client: Prisma) -> None:
    engine = _engine(client)
    folder = Path(engine._state["folder"])
    assert os.stat(folder).st_mode & 0o777 == 0o700
    socket_path = folder / "engine.sock"
    assert socket_path.exists()
    assert engine.process is not None
    done = _as_nobody(
        f"""
        import socket
        results = []
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect({str(socket_path)!r})
            results.append("connected")
        except PermissionError:
            results.append("socket: permission denied")
        try:
            open("/proc/{engine.process.pid}/environ", "rb").read()
            results.append("read environ")
        except PermissionError:
            results.append("environ: permission denied")
        print(";".join(results))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "socket: permission denied;environ: permission denied"
    # the client was not disturbed
    assert await client.coachuser.count() == 0


async def test_a_connection_without_the_secret_is_refused_with_403(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host_log = tmp_path / "host.log"
    with host_log.open("w") as log_file:
        monkeypatch.setattr(sys, "stderr", log_file)  # the host inherits it
        client = await connect_client(database_url)
        monkeypatch.undo()
    try:
        engine = _engine(client)
        socket_path = str(Path(engine._state["folder"]) / "engine.sock")
        reader, writer = await asyncio.open_unix_connection(socket_path)
        sql = '{"query": "query { result: queryRaw(query: \\"SELECT 1\\", parameters: \\"[]\\") }"}'
        query = b"\x01\x00\x01/\x00\x00" + sql.encode()
        writer.write(struct.pack(">II", len(query) + 4, 7) + query)
        await writer.drain()
        header = await asyncio.wait_for(reader.readexactly(11), 10)
        length, request_id, status, _ = struct.unpack(">IIHB", header)
        body = await reader.readexactly(length - 7)
        assert (request_id, status) == (0, 403)
        assert "forbidden" in json.loads(body)["errors"][0]["error"]
        assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the host
        writer.close()
        assert await client.coachuser.count() == 0
        assert "refused a channel connection (403)" in host_log.read_text()
    finally:
        await client.disconnect()


@pytest.fixture
async def stock_client(database_url: str) -> Prisma:
    """Prisma Client Python's own engine class: the host on a TCP port, over HTTP."""
    db = Prisma(datasource={"url": database_url}, auto_register=False)
    await db.connect()
    return db


async def test_the_http_port_refuses_other_users_and_foreign_requests(
    stock_client: Prisma,
) -> None:
    url = stock_client._engine.url  # type: ignore[attr-defined]
    assert isinstance(url, str)
    port = int(url.rsplit(":", 1)[1])
    try:
        done = _as_nobody(
            f"""
            import http.client, json
            c = http.client.HTTPConnection("127.0.0.1", {port}, timeout=20)
            q = 'query {{ result: queryRaw(query: "SELECT 1", parameters: "[]") }}'
            body = json.dumps({{"query": q}})
            c.request("POST", "/", body=body, headers={{"Content-Type": "application/json"}})
            r = c.getresponse()
            print(r.status, r.read().decode()[:200])
            """
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("403 "), done.stdout
        async with httpx.AsyncClient(base_url=url) as http:
            wrong_host = await http.get("/status", headers={"Host": "attacker.example:80"})
            text_plain = await http.post(
                "/",
                content='{"query": "query { result: findManyCoachUser { id } }"}',
                headers={"Content-Type": "text/plain"},
            )
            own = await http.get("/status")
        assert wrong_host.status_code == 403
        assert text_plain.status_code == 403
        assert own.status_code == 200
        assert await stock_client.coachuser.count() == 0
    finally:
        await stock_client.disconnect()
