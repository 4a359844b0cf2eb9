"""A PostgreSQL restart drill (#14.6, "Faults"): callers in flight on every path, the server
restarted (fast shutdown or SIGKILL, then start on the same cluster and port), and for each
path what its callers got, how long the typed error took and how long until the same
objects worked again.

Shared by ``tests/integration/test_fault_postgres_restart.py`` (which asserts) and
``scripts/bench_faults.py`` (which prints the figures). Nothing here sleeps for a fixed
time: callers run until they fail, recovery is polled with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from prisma import Prisma

from domainlayer.client import connect_client
from domainlayer.coach.repository import AuthRepository
from domainlayer.database import EmbeddedPostgres
from domainlayer.errors import DatabaseUnavailableError
from domainlayer.madfam.repository import FeatureFlagRepository, LeadRepository
from domainlayer.pool import connect_pool
from domainlayer.repository import PoolSql
from domainlayer.toolchain import migrate_deploy

#: One call on a path; its argument is a number unique in the drill (for unique keys).
Operation = Callable[[int], Awaitable[object]]

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
#: The drill's database on its own server.
DATABASE = "faults"

#: Longest any one call may take before it counts as hung (a generous bound, not a speed test).
CALL_BOUND = 30.0
#: Longest the drill waits for a path to work again after the server is back.
RECOVERY_DEADLINE = 60.0


@dataclass
class PathOutcome:
    """What one path's callers saw."""

    path: str
    #: seconds from the start of the fault to each caller's typed error
    typed_errors: list[float] = field(default_factory=list)
    #: exceptions outside ``DatabaseUnavailableError`` ("Type: message")
    escaped: list[str] = field(default_factory=list)
    #: calls that gave no answer within :data:`CALL_BOUND`
    hung: int = 0
    #: callers whose calls all succeeded (the fault passed them by)
    untouched: int = 0
    #: seconds from the server accepting connections again to the first success on the same
    #: objects (None: not within :data:`RECOVERY_DEADLINE`)
    recovery: float | None = None
    #: the last error seen while polling for recovery, when it never came
    recovery_error: str | None = None
    #: a single long call (its recovery is its path's)
    slow: bool = False

    def summary(self) -> str:
        errors = sorted(self.typed_errors)
        p50 = f"{statistics.median(errors):.3f}" if errors else "-"
        worst = f"{errors[-1]:.3f}" if errors else "-"
        if self.slow:
            recovery = "(one long call)"
        else:
            recovery = f"{self.recovery:.3f} s" if self.recovery is not None else "never"
        return (
            f"{self.path:<28} typed errors {len(errors):>3}  to typed error p50 {p50} s "
            f"max {worst} s  to recovery {recovery}  escaped {len(self.escaped)} "
            f"hung {self.hung}"
        )


@dataclass
class DrillResult:
    outcomes: list[PathOutcome]
    #: seconds the restart itself took (stop or kill, then start)
    downtime: float


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


async def drill(
    restart: Callable[[], None],
    paths: Mapping[str, Operation],
    *,
    callers_per_path: int = 6,
    slow: Mapping[str, Operation] | None = None,
) -> DrillResult:
    """Run ``callers_per_path`` looping callers on every path, then ``restart()`` (in a
    thread, so the loop keeps serving), and collect what every caller got.

    ``slow`` maps path names to calls that take far longer than the restart (a
    ``pg_sleep``): started before the fault, each must end in a typed error. Every path
    must answer once before the fault (a warm-up that also opens its connections).
    """
    counter = iter(range(1, 10**9))
    for operation in paths.values():
        await asyncio.wait_for(operation(next(counter)), CALL_BOUND)
    outcomes = {name: PathOutcome(name) for name in {**paths, **(slow or {})}}
    fault_started = asyncio.Event()
    server_back = asyncio.Event()
    started_at = 0.0

    async def record(outcome: PathOutcome, call: Awaitable[object]) -> bool:
        """True when the call failed (the caller stops)."""
        try:
            await asyncio.wait_for(call, CALL_BOUND)
        except TimeoutError:
            outcome.hung += 1
            return True
        except DatabaseUnavailableError:
            outcome.typed_errors.append(time.monotonic() - started_at)
            return True
        except Exception as exc:  # every other outcome is reported as escaped
            outcome.escaped.append(_describe(exc))
            return True
        return False

    async def looping(name: str, operation: Operation) -> None:
        outcome = outcomes[name]
        while not server_back.is_set():
            if await record(outcome, operation(next(counter))):
                if not fault_started.is_set():
                    # a failure before the fault is the path's own bug, not the fault's
                    outcome.escaped.append("failed before the fault")
                return
        outcome.untouched += 1

    async def sleeping(name: str, operation: Operation) -> None:
        outcome = outcomes[name]
        if not await record(outcome, operation(next(counter))):
            outcome.escaped.append("a call in flight through the restart succeeded")

    tasks = [
        asyncio.create_task(looping(name, operation))
        for name, operation in paths.items()
        for _ in range(callers_per_path)
    ]
    tasks += [asyncio.create_task(sleeping(name, op)) for name, op in (slow or {}).items()]
    # let every caller get a call in flight (each path answered once already)
    for _ in range(5):
        await asyncio.sleep(0)
    started_at = time.monotonic()
    fault_started.set()
    try:
        await asyncio.to_thread(restart)
    finally:
        back_at = time.monotonic()
        server_back.set()
        await asyncio.wait_for(asyncio.gather(*tasks), CALL_BOUND * 2)

    async def recover(name: str, operation: Operation) -> None:
        outcome = outcomes[name]
        deadline = back_at + RECOVERY_DEADLINE
        while True:
            try:
                await asyncio.wait_for(operation(next(counter)), CALL_BOUND)
            except Exception as exc:  # polled until it works or the deadline passes
                outcome.recovery_error = _describe(exc)
                if time.monotonic() > deadline:
                    return
                await asyncio.sleep(0.05)
                continue
            outcome.recovery = time.monotonic() - back_at
            outcome.recovery_error = None
            return

    await asyncio.gather(*(recover(name, operation) for name, operation in paths.items()))
    for name in slow or {}:
        outcomes[name].slow = True
    return DrillResult(list(outcomes.values()), back_at - started_at)


@contextlib.contextmanager
def own_server() -> Iterator[EmbeddedPostgres]:
    """A migrated PostgreSQL of the drill's own (database :data:`DATABASE`), removed after.

    Its folder is not under pytest's temporary root: a concurrent pytest run resets that
    root to mode 0700, and the server's OS user (as root: ``embedded_postgres``) could no
    longer reach its cluster to stop or start it."""
    folder = Path(tempfile.mkdtemp(prefix="domainlayer-restart-"))
    server = EmbeddedPostgres(folder / "pg")
    try:
        server.ensure_running()
        server.create_database(DATABASE)
        migrate_deploy(server.url(DATABASE))
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Paths:
    client: Prisma
    pool: asyncpg.Pool
    engine_pid: int

    def operations(self, lead_ids: list[str]) -> dict[str, Operation]:
        """Every path, each through objects built once, before the fault."""
        client_auth = AuthRepository(self.client)
        pool_auth = AuthRepository(self.client, pool=self.pool)
        leads = LeadRepository(self.client)
        flags = FeatureFlagRepository(self.client)
        pool_sql = PoolSql(self.pool)
        statuses = ("CONTACTED", "QUALIFIED", "NEW")
        run = secrets.token_hex(4)  # rate-limit keys of this drill's own (5 codes a day each)

        async def coach_client(n: int) -> object:
            return await client_auth.issue_code(f"skool-c{run}-{n}", "Ana", NOW)

        async def madfam_unit_of_work(n: int) -> object:
            return await leads.change_status(lead_ids[n % len(lead_ids)], statuses[n % 3])

        async def madfam_model(n: int) -> object:
            return await flags.enabled_for(f"u{n}", environment="prod")

        async def client_raw(n: int) -> object:
            return await self.client.query_raw("SELECT pg_sleep(0.02)::text AS slept, $1 AS n", n)

        async def coach_pool(n: int) -> object:
            return await pool_auth.issue_code(f"skool-p{run}-{n}", "Ana", NOW)

        async def pool_raw(n: int) -> object:
            return await pool_sql.fetchrow("SELECT pg_sleep(0.02)::text AS slept, $1::int AS n", n)

        return {
            "client: coach repository": coach_client,
            "client: madfam unit of work": madfam_unit_of_work,
            "client: madfam model query": madfam_model,
            "client: raw SQL": client_raw,
            "pool: coach repository": coach_pool,
            "pool: raw SQL": pool_raw,
        }

    def slow(self) -> dict[str, Operation]:
        """One long statement per path, sure to be running when the server goes down."""

        async def client_sleep(n: int) -> object:
            return await self.client.query_raw("SELECT pg_sleep(600)::text AS slept")

        async def pool_sleep(n: int) -> object:
            return await PoolSql(self.pool).fetchrow("SELECT pg_sleep(600)::text AS slept")

        return {
            "client: 10-minute statement": client_sleep,
            "pool: 10-minute statement": pool_sleep,
        }


@contextlib.asynccontextmanager
async def connected(server: EmbeddedPostgres) -> AsyncIterator[Paths]:
    """A client (pool of 10) and an asyncpg pool (10) on the drill's database."""
    url = server.url(DATABASE)
    client = await connect_client(f"{url}?connection_limit=10")
    pool = await connect_pool(url, size=10)
    try:
        pid = client._engine.process.pid  # type: ignore[attr-defined]
        yield Paths(client, pool, pid)
    finally:
        await pool.close()
        if client.is_connected():
            await client.disconnect()


async def create_leads(client: Prisma, count: int) -> list[str]:
    """``count`` leads for the unit-of-work path (one per caller: no lock waits)."""
    repository = LeadRepository(client)
    return [
        (await repository.create_lead(email=f"lead{n}@corp.example", tier="L1_ESSENTIALS")).id
        for n in range(count)
    ]
