"""Benchmark: our client against its peers, on the same rows, interleaved in one run.

Contenders, each with a pool of 10 connections, on one scratch database:
  ours        Prisma Client Python, as ``domainlayer.client.connect_client(url)`` makes it
              (whatever engine and transport that module chooses today);
  sqlalchemy  SQLAlchemy 2 async ORM on asyncpg (the include by ``selectinload``, and once
              more by ``joinedload``);
  tortoise    Tortoise ORM on asyncpg;
  asyncpg     raw asyncpg, the floor every ratio is taken against;
  node        Prisma's own Node client 6.19 (``engineType = "client"`` on @prisma/adapter-pg),
              a Node child process (bench/node-client/runner.mjs) driven over stdin/stdout.

Workloads: find by id; insert one row; find_many take=100 with the 1:1 profile; update by
id; count with a where; an interactive transaction with two writes; 50 concurrent tasks
doing find by id (ops/s and p95). Each round runs every contender a batch of each
workload in turn (the starting contender rotates); a run is ``--rounds`` rounds, and runs
repeat until two consecutive runs agree within 10 % on every ratio (or ``--max-runs``).
The figures printed are those two runs pooled.

    .venv/bin/python scripts/bench_peers.py [--quick] [--rounds N] [--max-runs N] [--check]

SQLAlchemy and Tortoise are benchmark-only dependencies:
    .venv/bin/pip install -r requirements-bench.lock
The Node contender is installed on first use (``npm ci --ignore-scripts`` in
bench/node-client) and its client generated offline from a copy of schema.prisma.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import importlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from domainlayer.database import resolve_database_url
from domainlayer.settings import PROJECT_ROOT, get_settings
from domainlayer.testing import create_isolated_database, database_name, drop_database
from domainlayer.toolchain import migrate_deploy

_MISSING_BENCH_DEPS = (
    "SQLAlchemy and Tortoise ORM are benchmark-only dependencies; install them with\n"
    "    .venv/bin/pip install -r requirements-bench.lock\n"
    "(or `pip install -e '.[bench]'` for version ranges instead of exact pins)"
)
try:
    import sqlalchemy as sa
    import tortoise
    from sqlalchemy.dialects.postgresql import ARRAY, JSONB
    from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
    from sqlalchemy.orm import (
        DeclarativeBase,
        Mapped,
        joinedload,
        mapped_column,
        relationship,
        selectinload,
    )
    from tortoise import Tortoise
    from tortoise import fields as tfields
    from tortoise.contrib.postgres.fields import ArrayField
    from tortoise.models import Model as TortoiseModel
    from tortoise.transactions import in_transaction
except ImportError as exc:  # pragma: no cover - depends on the environment
    print(f"bench_peers: {exc}\n{_MISSING_BENCH_DEPS}", file=sys.stderr)
    sys.exit(2)

POOL_SIZE = 10
TASKS = 50
#: A batch stops early once its time budget is spent, but never before this many calls.
MIN_CALLS = 5
NODE_DIR = PROJECT_ROOT / "bench" / "node-client"

OPS = ("find", "insert", "find_many", "update", "count", "tx", "concurrent")
OP_LABELS = {
    "find": "find by id",
    "insert": "insert one row",
    "find_many": "find_many take=100 + 1:1 include",
    "update": "update by id",
    "count": "count with where",
    "tx": "interactive transaction, two writes",
    "concurrent": f"{TASKS} concurrent tasks, find by id",
    "find_many_joined": "find_many take=100 + include (joinedload)",
}
CONTENDERS = ("ours", "sqlalchemy", "tortoise", "asyncpg", "node")
AGREEMENT = 0.10


# --------------------------------------------------------------------------------------------
# The models of the two ORMs: coach."User" and coach."Profile", every column (checked against
# the migrated table at start, see _check_models).
# --------------------------------------------------------------------------------------------


def _naive_utc_now() -> dt.datetime:
    """Now in UTC, naive: the columns are TIMESTAMP(3) without time zone, as Prisma writes."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class _SaBase(DeclarativeBase):
    pass


class SaUser(_SaBase):
    __tablename__ = "User"
    __table_args__ = {"schema": "coach"}  # noqa: RUF012 - SQLAlchemy's declarative attribute

    id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    googleId: Mapped[str] = mapped_column(sa.Text, unique=True)
    email: Mapped[str] = mapped_column(sa.Text, unique=True)
    displayName: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[str] = mapped_column(sa.Text, server_default="client")
    skoolUltraEmail: Mapped[str | None] = mapped_column(sa.Text)
    skoolVagusEmail: Mapped[str | None] = mapped_column(sa.Text)
    ultraSubscriptionStatus: Mapped[str | None] = mapped_column(sa.Text)
    vagusSubscriptionStatus: Mapped[str | None] = mapped_column(sa.Text)
    lastSkoolSync: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    membershipEndDate: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    membershipWarningShown: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    skoolProfileUrl: Mapped[str | None] = mapped_column(sa.Text)
    skoolProfilePhotoUrl: Mapped[str | None] = mapped_column(sa.Text)
    profilePhotoPath: Mapped[str | None] = mapped_column(sa.Text)
    skoolBio: Mapped[str | None] = mapped_column(sa.Text)
    skoolJoinedDate: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    lastPhotoSync: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    isAvailable: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    coachLevel: Mapped[int | None] = mapped_column(sa.Integer)
    coachName: Mapped[str | None] = mapped_column(sa.Text)
    deletedAt: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    createdAt: Mapped[dt.datetime] = mapped_column(sa.DateTime, server_default=sa.func.now())
    updatedAt: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, default=sa.func.now(), onupdate=sa.func.now()
    )

    profile: Mapped[SaProfile | None] = relationship(back_populates="user", uselist=False)


class SaProfile(_SaBase):
    __tablename__ = "Profile"
    __table_args__ = {"schema": "coach"}  # noqa: RUF012

    id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    userId: Mapped[str] = mapped_column(sa.ForeignKey("coach.User.id"), unique=True)
    bioJson: Mapped[Any | None] = mapped_column(JSONB)
    clientFacts: Mapped[list[str] | None] = mapped_column(ARRAY(sa.Text))
    challenges: Mapped[list[str] | None] = mapped_column(ARRAY(sa.Text))
    preferences: Mapped[Any | None] = mapped_column(JSONB)
    lastSummary: Mapped[str | None] = mapped_column(sa.Text)
    contextNotes: Mapped[str | None] = mapped_column(sa.Text)
    onboardingCompleted: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    onboardingCompletedAt: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    intakeCoachingGoals: Mapped[str | None] = mapped_column(sa.Text)
    intakeSymptoms: Mapped[str | None] = mapped_column(sa.Text)
    intakeInitialMood: Mapped[int | None] = mapped_column(sa.Integer)

    user: Mapped[SaUser] = relationship(back_populates="profile")


class TUser(TortoiseModel):
    # TEXT columns: max_length only matters for schema generation, which never runs here.
    id = tfields.CharField(max_length=255, primary_key=True)
    googleId = tfields.CharField(max_length=255, unique=True)
    email = tfields.CharField(max_length=255, unique=True)
    displayName = tfields.TextField()
    role = tfields.TextField(default="client")
    skoolUltraEmail = tfields.TextField(null=True)
    skoolVagusEmail = tfields.TextField(null=True)
    ultraSubscriptionStatus = tfields.TextField(null=True)
    vagusSubscriptionStatus = tfields.TextField(null=True)
    lastSkoolSync = tfields.DatetimeField(null=True)
    membershipEndDate = tfields.DatetimeField(null=True)
    membershipWarningShown = tfields.BooleanField(default=False)
    skoolProfileUrl = tfields.TextField(null=True)
    skoolProfilePhotoUrl = tfields.TextField(null=True)
    profilePhotoPath = tfields.TextField(null=True)
    skoolBio = tfields.TextField(null=True)
    skoolJoinedDate = tfields.DatetimeField(null=True)
    lastPhotoSync = tfields.DatetimeField(null=True)
    isAvailable = tfields.BooleanField(default=False)
    coachLevel = tfields.IntField(null=True)
    coachName = tfields.TextField(null=True)
    deletedAt = tfields.DatetimeField(null=True)
    # Not auto_now(_add): Tortoise makes those aware, which asyncpg refuses for a column
    # without time zone; the same instant, naive, as Prisma writes it.
    createdAt = tfields.DatetimeField(default=_naive_utc_now)
    updatedAt = tfields.DatetimeField(default=_naive_utc_now)

    class Meta:
        table = "User"
        schema = "coach"


class TProfile(TortoiseModel):
    id = tfields.CharField(max_length=255, primary_key=True)
    user: Any = tfields.OneToOneField(
        "models.TUser", related_name="profile", source_field="userId", on_delete=tfields.CASCADE
    )
    bioJson = tfields.JSONField(null=True)
    clientFacts = ArrayField("text", null=True)
    challenges = ArrayField("text", null=True)
    preferences = tfields.JSONField(null=True)
    lastSummary = tfields.TextField(null=True)
    contextNotes = tfields.TextField(null=True)
    onboardingCompleted = tfields.BooleanField(default=False)
    onboardingCompletedAt = tfields.DatetimeField(null=True)
    intakeCoachingGoals = tfields.TextField(null=True)
    intakeSymptoms = tfields.TextField(null=True)
    intakeInitialMood = tfields.IntField(null=True)

    class Meta:
        table = "Profile"
        schema = "coach"


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------


@dataclass
class Batch:
    ms: list[float]
    elapsed_ms: float | None = None  # the wall time of a concurrent batch


@dataclass
class Samples:
    ms: list[float] = field(default_factory=list)
    elapsed_ms: float = 0.0

    def add(self, batch: Batch) -> None:
        self.ms.extend(batch.ms)
        self.elapsed_ms += batch.elapsed_ms or 0.0

    def merged(self, other: Samples) -> Samples:
        return Samples(self.ms + other.ms, self.elapsed_ms + other.elapsed_ms)

    def p(self, q: int) -> float:
        if len(self.ms) < 2:
            return self.ms[0] if self.ms else float("nan")
        return statistics.quantiles(self.ms, n=100, method="inclusive")[q - 1]

    @property
    def ops_per_s(self) -> float:
        return len(self.ms) / self.elapsed_ms * 1000 if self.elapsed_ms else float("nan")


Results = dict[str, dict[str, Samples]]  # contender -> op -> samples


async def _sequential(
    fn: Callable[[str], Awaitable[Any]], ids: list[str], budget_s: float
) -> Batch:
    """One call per id, in turn; stops early once ``budget_s`` is spent (after MIN_CALLS)."""
    ms = []
    deadline = time.perf_counter() + budget_s
    for key in ids:
        started = time.perf_counter()
        await fn(key)
        ms.append((time.perf_counter() - started) * 1000)
        if len(ms) >= MIN_CALLS and time.perf_counter() > deadline:
            break
    return Batch(ms)


async def _concurrent(
    fn: Callable[[str], Awaitable[Any]], ids: list[str], tasks: int, budget_s: float
) -> Batch:
    """``tasks`` tasks sharing the ids; none takes a new id once ``budget_s`` is spent (after
    ``tasks`` calls have started), so ops/s is calls completed over the wall time."""
    ms: list[float] = []
    pending = iter(ids)  # shared by the tasks: next() never yields to the event loop
    begun = 0
    deadline = time.perf_counter() + budget_s

    async def worker() -> None:
        nonlocal begun
        for key in pending:
            started = time.perf_counter()
            if begun >= tasks and started > deadline:
                return
            begun += 1
            await fn(key)
            ms.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    return Batch(ms, (time.perf_counter() - started) * 1000)


class Contender:
    name = ""
    label = ""

    async def start(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    def operations(self) -> dict[str, Callable[[str], Awaitable[Any]]]:
        raise NotImplementedError

    async def batch(self, op: str, ids: list[str], budget_s: float) -> Batch:
        ops = self.operations()
        if op == "concurrent":
            return await _concurrent(ops["find"], ids, TASKS, budget_s)
        return await _sequential(ops[op], ids, budget_s)


class Ours(Contender):
    name, label = "ours", "ours (Prisma Client Python)"

    def __init__(self, url: str) -> None:
        self.url = url
        self.client: Any = None
        self.counter = 0

    async def start(self) -> None:
        # Imported here: the generated client takes seconds to import, --help should not.
        from domainlayer.client import connect_client

        self.client = await connect_client(self.url)

    async def close(self) -> None:
        if self.client is not None and self.client.is_connected():
            await self.client.disconnect()

    def operations(self) -> dict[str, Callable[[str], Awaitable[Any]]]:
        client = self.client

        async def find(key: str) -> Any:
            return await client.coachuser.find_unique(where={"id": key})

        async def insert(key: str) -> Any:
            return await client.coachuser.create(
                data={"id": key, "googleId": key, "email": f"{key}@example.com", "displayName": key}
            )

        async def find_many(_: str) -> Any:
            return await client.coachuser.find_many(
                take=100, order={"id": "asc"}, include={"profile": True}
            )

        async def update(key: str) -> Any:
            self.counter += 1
            return await client.coachuser.update(
                where={"id": key}, data={"displayName": f"ours-{self.counter}"}
            )

        async def count(_: str) -> Any:
            return await client.coachuser.count(where={"role": "coach"})

        async def tx(key: str) -> None:
            self.counter += 1
            async with client.tx() as transaction:
                await transaction.coachuser.update(
                    where={"id": key}, data={"displayName": f"ours-{self.counter}"}
                )
                await transaction.coachprofile.update(
                    where={"userId": key}, data={"lastSummary": f"ours-{self.counter}"}
                )

        return {"find": find, "insert": insert, "find_many": find_many, "update": update,
                "count": count, "tx": tx}  # fmt: skip

    def engine_pids(self) -> list[int]:
        """The pid(s) the client's engine runs in, as the client keeps them (may be none)."""
        engine = getattr(self.client, "_engine", None)
        pids = []
        for attr in ("process", "_process", "proc"):
            pid = getattr(getattr(engine, attr, None), "pid", None)
            if isinstance(pid, int):
                pids.append(pid)
        return pids


class Asyncpg(Contender):
    name, label = "asyncpg", "raw asyncpg"

    def __init__(self, url: str) -> None:
        self.url = url
        self.pool: Any = None

    async def start(self) -> None:
        self.pool = await asyncpg.create_pool(self.url, min_size=POOL_SIZE, max_size=POOL_SIZE)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    def operations(self) -> dict[str, Callable[[str], Awaitable[Any]]]:
        pool = self.pool
        counter = iter(range(1, 1 << 62))

        async def find(key: str) -> Any:
            return await pool.fetchrow('SELECT * FROM coach."User" WHERE id = $1', key)

        async def insert(key: str) -> Any:
            return await pool.fetchrow(
                'INSERT INTO coach."User" (id, "googleId", email, "displayName", "updatedAt") '
                "VALUES ($1, $1, $1 || '@example.com', $1, now()) RETURNING *",
                key,
            )

        async def find_many(_: str) -> Any:
            # What Prisma does for an include: the page, then its profiles by key.
            async with pool.acquire() as conn:
                users = await conn.fetch('SELECT * FROM coach."User" ORDER BY id LIMIT 100')
                profiles = await conn.fetch(
                    'SELECT * FROM coach."Profile" WHERE "userId" = ANY($1::text[])',
                    [u["id"] for u in users],
                )
            by_user = {p["userId"]: p for p in profiles}
            return [(u, by_user.get(u["id"])) for u in users]

        async def update(key: str) -> Any:
            return await pool.fetchrow(
                'UPDATE coach."User" SET "displayName" = $2, "updatedAt" = now() '
                "WHERE id = $1 RETURNING *",
                key,
                f"asyncpg-{next(counter)}",
            )

        async def count(_: str) -> Any:
            return await pool.fetchval('SELECT count(*) FROM coach."User" WHERE role = $1', "coach")

        async def tx(key: str) -> None:
            n = next(counter)
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    'UPDATE coach."User" SET "displayName" = $2, "updatedAt" = now() WHERE id = $1',
                    key,
                    f"asyncpg-{n}",
                )
                await conn.execute(
                    'UPDATE coach."Profile" SET "lastSummary" = $2 WHERE "userId" = $1',
                    key,
                    f"asyncpg-{n}",
                )

        return {"find": find, "insert": insert, "find_many": find_many, "update": update,
                "count": count, "tx": tx}  # fmt: skip


class SqlAlchemy(Contender):
    name, label = "sqlalchemy", f"SQLAlchemy {sa.__version__} async ORM"

    def __init__(self, url: str) -> None:
        self.url = url.replace("postgresql://", "postgresql+asyncpg://", 1)
        self.engine: AsyncEngine | None = None

    async def start(self) -> None:
        self.engine = create_async_engine(self.url, pool_size=POOL_SIZE, max_overflow=0)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()

    def operations(self) -> dict[str, Callable[[str], Awaitable[Any]]]:
        sessions = self.sessions
        counter = iter(range(1, 1 << 62))

        async def find(key: str) -> Any:
            async with sessions() as session:
                return await session.get(SaUser, key)

        async def insert(key: str) -> Any:
            user = SaUser(id=key, googleId=key, email=f"{key}@example.com", displayName=key)
            async with sessions.begin() as session:
                session.add(user)
            return user

        def include(loader: Any) -> Callable[[str], Awaitable[Any]]:
            async def find_many(_: str) -> Any:
                statement = sa.select(SaUser).order_by(SaUser.id).limit(100)
                async with sessions() as session:
                    return (await session.scalars(statement.options(loader))).unique().all()

            return find_many

        async def update(key: str) -> Any:
            statement = (
                sa.update(SaUser)
                .where(SaUser.id == key)
                .values(displayName=f"sqlalchemy-{next(counter)}")
                .returning(SaUser)
            )
            async with sessions.begin() as session:
                return (await session.scalars(statement)).one()

        async def count(_: str) -> Any:
            statement = sa.select(sa.func.count()).select_from(SaUser).where(SaUser.role == "coach")
            async with sessions() as session:
                return await session.scalar(statement)

        async def tx(key: str) -> None:
            n = next(counter)
            async with sessions.begin() as session:
                await session.execute(
                    sa.update(SaUser).where(SaUser.id == key).values(displayName=f"sqlalchemy-{n}")
                )
                await session.execute(
                    sa.update(SaProfile)
                    .where(SaProfile.userId == key)
                    .values(lastSummary=f"sqlalchemy-{n}")
                )

        return {"find": find, "insert": insert, "find_many": include(selectinload(SaUser.profile)),
                "find_many_joined": include(joinedload(SaUser.profile)), "update": update,
                "count": count, "tx": tx}  # fmt: skip


class Tortoise_(Contender):
    name, label = "tortoise", f"Tortoise ORM {tortoise.__version__}"

    def __init__(self, url: str) -> None:
        self.url = url

    async def start(self) -> None:
        parts = urlsplit(self.url)
        credentials = {
            "host": parts.hostname or "localhost",
            "port": parts.port or 5432,
            "user": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "database": database_name(self.url),
            "minsize": POOL_SIZE,
            "maxsize": POOL_SIZE,
        }
        await Tortoise.init(
            config={
                "connections": {
                    "default": {"engine": "tortoise.backends.asyncpg", "credentials": credentials}
                },
                "apps": {"models": {"models": [__name__], "default_connection": "default"}},
                "use_tz": False,
                "timezone": "UTC",
            }
        )

    async def close(self) -> None:
        await Tortoise.close_connections()

    def operations(self) -> dict[str, Callable[[str], Awaitable[Any]]]:
        counter = iter(range(1, 1 << 62))

        async def find(key: str) -> Any:
            return await TUser.get(id=key)

        async def insert(key: str) -> Any:
            return await TUser.create(
                id=key, googleId=key, email=f"{key}@example.com", displayName=key
            )

        async def find_many(_: str) -> Any:
            return await TUser.all().order_by("id").limit(100).prefetch_related("profile")

        async def update(key: str) -> Any:
            return await TUser.filter(id=key).update(
                displayName=f"tortoise-{next(counter)}", updatedAt=_naive_utc_now()
            )

        async def count(_: str) -> Any:
            return await TUser.filter(role="coach").count()

        async def tx(key: str) -> None:
            n = next(counter)
            async with in_transaction() as conn:
                await (
                    TUser.filter(id=key)
                    .using_db(conn)
                    .update(displayName=f"tortoise-{n}", updatedAt=_naive_utc_now())
                )
                await (
                    TProfile.filter(user_id=key).using_db(conn).update(lastSummary=f"tortoise-{n}")
                )

        return {"find": find, "insert": insert, "find_many": find_many, "update": update,
                "count": count, "tx": tx}  # fmt: skip


class LineChild:
    """A child process driven by JSON lines: one command per line on its stdin, one answer
    per line on its stdout (``{"ready": true}`` first, ``{"error": ...}`` for a failure)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.process: asyncio.subprocess.Process | None = None

    async def spawn(self, *command: str, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *command,
            cwd=cwd,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
            limit=1 << 22,
        )
        ready = await self._read()
        if not ready.get("ready"):
            raise RuntimeError(f"{self.what} did not start: {ready}")

    async def _read(self) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.what} exited (see its output above)")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{self.what} failed: {answer['error']}")
        return answer

    async def command(self, **command: Any) -> dict[str, Any]:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()
        return await self._read()

    async def close(self) -> None:
        """Ask the child to quit (no answer awaited); killed after 10 s."""
        process = self.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(Exception):
            assert process.stdin is not None
            process.stdin.write(b'{"op": "quit"}\n')
            await process.stdin.drain()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


class Node(Contender):
    name, label = "node", "Prisma Node client"

    def __init__(self, url: str, node: str) -> None:
        self.url = url
        self.node = node
        self.child = LineChild("the Node contender")
        self.label = f"Prisma Node client {_node_client_version()}"

    @property
    def process(self) -> asyncio.subprocess.Process | None:
        return self.child.process

    async def start(self) -> None:
        await self.child.spawn(
            self.node,
            str(NODE_DIR / "runner.mjs"),
            self.url,
            str(POOL_SIZE),
            cwd=NODE_DIR,
            env={**os.environ, "DATABASE_URL": self.url},
        )

    async def command(self, **command: Any) -> dict[str, Any]:
        return await self.child.command(**command)

    async def batch(self, op: str, ids: list[str], budget_s: float) -> Batch:
        answer = await self.command(
            op=op, ids=ids, tasks=TASKS, budget_ms=budget_s * 1000, min_calls=MIN_CALLS
        )
        return Batch(answer["ms"], answer.get("elapsed_ms"))

    async def close(self) -> None:
        await self.child.close()


# --------------------------------------------------------------------------------------------
# The Node contender: install (npm ci) and generate (offline) on first use
# --------------------------------------------------------------------------------------------


def _node_client_version() -> str:
    package = NODE_DIR / "node_modules" / "@prisma" / "client" / "package.json"
    try:
        return str(json.loads(package.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "?"


def _digest(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    if shutil.which(command[0]) is None:
        raise SystemExit(f"bench_peers: {command[0]!r} not found; {what} needs it")
    try:
        done = subprocess.run(
            command, cwd=NODE_DIR, env=env, capture_output=True, text=True, check=False, timeout=600
        )
    except subprocess.TimeoutExpired as exc:
        raise SystemExit(f"bench_peers: {what} timed out after {exc.timeout:.0f} s") from exc
    if done.returncode != 0:
        raise SystemExit(
            f"bench_peers: {what} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
        )


def _node_schema() -> str:
    """schema.prisma with its generator swapped for Prisma's JS client on the query compiler."""
    schema = (PROJECT_ROOT / "schema.prisma").read_text()
    generator = (
        'generator client {\n  provider   = "prisma-client-js"\n'
        '  engineType = "client"\n  output     = "client"\n}'
    )
    swapped, count = re.subn(r"generator client \{.*?\n\}", generator, schema, count=1, flags=re.S)
    if count != 1:
        raise SystemExit("bench_peers: no `generator client { ... }` block in schema.prisma")
    return swapped


def prepare_node_client(node: str) -> None:
    """``npm ci`` bench/node-client when its lock changed; regenerate when the schema did."""
    lock = (NODE_DIR / "package-lock.json").read_bytes()
    installed = NODE_DIR / "node_modules" / ".bench-lock-sha256"
    if not installed.is_file() or installed.read_text() != _digest(lock):
        _progress("installing the Node contender (npm ci --ignore-scripts in bench/node-client)")
        _run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            "npm ci",
        )
        installed.write_text(_digest(lock))
    generated = NODE_DIR / "generated"
    schema = _node_schema()
    stamp = generated / ".schema-sha256"
    want = _digest(schema.encode(), lock)
    fresh = stamp.is_file() and stamp.read_text() == want
    if fresh and (generated / "client" / "index.js").is_file():
        return
    _progress("generating the Node contender's client (prisma generate, offline)")
    generated.mkdir(exist_ok=True)
    (generated / "schema.prisma").write_text(schema)
    # `prisma generate` never runs a schema engine, but Prisma CLI 6.19 insists one exists
    # and would download it: a stand-in that refuses to run keeps it offline. Any download
    # it still tried would go to a closed local port, not to Prisma's download host.
    stand_in = generated / "schema-engine-unused"
    stand_in.write_text(
        "#!/bin/sh\necho 'bench_peers: the schema engine is not used by generate' >&2\nexit 1\n"
    )
    stand_in.chmod(0o755)
    env = {
        **os.environ,
        "CHECKPOINT_DISABLE": "1",
        "PRISMA_HIDE_UPDATE_MESSAGE": "1",
        "PRISMA_CLIENT_ENGINE_TYPE": "client",
        "PRISMA_SCHEMA_ENGINE_BINARY": str(stand_in),
        "PRISMA_ENGINES_MIRROR": "http://127.0.0.1:9",
        "DATABASE_URL": "postgresql://localhost/not-connected",
    }
    cli = str(NODE_DIR / "node_modules" / "prisma" / "build" / "index.js")
    _run([node, cli, "generate", "--schema", str(generated / "schema.prisma")], "generate", env)
    stamp.write_text(want)


# --------------------------------------------------------------------------------------------
# Setup: scratch database, rows, model check
# --------------------------------------------------------------------------------------------


def _progress(message: str) -> None:
    print(f"[bench_peers {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(
        [q for q in parts.query.split("&") if q and q.split("=")[0] not in params]
        + [f"{k}={v}" for k, v in params.items()]
    )
    return urlunsplit(parts._replace(query=query))


def _without_query(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(query=""))


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts._replace(query=""))


async def seed(url: str, users: int) -> list[str]:
    ids = [f"bench-{i:06d}" for i in range(users)]
    now = _naive_utc_now()
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table(
            "User",
            schema_name="coach",
            columns=["id", "googleId", "email", "displayName", "role", "updatedAt"],
            records=[
                (i, i, f"{i}@example.com", f"User {i}", "coach" if n % 10 == 0 else "client", now)
                for n, i in enumerate(ids)
            ],
        )
        await conn.copy_records_to_table(
            "Profile",
            schema_name="coach",
            columns=["id", "userId", "bioJson", "clientFacts", "challenges"],
            records=[
                (f"{i}-p", i, json.dumps({"bio": f"bio of {i}"}), ["runs", "reads"], ["sleep"])
                for i in ids
            ],
        )
        await conn.execute('ANALYZE coach."User"; ANALYZE coach."Profile"')
    finally:
        await conn.close()
    return ids


async def _check_models(url: str) -> None:
    """The ORMs' models name exactly the migrated tables' columns (else they would measure
    a different row)."""
    conn = await asyncpg.connect(url)
    try:
        for table, sa_model, t_model in (("User", SaUser, TUser), ("Profile", SaProfile, TProfile)):
            rows = await conn.fetch(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'coach' AND table_name = $1",
                table,
            )
            columns = {r["column_name"] for r in rows}
            mapped = {
                "SQLAlchemy": set(sa_model.__table__.columns.keys()),  # type: ignore[attr-defined]
                "Tortoise": set(t_model._meta.fields_db_projection.values()),
            }
            for orm, names in mapped.items():
                if names != columns:
                    raise SystemExit(
                        f'bench_peers: the {orm} model of coach."{table}" does not match the '
                        f"migrated table: missing {sorted(columns - names)}, "
                        f"unknown {sorted(names - columns)}"
                    )
    finally:
        await conn.close()


# --------------------------------------------------------------------------------------------
# Engine host memory
# --------------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(_children(current))
    return out


def _is_node(pid: int) -> bool:
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return False
    return Path(exe).name.startswith("node")


def _rss_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


def engine_host_rss(ours: Ours, exclude: set[int]) -> tuple[str, list[int]]:
    """Resident memory of the Node process(es) our client's engine runs in, else "n/a".

    The client's own engine process and its descendants first; if the client keeps none,
    any Node process below this Python process that is not the Node contender.
    """
    pids = [p for root in ours.engine_pids() for p in _descendants(root)]
    if not pids:
        pids = [p for p in _descendants(os.getpid()) if p != os.getpid()]
    hosts = sorted({p for p in pids if p not in exclude and _is_node(p)})
    sizes = [s for s in (_rss_mb(p) for p in hosts) if s is not None]
    if not sizes:
        return "n/a (no engine host process)", []
    return f"{sum(sizes):.0f} MB", hosts


# --------------------------------------------------------------------------------------------
# Runs, agreement, report
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    rounds: int
    sequential: int  # calls per batch of a single-call workload
    find_many: int  # calls per batch of find_many (100 rows each)
    concurrent: int  # calls per batch of the 50-task workload
    max_runs: int
    budget_s: float  # a batch stops taking new calls after this long (slow contenders)


def _ops_of(contender: Contender) -> tuple[str, ...]:
    return (*OPS, "find_many_joined") if contender.name == "sqlalchemy" else OPS


class Bench:
    def __init__(self, contenders: list[Contender], ids: list[str], plan: Plan, seed: int) -> None:
        self.contenders = contenders
        self.ids = ids
        self.plan = plan
        self.rng = random.Random(seed)
        self.inserted = 0

    def _ids_for(self, op: str, contender: str) -> list[str]:
        if op == "insert":
            keys = []
            for _ in range(self.plan.sequential):
                self.inserted += 1
                keys.append(f"new-{contender}-{self.inserted}")
            return keys
        if op == "concurrent":
            return self.rng.choices(self.ids, k=self.plan.concurrent)
        n = self.plan.find_many if op.startswith("find_many") else self.plan.sequential
        return self.rng.choices(self.ids, k=n)

    async def round(self, number: int, results: Results | None) -> None:
        order = self.contenders[number % len(self.contenders) :]
        order += self.contenders[: number % len(self.contenders)]
        for op in (*OPS, "find_many_joined"):
            for contender in order:
                if op not in _ops_of(contender):
                    continue
                ids = self._ids_for(op, contender.name)
                batch = await contender.batch(op, ids, self.plan.budget_s)
                if results is not None:
                    results[contender.name][op].add(batch)

    async def warm_up(self) -> None:
        saved, self.plan = self.plan, Plan(1, 10, 3, TASKS * 2, 1, 0.5)
        try:
            await self.round(0, None)
        finally:
            self.plan = saved

    async def run(self, number: int) -> Results:
        results: Results = {c.name: {op: Samples() for op in _ops_of(c)} for c in self.contenders}
        for r in range(self.plan.rounds):
            _progress(f"run {number}, round {r + 1}/{self.plan.rounds}")
            await self.round(r, results)
        return results


def ratios(results: Results) -> dict[tuple[str, str], float]:
    """Each contender's p50 over asyncpg's (for the 50-task workload: ops/s over asyncpg's)."""
    base = results["asyncpg"]
    out = {}
    for name, per_op in results.items():
        if name == "asyncpg":
            continue
        for op, samples in per_op.items():
            if op == "concurrent":
                out[name, op] = samples.ops_per_s / base[op].ops_per_s
            else:
                floor = base["find_many" if op == "find_many_joined" else op]
                out[name, op] = samples.p(50) / floor.p(50)
    return out


def disagreement(a: Results, b: Results) -> tuple[float, tuple[str, str]]:
    ra, rb = ratios(a), ratios(b)
    worst = max(ra, key=lambda k: abs(ra[k] / rb[k] - 1))
    return abs(ra[worst] / rb[worst] - 1), worst


def pooled(a: Results, b: Results) -> Results:
    return {c: {op: s.merged(b[c][op]) for op, s in per_op.items()} for c, per_op in a.items()}


def _cell(results: Results, name: str, op: str, ratio: dict[tuple[str, str], float]) -> str:
    samples = results[name][op]
    factor = 1.0 if name == "asyncpg" else ratio[name, op]
    if op == "concurrent":
        return f"{samples.ops_per_s:,.0f}/s ({factor:.2f}x), p95 {samples.p(95):.1f} ms"
    text = f"{samples.p(50):.2f} / {samples.p(95):.2f} ms ({factor:.1f}x)"
    if name == "sqlalchemy" and op == "find_many":
        joined = results[name]["find_many_joined"]
        text += f"; joinedload {joined.p(50):.2f} / {joined.p(95):.2f} ms "
        text += f"({ratio[name, 'find_many_joined']:.1f}x)"
    return text


def table(results: Results, labels: dict[str, str]) -> str:
    ratio = ratios(results)
    names = [c for c in CONTENDERS if c in results]
    lines = [
        "| operation | " + " | ".join(labels[n] for n in names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for op in OPS:
        label = f"**{OP_LABELS[op]}, ops/s**" if op == "concurrent" else OP_LABELS[op]
        lines.append(
            f"| {label} | " + " | ".join(_cell(results, n, op, ratio) for n in names) + " |"
        )
    return "\n".join(lines)


def goals(results: Results, rss: str) -> tuple[list[str], bool]:
    ours, sql, tor, raw = (results[n] for n in ("ours", "sqlalchemy", "tortoise", "asyncpg"))
    lines, ok = [], True

    def mark(passed: bool) -> str:
        nonlocal ok
        ok = ok and passed
        return "MET " if passed else "NOT MET"

    for op in OPS[:-1]:
        mine, aim = ours[op].p(50), tor[op].p(50)
        floor = sql[op].p(50)
        floor_text = f"SQLAlchemy {floor:.2f} ms"
        if op == "find_many":
            floor = min(floor, sql["find_many_joined"].p(50))
            floor_text = f"SQLAlchemy best of selectin/joined {floor:.2f} ms"
        lines.append(
            f"[{mark(mine <= floor)}] {OP_LABELS[op]}: p50 {mine:.2f} ms vs {floor_text} "
            f"({mine / floor:.2f}x); aim Tortoise {aim:.2f} ms "
            f"({'reached' if mine <= aim else 'not reached'}, {mine / aim:.2f}x)"
        )
    mine_tp, sql_tp, raw_tp = (r["concurrent"].ops_per_s for r in (ours, sql, raw))
    lines.append(
        f"[{mark(mine_tp >= sql_tp)}] {TASKS}-task throughput: {mine_tp:,.0f}/s vs SQLAlchemy "
        f"{sql_tp:,.0f}/s ({mine_tp / sql_tp:.2f}x)"
    )
    lines.append(
        f"[{mark(mine_tp >= 0.5 * raw_tp)}] {TASKS}-task throughput vs 0.5x asyncpg: "
        f"{mine_tp:,.0f}/s vs {0.5 * raw_tp:,.0f}/s ({mine_tp / raw_tp:.2f}x asyncpg)"
    )
    p95 = ours["concurrent"].p(95)
    lines.append(f"[{mark(p95 < 50)}] {TASKS}-task p95 under 50 ms: {p95:.1f} ms")
    rss_mb = float(rss.split()[0]) if rss[0].isdigit() else None
    if rss_mb is None:
        lines.append(f"[MET ] engine host under 100 MB resident: {rss}")
    else:
        lines.append(f"[{mark(rss_mb < 100)}] engine host under 100 MB resident: {rss}")
    return lines, ok


def _summary(
    results: Results,
    labels: dict[str, str],
    server: str,
    runs: int,
    apart: float,
    rss: str,
    goal_lines: list[str],
) -> dict[str, Any]:
    """The pooled figures as JSON (for comparing two runs, e.g. before and after a change)."""
    ratio = ratios(results)
    return {
        "server": server,
        "runs": runs,
        "worst_ratio_apart": apart,
        "agreed": apart <= AGREEMENT,
        "engine_host_rss": rss,
        "goals": goal_lines,
        "contenders": {
            name: {
                "label": labels[name],
                "operations": {
                    op: {
                        "calls": len(samples.ms),
                        "p50_ms": samples.p(50),
                        "p95_ms": samples.p(95),
                        **({"ops_per_s": samples.ops_per_s} if op == "concurrent" else {}),
                        "ratio_to_asyncpg": 1.0 if name == "asyncpg" else ratio[name, op],
                    }
                    for op, samples in per_op.items()
                },
            }
            for name, per_op in results.items()
        },
    }


async def main_async(args: argparse.Namespace) -> int:
    plan = (
        Plan(args.rounds or 2, 15, 5, 150, args.max_runs or 2, 0.4)
        if args.quick
        else Plan(args.rounds or 3, 30, 8, 250, args.max_runs or 3, 0.8)
    )
    settings = get_settings()
    started = time.perf_counter()
    if shutil.which(settings.node) is None:
        raise SystemExit(f"bench_peers: Node.js not found ({settings.node!r})")
    prepare_node_client(settings.node)
    admin = resolve_database_url(settings)
    server = (
        f"DATABASE_URL ({_redacted(admin)})"
        if settings.database_url is not None
        else f"the embedded PostgreSQL under {settings.data_dir} ({_redacted(admin)})"
    )
    _progress(f"server: {server}")
    url = await create_isolated_database(admin, name=f"bench_peers_{uuid.uuid4().hex[:12]}")
    contenders: list[Contender] = []
    try:
        _progress(f"scratch database {database_name(url)}: prisma migrate deploy")
        # The generated client takes long to import: import it meanwhile, in a thread.
        await asyncio.gather(
            asyncio.to_thread(migrate_deploy, url),
            asyncio.to_thread(importlib.import_module, "domainlayer.client"),
        )
        ids = await seed(_without_query(url), args.users)
        _progress(f'seeded {len(ids):,} coach."User" rows with their "Profile"')
        plain = _without_query(url)
        ours = Ours(_with_query(url, connection_limit=str(POOL_SIZE)))
        node = Node(plain, settings.node)
        contenders = [ours, SqlAlchemy(plain), Tortoise_(plain), Asyncpg(plain), node]
        for contender in contenders:
            await contender.start()
        await _check_models(plain)  # after Tortoise.init, which completes its models
        bench = Bench(contenders, ids, plan, args.seed)
        _progress("warm-up round")
        await bench.warm_up()
        runs: list[Results] = []
        agreed: tuple[float, tuple[str, str]] | None = None
        while len(runs) < max(plan.max_runs, 2):
            runs.append(await bench.run(len(runs) + 1))
            if len(runs) >= 2:
                agreed = disagreement(runs[-2], runs[-1])
                _progress(
                    f"runs {len(runs) - 1} and {len(runs)} differ by at most {agreed[0]:.1%} "
                    f"({agreed[1][0]}, {agreed[1][1]})"
                )
                if agreed[0] <= AGREEMENT:
                    break
        assert agreed is not None
        results = pooled(runs[-2], runs[-1])
        rss, host_pids = engine_host_rss(ours, exclude=set(_descendants(node.process.pid)))  # type: ignore[union-attr]
        node_rss = (await node.command(op="rss"))["rss_mb"]
        labels = {c.name: c.label for c in contenders}
        labels["ours"] = "ours (Prisma Client Python via domainlayer.client)"

        print(f"server: {server}")
        print(
            f'scratch database {database_name(url)}: project migrations, {len(ids):,} coach."User" '
            f'rows with their 1:1 "Profile"; pool of {POOL_SIZE} connections per contender'
        )
        print(
            f"{len(runs)} runs of {plan.rounds} rounds (batches of {plan.sequential} calls, "
            f"{plan.find_many} for find_many, {plan.concurrent} for {TASKS} tasks, each cut "
            f"short after {plan.budget_s} s once {MIN_CALLS} calls, or {TASKS}, are done); "
            f"figures pooled from runs {len(runs) - 1} and {len(runs)}, which "
            + (
                f"agree within {AGREEMENT:.0%} (worst ratio {agreed[0]:.1%} apart)"
                if agreed[0] <= AGREEMENT
                else f"DO NOT agree within {AGREEMENT:.0%}: worst ratio {agreed[0]:.1%} apart "
                f"({agreed[1][0]}, {OP_LABELS[agreed[1][1]]}); rerun on a quieter machine "
                "or with more --rounds"
            )
        )
        print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print("\np50 / p95 per operation (ratio: p50 over asyncpg's; ops/s over asyncpg's)\n")
        print(table(results, labels))
        print("\ngoals (ours against the others, this run):")
        lines, ok = goals(results, rss)
        for line in lines:
            print("  " + line)
        print(
            f"\nengine host resident memory after the benchmark: {rss}"
            + (f" (pid {', '.join(map(str, host_pids))})" if host_pids else "")
        )
        print(f"Prisma Node client contender's own resident memory: {node_rss:.0f} MB")
        print(f"total time {time.perf_counter() - started:.0f} s")
        if args.json is not None:
            args.json.write_text(
                json.dumps(
                    _summary(results, labels, server, len(runs), agreed[0], rss, lines),
                    indent=2,
                )
                + "\n"
            )
        return 1 if args.check and not ok else 0
    finally:
        for contender in reversed(contenders):
            with contextlib.suppress(Exception):
                await contender.close()
            _progress(f"closed {contender.name}")
        await drop_database(admin, database_name(url))
        _progress(f"dropped the scratch database {database_name(url)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        epilog="Prints figures; it asserts nothing about time (use --check to exit 1 when a "
        "goal of issue #11 is not met).",
    )
    parser.add_argument("--rounds", type=int, help="rounds per run (default 3, quick 2)")
    parser.add_argument("--quick", action="store_true", help="small batches, at most 2 runs")
    parser.add_argument(
        "--max-runs", type=int, help="runs before giving up on agreement (default 3, quick 2)"
    )
    parser.add_argument("--users", type=int, default=10_000, help="rows seeded (default 10,000)")
    parser.add_argument("--seed", type=int, default=11, help="random seed for the ids picked")
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is not met")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.rounds is not None and args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.max_runs is not None and args.max_runs < 2:
        parser.error("--max-runs must be at least 2 (agreement compares two runs)")
    if args.users < 200:
        parser.error("--users must be at least 200")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
