"""One PostgreSQL advisory lock per job, so that two runs of a job never overlap.

Why the database and not a lock file: the runs may start on different hosts (two cron
machines, a scheduler that retries), and only the database is shared by all of them. The
lock is session-level, held on a connection of its own for the whole run, so it is released
when the run ends, and also when its process dies (the server closes the session).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import asyncpg

from domainlayer.errors import ConflictError

__all__ = ["AlreadyRunning", "job_lock", "lock_key"]

# Two-key form (int4, int4): its own key space, apart from the seed's bigint locks.
_NAMESPACE: Final = int.from_bytes(
    hashlib.sha256(b"domainlayer.jobs").digest()[:4], "big", signed=True
)


class AlreadyRunning(ConflictError):
    """Another run of the job holds its lock (and this one was not told to wait)."""


def lock_key(job: str) -> tuple[int, int]:
    """The job's advisory lock: the same pair in every process and on every host."""
    digest = hashlib.sha256(job.encode()).digest()
    return _NAMESPACE, int.from_bytes(digest[:4], "big", signed=True)


@asynccontextmanager
async def job_lock(
    connection: asyncpg.Connection, job: str, *, wait: float | None = None
) -> AsyncIterator[None]:
    """Hold ``job``'s lock on ``connection`` for the block.

    ``wait=None`` tries once and raises :class:`AlreadyRunning` if another run holds it;
    a number of seconds waits that long (``math.inf``: as long as it takes) first.
    """
    namespace, key = lock_key(job)
    if wait is None:
        got = await connection.fetchval("SELECT pg_try_advisory_lock($1, $2)", namespace, key)
    else:
        timeout_ms = 0 if math.isinf(wait) else max(1, int(wait * 1000))
        await connection.execute(f"SET lock_timeout = {timeout_ms}")
        try:
            await connection.execute("SELECT pg_advisory_lock($1, $2)", namespace, key)
            got = True
        except asyncpg.LockNotAvailableError:
            got = False
        finally:
            await connection.execute("RESET lock_timeout")
    if not got:
        waited = "" if wait is None else f" (waited {wait:g} s)"
        raise AlreadyRunning(f"{job} is already running{waited}")
    try:
        yield
    finally:
        if not connection.is_closed():
            await connection.execute("SELECT pg_advisory_unlock($1, $2)", namespace, key)
