"""``python -m domainlayer.jobs`` as cron would run it: separate processes, real signals.

Two processes of one job at once (the second exits 75 while the first holds the lock),
the email worker drained by SIGTERM, and a worker killed outright whose emails a second
worker sends once their lease has run out (each attempt counted once).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

from domainlayer.jobs.lock import lock_key
from domainlayer.settings import PROJECT_ROOT
from tests.support.processes import run


def _sent_files(folder: Path) -> list[str]:
    """The email ids a folder transport has written (one ``<id>.eml`` each)."""
    return [p.stem for p in folder.glob("*.eml")]


JOBS = [sys.executable, "-m", "domainlayer.jobs"]
LATE = ["--now", "2026-12-28T12:00Z", "--allow-clock-skew"]


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*JOBS, *args],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def _until(predicate: Callable[[], Awaitable[bool]], *, seconds: float = 180.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def _wait(process: subprocess.Popen[str], seconds: float = 180.0) -> tuple[str, str]:
    return await asyncio.to_thread(process.communicate, timeout=seconds)


def test_help_lists_every_job_and_the_exit_codes() -> None:
    result = run([*JOBS, "--help"], timeout=120)
    assert result.returncode == 0
    for job in (
        "coach-expired-sessions",
        "coach-expired-auth-codes",
        "coach-archive-sessions",
        "churn-retention",
        "madfam-email-worker",
    ):
        assert job in result.stdout
    assert "75 already running" in result.stdout.replace("\n", " ")
    bad = run([*JOBS, "churn-retention", "--batch-size", "-1"], timeout=120)
    assert bad.returncode == 2 and "usage:" in bad.stderr


async def test_a_second_process_of_a_running_job_exits_75(seeded_database_url: str) -> None:
    db = await asyncpg.connect(seeded_database_url)
    namespace, key = lock_key("coach-archive-sessions")
    try:

        async def held() -> bool:
            return bool(
                await db.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND objsubid = 2 AND classid = ($1::bigint & 4294967295)::oid "
                    "AND objid = ($2::bigint & 4294967295)::oid",
                    namespace,
                    key,
                )
            )

        args = ["--database-url", seeded_database_url, "--batch-size", "1", "--json", *LATE]
        first = _start("coach-archive-sessions", *args)
        try:
            await _until(held)
            second = await asyncio.to_thread(
                run, [*JOBS, "coach-archive-sessions", *args], timeout=300
            )
            assert first.poll() is None, "the first run ended before the second one started"
            assert second.returncode == 75
            assert "coach-archive-sessions is already running" in second.stderr
            assert second.stdout == ""
            out, _ = await _wait(first)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == 0
        report = json.loads(out)
        moved = {c["table"]: c["rows"] for c in report["counts"]}
        assert moved['coach."Session"'] == 636 and moved['coach."SessionArchive"'] == 636
        assert await db.fetchval('SELECT count(*) FROM coach."SessionArchive"') == 636
        assert await db.fetchval('SELECT count(*) FROM coach."Session"') == 0
    finally:
        await db.close()


async def _enqueue(db: asyncpg.Connection, n: int) -> None:
    await db.executemany(
        'INSERT INTO madfam."EmailQueue" (id, "to", subject, template, data, "createdAt", '
        "\"updatedAt\") VALUES ($1, $2::jsonb, $3, 'follow_up', $4::jsonb, "
        "now() AT TIME ZONE 'UTC' + $5 * interval '1 ms', now() AT TIME ZONE 'UTC')",
        [
            (f"e{i:03}", json.dumps([f"u{i}@example.com"]), f"s{i}", json.dumps({"i": i}), i)
            for i in range(n)
        ],
    )


async def test_sigterm_drains_the_worker(
    database_url: str, db: asyncpg.Connection, tmp_path: Path
) -> None:
    await _enqueue(db, 30)
    worker = _start(
        "madfam-email-worker",
        "--database-url",
        database_url,
        "--transport",
        f"folder:{tmp_path}",
        "--batch-size",
        "10",
        "--send-delay",
        "0.3",
    )
    try:

        async def sending() -> bool:
            assert worker.poll() is None, worker.communicate()
            return len(_sent_files(tmp_path)) >= 3

        await _until(sending)
        worker.send_signal(signal.SIGTERM)
        out, err = await _wait(worker, 60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    rows = await db.fetch('SELECT id, status, attempts, "claimedBy" FROM madfam."EmailQueue"')
    sent = {r["id"] for r in rows if r["status"] == "sent"}
    assert sent == set(_sent_files(tmp_path))
    assert 3 <= len(sent) < 30
    assert {r["status"] for r in rows} == {"sent", "pending"}  # nothing left `sending`
    assert {r["attempts"] for r in rows if r["status"] == "pending"} == {0}
    assert all(r["claimedBy"] is None for r in rows)
    assert f"{len(sent):>10,}" in out and "released unsent" in out


async def test_a_killed_workers_emails_are_sent_by_the_next_worker_after_the_lease(
    database_url: str, db: asyncpg.Connection, tmp_path: Path
) -> None:
    await _enqueue(db, 8)
    common = ["--database-url", database_url, "--transport", f"folder:{tmp_path}"]
    doomed = _start(
        "madfam-email-worker",
        *common,
        "--batch-size",
        "5",
        "--lease-seconds",
        "2",
        "--send-delay",
        "600",
    )
    try:

        async def holding() -> bool:
            assert doomed.poll() is None, doomed.communicate()
            n = await db.fetchval(
                "SELECT count(*) FROM madfam.\"EmailQueue\" WHERE status = 'sending'"
            )
            return bool(n == 5)

        await _until(holding)
    finally:
        os.kill(doomed.pid, signal.SIGKILL)
        await _wait(doomed, 60)
    held = {
        r["id"]
        for r in await db.fetch("SELECT id FROM madfam.\"EmailQueue\" WHERE status = 'sending'")
    }
    result = await asyncio.to_thread(
        run,
        [*JOBS, "madfam-email-worker", *common, "--once", "--poll-interval", "0.2", "--json"],
        timeout=300,
    )

    # --once exits when nothing is claimable; the held emails may still be leased then, so
    # run until every email is sent (the lease is 2 s).
    async def all_sent() -> bool:
        left = await db.fetchval(
            "SELECT count(*) FROM madfam.\"EmailQueue\" WHERE status <> 'sent'"
        )
        if left:
            again = await asyncio.to_thread(
                run, [*JOBS, "madfam-email-worker", *common, "--once"], timeout=300
            )
            assert again.returncode == 0, again.stderr
        return not left

    assert result.returncode == 0, result.stderr
    await _until(all_sent, seconds=600)
    rows = {
        r["id"]: r["attempts"]
        for r in await db.fetch('SELECT id, attempts FROM madfam."EmailQueue"')
    }
    assert {rows[i] for i in held} == {2}  # the killed worker's attempt, once, and the send
    assert {rows[i] for i in rows if i not in held} == {1}
    assert sorted(_sent_files(tmp_path)) == sorted(rows)
