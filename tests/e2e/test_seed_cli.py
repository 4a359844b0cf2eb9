"""`python -m seed` as an operator runs it."""

from __future__ import annotations

import subprocess
import sys

import asyncpg

from tests.support.processes import run


def _seed(*args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "seed", *args])


def test_bad_arguments_exit_2_with_usage() -> None:
    done = _seed("--no-such-flag")
    assert done.returncode == 2
    assert "usage:" in done.stderr


def test_an_unknown_domain_exits_2() -> None:
    done = _seed("--domain", "nope")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


async def test_seed_migrates_an_empty_database(empty_database_url: str) -> None:
    done = _seed("--database-url", empty_database_url)
    assert done.returncode == 0, done.stderr
    conn = await asyncpg.connect(empty_database_url)
    try:
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ANY($1::text[])",
            ["airbar", "churn", "travel", "coach", "madfam"],
        )
    finally:
        await conn.close()
    assert tables == 6 + 8 + 17 + 12 + 11


def test_an_unreachable_database_exits_1_with_a_clear_message() -> None:
    done = _seed("--database-url", "postgresql://nobody@127.0.0.1:9/none?connect_timeout=2")
    assert done.returncode == 1
    assert "seed: error:" in done.stderr
    assert "Can't reach database server" in done.stderr
