"""The engine host's life: start, parallel queries, metrics, death, reconnection, exit."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from prisma import Prisma

from domainlayer.client import connect_client
from tests.support.processes import connect_and_print, run_python


def _engine_pids() -> set[int]:
    """Node processes running this project's query engine host, children of this process."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if (
            any(part.endswith(b"query-engine/main.mjs") for part in cmdline)
            and int(stat[1]) == os.getpid()
        ):
            pids.add(int(entry.name))
    return pids


async def test_disconnect_leaves_no_engine_process(database_url: str) -> None:
    before = _engine_pids()
    client = await connect_client(database_url)
    started = _engine_pids() - before
    assert len(started) == 1
    await client.disconnect()
    for _ in range(100):  # up to 5 s for the process to exit
        if not (_engine_pids() & started):
            break
        await asyncio.sleep(0.05)
    assert not (_engine_pids() & started)


async def test_a_killed_engine_raises_and_reconnecting_recovers(database_url: str) -> None:
    before = _engine_pids()
    client = await connect_client(database_url)
    (pid,) = _engine_pids() - before
    os.kill(pid, signal.SIGKILL)
    await asyncio.sleep(0.2)
    # As with Prisma's native engine: the client's HTTP layer reports the dead process.
    with pytest.raises(httpx.ConnectError):
        await client.coachuser.count()
    await client.disconnect()
    await client.connect()
    assert await client.coachuser.count() == 0
    await client.disconnect()


async def test_concurrent_queries_run_in_parallel_up_to_the_pool(database_url: str) -> None:
    client = await connect_client(f"{database_url}?connection_limit=10")
    try:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(client.query_raw("SELECT 1::int AS one FROM pg_sleep(0.3)") for _ in range(10))
        )
        elapsed = time.perf_counter() - started
    finally:
        await client.disconnect()
    assert results == [[{"one": 1}]] * 10
    # Serial execution would take 3 s; ten connections run them together.
    assert elapsed < 1.5


async def test_metrics_count_the_queries(client: Prisma) -> None:
    for _ in range(3):
        await client.coachuser.count()
    metrics = await client.get_metrics()
    counters = {m.key: m.value for m in metrics.counters}
    assert counters["prisma_client_queries_total"] >= 3
    histogram = {m.key: m.value for m in metrics.histograms}
    assert histogram["prisma_client_queries_duration_histogram_ms"].count >= 3
    text = await client.get_metrics(format="prometheus")
    assert "prisma_client_queries_total" in text


def test_a_bare_prisma_client_works_with_no_setup(database_url: str) -> None:
    """`import prisma; Prisma()` in the project environment, DATABASE_URL from the env."""
    done = run_python(
        connect_and_print("await db.coachuser.count()"),
        env={**os.environ, "DATABASE_URL": database_url},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"


def test_with_no_database_url_a_bare_client_uses_the_embedded_server() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = run_python(
        connect_and_print("await db.query_first('SELECT current_database() AS name')"), env=env
    )
    assert done.returncode == 0, done.stderr
    assert "'name': 'domainlayer'" in done.stdout


def test_an_exiting_client_process_leaves_no_engine_behind(database_url: str) -> None:
    """The client dies without disconnecting (os._exit): its engine stops by itself."""
    code = (
        "import asyncio, os\n"
        "from prisma import Prisma\n"
        "async def main():\n"
        "    db = Prisma()\n"
        "    await db.connect()\n"
        "    print(db._engine.process.pid, flush=True)\n"
        "    os._exit(0)\n"
        "asyncio.run(main())\n"
    )
    done = run_python(code, env={**os.environ, "DATABASE_URL": database_url})
    assert done.returncode == 0, done.stderr
    pid = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = (
        Path(f"/proc/{pid}").exists()
        and "Z" not in (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0])
    )
    assert not alive
