"""The engine host's life: start, parallel queries, metrics, death, reconnection, exit."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
from prisma import Prisma

from domainlayer.client import connect_client
from domainlayer.errors import DatabaseUnavailableError
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
    deadline = time.monotonic() + 5  # poll, for at most 5 s, until the process has exited
    while _engine_pids() & started and time.monotonic() < deadline:  # noqa: ASYNC110 - /proc has no event
        await asyncio.sleep(0.05)
    assert not (_engine_pids() & started)


async def _exited(pid: int, within: float = 5.0) -> bool:
    """Poll until process ``pid`` (our child) has exited, for at most ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)  # noqa: ASYNC222 - WNOHANG never blocks
        except ChildProcessError:
            return True
        if done == pid:
            return True
        await asyncio.sleep(0.01)
    return False


async def _until(condition: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_a_killed_engine_fails_calls_in_flight_and_the_same_client_recovers(
    database_url: str,
) -> None:
    before = _engine_pids()
    client = await connect_client(database_url)
    watcher = await asyncpg.connect(database_url)
    try:
        (pid,) = _engine_pids() - before
        in_flight = [
            asyncio.create_task(client.query_raw("SELECT pg_sleep(30)::text AS slept"))
            for _ in range(5)
        ]

        async def sleeping() -> bool:
            count = await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'"
            )
            return bool(count == 5)

        await _until(sleeping)
        killed = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        results = await asyncio.wait_for(
            asyncio.gather(*in_flight, return_exceptions=True), timeout=5
        )
        failed_after = time.monotonic() - killed
        assert all(isinstance(r, DatabaseUnavailableError) for r in results), results
        assert await _exited(pid)
        # the very same client object works again: a new host was started for it
        assert await client.coachuser.count() == 0
        recovered_after = time.monotonic() - killed
        assert _engine_pids() - before - {pid}
        print(f"typed error after {failed_after:.3f} s, recovered after {recovered_after:.3f} s")
    finally:
        await watcher.close()
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


async def _host_connections(admin: asyncpg.Connection, application: str) -> int:
    count = await admin.fetchval(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name = $1",
        application,
    )
    return int(count)


async def test_idle_connections_live_as_long_as_the_native_engine_keeps_them(
    database_url: str,
) -> None:
    """Idle pool connections close after `max_idle_connection_lifetime` (300 s by default, as
    the native engine's pool; pg-pool alone closes them after 10 s), and 0 keeps them."""
    clients = {
        "idle_default": await connect_client(f"{database_url}?application_name=idle_default"),
        "idle_short": await connect_client(
            f"{database_url}?application_name=idle_short&max_idle_connection_lifetime=1"
        ),
        "idle_never": await connect_client(
            f"{database_url}?application_name=idle_never&max_idle_connection_lifetime=0"
        ),
    }
    admin = await asyncpg.connect(database_url)
    try:
        for client in clients.values():
            await asyncio.gather(
                *(client.query_raw("SELECT 1::int AS one FROM pg_sleep(0.2)") for _ in range(3))
            )
        opened = {name: await _host_connections(admin, name) for name in clients}
        assert all(count >= 3 for count in opened.values()), opened
        # past pg-pool's own 10 s default; the short lifetime has long expired
        await asyncio.sleep(11.5)
        left = {name: await _host_connections(admin, name) for name in clients}
        assert left["idle_short"] == 0, left
        assert left["idle_default"] == opened["idle_default"], (opened, left)
        assert left["idle_never"] == opened["idle_never"], (opened, left)
        # the pool still serves after its connections were closed
        assert await clients["idle_short"].query_raw("SELECT 2::int AS two") == [{"two": 2}]
    finally:
        await admin.close()
        for client in clients.values():
            await client.disconnect()


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
