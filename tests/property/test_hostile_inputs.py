"""Every public repository method, driven with hostile arguments on seeded data (issue 14).

One call = one method with valid arguments that name real seeded rows, except one argument,
which gets a generated hostile value for its kind: a filter-shaped dict (``{"not": "x"}``),
a list, None where None is not allowed, huge ints, NaN and infinities, lone surrogates, NUL,
over-long text, JSON nested thousands deep or holding NaN, datetimes naive or in year 1 or
9999, Decimal NaN, wrong types. Checked:

- the call raises only errors of domainlayer's tree (``DomainError``), or succeeds without
  writing (a read);
- nothing changed in any table: a digest of every row of every table of the five products,
  taken before and after;
- no call hangs: each has a deadline (``PER_CALL_SECONDS``);
- no transaction is left open: no session of the test database is ``idle in transaction``.

The budget is ``DOMAINLAYER_PROPERTY_EXAMPLES`` calls (default 1000, about a minute after
the seed), derandomised so a CI
run is repeatable; the test prints its counts (calls tried, typed errors by class, rows
changed, hangs; run with ``-s``). Every public method is driven, the jobs and the e-mail
queue included: their other arguments are chosen so that a call with one hostile argument
still changes nothing even if it were wrongly accepted (``dry_run=True`` where there is
one; a ``now`` in the year 2000 with ``allow_clock_skew=True``, for which nothing is old
enough; an e-mail this worker does not hold). When ``now`` itself is the hostile argument,
``allow_clock_skew`` is False, so a wrong clock must be refused.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import os
import reprlib
import time
import typing
from collections.abc import AsyncIterator, Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prisma import Prisma

from domainlayer.airbar.repository import (
    AirbarFlagRepository,
    HealthRepository,
    SessionRepository,
)
from domainlayer.airbar.repository import AnalyticsRepository as AirbarAnalytics
from domainlayer.churn.repository import ChurnRepository
from domainlayer.client import connect_client
from domainlayer.coach.repository import (
    AuthRepository,
    CoachingRepository,
    MaintenanceRepository,
)
from domainlayer.errors import DomainError
from domainlayer.madfam.calculations import RoiResult, roi_calculation
from domainlayer.madfam.repository import (
    EmailQueueRepository,
    FeatureFlagRepository,
    IntegrationRepository,
    LeadRepository,
)
from domainlayer.madfam.secrets_box import SecretBox
from domainlayer.pool import connect_pool
from domainlayer.travel.repositories.admin import AdminRepository
from domainlayer.travel.repositories.cms import (
    DealRepository,
    DestinationRepository,
    EmailTemplateRepository,
    HealthCheckRepository,
    SearchSuggestionRepository,
)
from domainlayer.travel.repositories.error_logs import ErrorLogRepository
from domainlayer.travel.repositories.experiments import ExperimentRepository
from domainlayer.travel.repositories.reporting import AnalyticsRepository as TravelAnalytics
from domainlayer.travel.repositories.reporting import PerformanceRepository
from seed.options import SeedOptions
from seed.runner import seed_database

EXAMPLES = int(os.environ.get("DOMAINLAYER_PROPERTY_EXAMPLES", "1000"))
PER_CALL_SECONDS = 20.0
NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
#: A `now` for the jobs (with allow_clock_skew=True) before anything seeded: nothing is old.
PAST = datetime(2000, 1, 1, tzinfo=UTC)
SCHEMAS = ("airbar", "churn", "travel", "coach", "madfam")

#: (class, method) left out of the drive: none (every public method is driven).
NOT_DRIVEN: frozenset[tuple[str, str]] = frozenset()

#: The methods this test once left out (issue 14, findings 7 and 10): their counts are printed.
_JOBS_AND_QUEUE = frozenset(
    {
        "ChurnRepository.apply_retention",
        "MaintenanceRepository.run",
        "EmailQueueRepository.claim",
        "EmailQueueRepository.mark_sent",
        "EmailQueueRepository.mark_failed",
    }
)

#: Arguments of one method that differ from its class's valid ones (see the module's doc).
_METHOD_VALID: dict[tuple[str, str], dict[str, Any]] = {
    ("ChurnRepository", "apply_retention"): {
        "now": PAST,
        "allow_clock_skew": True,
        "dry_run": True,
    },
}


# Hostile values per kind of argument -------------------------------------------------------


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"next": value}
    return value


class _Opaque:
    def __repr__(self) -> str:
        return "<opaque>"


_FILTERS = [{"not": "x"}, {"in": ["a", "b"]}, {"contains": ""}, {"gt": ""}, {"not": None}]
_WRONG = [
    *_FILTERS,
    ["x"],
    ("x",),
    {"x"},
    b"bytes",
    _Opaque(),
    float("nan"),
    float("inf"),
    2**70,
    -(2**70),
]
_TEXT = ["\x00", "a\x00b", "lone \ud800 surrogate", "\udfff", "x" * 1_000_001]
_DATETIMES = [
    datetime(2026, 1, 1, 12),  # naive
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC),
    date(2026, 1, 1),
    "2026-01-01T00:00:00Z",
    1_767_225_600,
]
_INTS = [2**70, -(2**70), 2**31, True, 1.5, "1", Decimal("1"), float("nan")]
_NUMBERS = [
    float("nan"),
    float("inf"),
    float("-inf"),
    10**400,
    True,
    "0.5",
    Decimal("0.5"),
    1e300,
]
_DECIMALS = [
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    "not a number",
    "1e999999999",
    "\ud800",
    float("nan"),
    1.5,
    True,
    10**100,
]
_BOOLS = [0, 1, "true", "false", 2.0]
_JSON = [
    _deep(5000),
    {"a": float("nan")},
    {"a": [1, float("inf")]},
    {1: "int key"},
    {"a": {1, 2}},
    {"lone\ud800": 1},
    {"a": "nul\x00"},
    {"a": 2**80},
    {"a": _Opaque()},
    {"a": b"bytes"},
    "a string",
    42,
]
_SEQUENCES = [
    "abc",
    [{"not": "x"}],
    [None],
    ["\x00"],
    ["\ud800"],
    ["x"] * 200_000,
    {"a": 1},
    42,
    [1, 2],
]


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 3, 40, 40

#: A valid value per kind, for a required argument the tables below do not name.
_FALLBACK: dict[str, Any] = {
    "str": "probe",
    "int": 10,
    "number": 0.5,
    "bool": True,
    "datetime": NOW,
    "decimal": "100",
    "json": {},
    "sequence": [],
}


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    optional: bool


def _kind(annotation: object) -> tuple[str, bool]:
    text = str(annotation)
    # typing's generics print `X | None` as `typing.Optional[X]`: ask for the union's members
    optional = "None" in text or type(None) in typing.get_args(annotation)
    for marker, kind in (
        ("datetime", "datetime"),
        ("Decimal", "decimal"),
        ("Mapping", "json"),
        ("dict[", "json"),
        ("Sequence", "sequence"),
        ("Iterable", "sequence"),
        ("bool", "bool"),
        ("float", "number"),
        ("int", "int"),
        ("str", "str"),
    ):
        if marker in text:
            return kind, optional
    return "object", optional


def _hostile(param: Param) -> list[Any]:
    pool = list(_WRONG)
    if param.kind == "sequence":  # a set, list or tuple of strings is a fine collection
        pool = [v for v in pool if not isinstance(v, (set, list, tuple))]
    if param.kind == "json":  # where a document belongs, {"not": "x"} is just data
        pool = [v for v in pool if not any(v is f for f in _FILTERS)]
    pool += {
        "str": _TEXT,
        "datetime": _DATETIMES,
        "int": _INTS,
        "number": _NUMBERS,
        "decimal": _DECIMALS,
        "bool": _BOOLS,
        "json": _JSON,
        "sequence": _SEQUENCES,
        "object": ["text", 1, {}],
    }[param.kind]
    if not param.optional and param.kind != "sequence":
        pool.append(None)
    return pool


# The seeded database and the methods ------------------------------------------------------


@dataclass
class Target:
    label: str
    call: Callable[..., Any]
    params: tuple[Param, ...]
    valid: dict[str, Any]
    is_context: bool = False

    def arguments(self, hostile: str, value: Any) -> dict[str, Any]:
        """The valid arguments with ``hostile`` set to ``value``.

        A hostile ``now`` is tried with ``allow_clock_skew=False``: a wrong clock (year
        9999) is refused, however the other arguments are set."""
        kwargs = dict(self.valid)
        if hostile == "now" and "allow_clock_skew" in kwargs:
            kwargs["allow_clock_skew"] = False
        kwargs[hostile] = value
        return kwargs


def _params(method: Callable[..., Any]) -> tuple[Param, ...]:
    hints = typing.get_type_hints(method, include_extras=False, localns=vars(typing))
    result = []
    for name in inspect.signature(method).parameters:
        if name == "self":
            continue
        kind, optional = _kind(hints.get(name, object))
        result.append(Param(name, kind, optional))
    return tuple(result)


async def _ids(conn: asyncpg.Connection) -> dict[str, Any]:
    one = conn.fetchval
    return {
        "airbar_user": await one("SELECT id FROM airbar.users ORDER BY id LIMIT 1"),
        "airbar_session": await one(
            "SELECT id FROM airbar.user_sessions WHERE is_active ORDER BY id LIMIT 1"
        ),
        "airbar_flag": await one("SELECT key FROM airbar.feature_flags ORDER BY key LIMIT 1"),
        "coach_user": await one('SELECT id FROM coach."User" ORDER BY id LIMIT 1'),
        "coach_coach": await one("SELECT id FROM coach.\"User\" WHERE role = 'coach' LIMIT 1"),
        "appointment": await one(
            "SELECT id FROM coach.\"Appointment\" WHERE status = 'scheduled' LIMIT 1"
        )
        or await one('SELECT id FROM coach."Appointment" LIMIT 1'),
        "room": await one('SELECT "roomId" FROM coach."Appointment" LIMIT 1'),
        "coach_session": await one('SELECT id FROM coach."Session" ORDER BY id LIMIT 1'),
        "skool_user": await one('SELECT "skoolUserId" FROM coach."AuthCode" LIMIT 1'),
        "customer": await one('SELECT id FROM churn."Customer" ORDER BY id LIMIT 1'),
        "alert": await one("SELECT id FROM churn.\"Alert\" WHERE status = 'OPEN' LIMIT 1")
        or await one('SELECT id FROM churn."Alert" LIMIT 1'),
        "ticket": await one('SELECT id FROM churn."SupportTicket" LIMIT 1'),
        "model_version": await one('SELECT version FROM churn."ModelVersion" LIMIT 1'),
        "lead": await one('SELECT id FROM madfam."Lead" ORDER BY id LIMIT 1'),
        "assessment": await one('SELECT id FROM madfam."Assessment" LIMIT 1'),
        "madfam_flag": await one('SELECT key FROM madfam."FeatureFlag" ORDER BY key LIMIT 1'),
        "integration": await one('SELECT name FROM madfam."Integration" LIMIT 1'),
        "admin": await one(
            "SELECT id FROM travel.admin_users WHERE role = 'super_admin' ORDER BY id LIMIT 1"
        ),
        "other_admin": await one(
            "SELECT id FROM travel.admin_users WHERE role <> 'super_admin' ORDER BY id LIMIT 1"
        ),
        "deal": await one("SELECT id FROM travel.deals ORDER BY id LIMIT 1"),
        "destination": await one("SELECT slug FROM travel.destinations ORDER BY slug LIMIT 1"),
        "template": await one("SELECT name FROM travel.email_templates LIMIT 1"),
        "travel_flag": await one("SELECT key FROM travel.feature_flags ORDER BY key LIMIT 1"),
        "error_group": await one("SELECT id FROM travel.error_logs LIMIT 1"),
        "email": await one('SELECT id FROM madfam."EmailQueue" ORDER BY id LIMIT 1'),
        "database_now": await one("SELECT now()"),
    }


def _roi() -> RoiResult:
    return roi_calculation(
        employees=10,
        average_annual_salary=Decimal(50_000),
        inefficiency_percentage=Decimal("0.2"),
        investment=Decimal(20_000),
    )


def _valid(ids: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Valid arguments (naming seeded rows) per class; a method takes those it names."""
    common = {
        "now": NOW,
        "at": NOW,
        "since": datetime(2025, 1, 1, tzinfo=UTC),
        "until": NOW,
    }
    return {
        "SessionRepository": common
        | {
            "user_id": ids["airbar_user"],
            "session_id": ids["airbar_session"],
            "device_fingerprint": "fp-probe",
            "device_type": "desktop",
            "ip_address": "203.0.113.9",
            "country": "US",
            "token": "no-such-token",
            "reason": "probe",
        },
        "AirbarAnalytics": common
        | {"user_id": ids["airbar_user"], "event_type": "page_view", "event_name": "probe"},
        "HealthRepository": common
        | {"service": "auth", "name": "booking_completion_rate", "value": 90.0},
        "AirbarFlagRepository": common
        | {"key": ids["airbar_flag"], "name": "Probe", "user_id": ids["airbar_user"]},
        "AuthRepository": common
        | {
            "skool_user_id": ids["skool_user"],
            "skool_username": "Probe",
            "code": "vgs-0-no-such-code",
            "token": "no-such-token",
            "ip_address": "203.0.113.9",
            "user_agent": "probe/1",
            "device_fingerprint": "fp-probe",
        },
        "CoachingRepository": common
        | {
            "client_id": ids["coach_user"],
            "coach_id": ids["coach_coach"],
            "scheduled_for": NOW,
            "appointment_id": ids["appointment"],
            "by": "probe",
            "room_id": ids["room"],
            "user_id": ids["coach_user"],
            "session_id": ids["coach_session"],
            "rating": 5,
            "sender": "client",
            "content": "probe",
            "goals": "g",
            "symptoms": "s",
            "initial_mood": 3,
            "community": "vagus",
            "members_found": 1,
            "new_members": 0,
            "cancelled_members": 0,
            "duration_ms": 1,
            "new_status": "active",
        },
        "ChurnRepository": common
        | {
            "customer_id": ids["customer"],
            "probability": 0.5,
            "model_version": ids["model_version"],
            "alert_id": ids["alert"],
            "by": "probe",
            "ticket_id": ids["ticket"],
            "status": "CLOSED",
        },
        "LeadRepository": common
        | {
            "email": "probe@corp.example",
            "tier": "L2_ADVANCED",
            "lead_id": ids["lead"],
            "status": "CONTACTED",
            "content": "probe",
            "assessment_id": ids["assessment"],
            "answers": {"q1": 3},
            "result": _roi(),
            "inputs": {"a": 1},
        },
        "IntegrationRepository": common | {"name": ids["integration"], "config": {"a": 1}},
        "FeatureFlagRepository": common
        | {
            "key": ids["madfam_flag"],
            "name": "Probe",
            "percentage": 10,
            "enabled": True,
            "subject_id": "subject-1",
            "environment": "dev",
        },
        "AdminRepository": common
        | {
            "admin_id": ids["other_admin"] or ids["admin"],
            "actor_id": ids["admin"],
            "user_id": "probe-user",
            "permission": "admins:manage",
            "action": "probe.done",
            "resource_type": "probe",
            "role": "editor",
            "permissions": ["deals:read"],
            "active": True,
        },
        "DealRepository": common
        | {
            "deal_id": ids["deal"],
            "title": "Probe",
            "origin": "NYC",
            "destination": "LIS",
            "price": "100",
            "featured": True,
            "views": 1,
        },
        "DestinationRepository": common
        | {
            "slug": ids["destination"],
            "name": "Probe",
            "country": "PT",
            "title": "t",
            "description": "d",
            "amount": 1.0,
            "trending": True,
            "top": 3,
        },
        "EmailTemplateRepository": common
        | {
            "name": ids["template"] or "probe",
            "subject": "s",
            "html_body": "<p>b</p>",
            "values": {},
        },
        "SearchSuggestionRepository": common | {"query": "lisbon", "prefix": "lis"},
        "HealthCheckRepository": common | {"service": "api", "status": "healthy"},
        "ErrorLogRepository": common
        | {
            "error_type": "TypeError",
            "message": "probe",
            "group_id": ids["error_group"],
            "by": "probe",
        },
        "ExperimentRepository": common
        | {
            "key": ids["travel_flag"],
            "name": "Probe",
            "percentage": 10,
            "user_id": "probe-user",
        },
        "TravelAnalytics": common
        | {
            "session_id": "s-probe",
            "event_type": "page_view",
            "event_data": {},
            "period": "day",
            "metric_type": "page_views",
            "name": "probe",
            "stages": ["page_view", "search"],
        },
        "PerformanceRepository": common | {"page_url": "https://x.example/p", "lcp": 1000.0},
        "MaintenanceRepository": common
        | {"now": PAST, "allow_clock_skew": True, "dry_run": True, "batch_size": 100},
        "EmailQueueRepository": common
        | {
            # not held by the probe's worker: finishing it is refused, nothing changes
            "email_id": ids["email"] or "no-such-email",
            "email_ids": [ids["email"] or "no-such-email"],
            "now": ids["database_now"],
            "allow_clock_skew": False,
            "error": "probe",
            "batch_size": 10,
            "to": ["probe@corp.example"],
            "subject": "Probe",
            "template": "welcome",
            "data": {"a": 1},
        },
    }


async def _targets(client: Prisma, pool: asyncpg.Pool, ids: dict[str, Any]) -> list[Target]:
    box = SecretBox(Fernet.generate_key())
    repositories: dict[str, object] = {
        "SessionRepository": SessionRepository(client),
        "AirbarAnalytics": AirbarAnalytics(client),
        "HealthRepository": HealthRepository(client),
        "AirbarFlagRepository": AirbarFlagRepository(client),
        "AuthRepository": AuthRepository(client),
        "AuthRepository(pool)": AuthRepository(client, pool=pool),
        "CoachingRepository": CoachingRepository(client),
        "ChurnRepository": ChurnRepository(client),
        "LeadRepository": LeadRepository(client),
        "LeadRepository(pool)": LeadRepository(client, pool=pool),
        "IntegrationRepository": IntegrationRepository(client, box),
        "FeatureFlagRepository": FeatureFlagRepository(client),
        "AdminRepository": AdminRepository(client),
        "DealRepository": DealRepository(client),
        "DestinationRepository": DestinationRepository(client),
        "EmailTemplateRepository": EmailTemplateRepository(client),
        "SearchSuggestionRepository": SearchSuggestionRepository(client),
        "HealthCheckRepository": HealthCheckRepository(client),
        "ErrorLogRepository": ErrorLogRepository(client),
        "ExperimentRepository": ExperimentRepository(client),
        "TravelAnalytics": TravelAnalytics(client),
        "PerformanceRepository": PerformanceRepository(client),
        "MaintenanceRepository": MaintenanceRepository(client),
        "MaintenanceRepository(pool)": MaintenanceRepository(client, pool=pool),
        "EmailQueueRepository": EmailQueueRepository(client, worker_id="probe-worker"),
    }
    valid = _valid(ids)
    targets = []
    for label, repository in repositories.items():
        base = label.split("(")[0]
        cls = type(repository)
        for name, function in vars(cls).items():
            if name.startswith("_") or not callable(function):
                continue
            if (cls.__name__, name) in NOT_DRIVEN:
                continue
            method = getattr(repository, name)
            params = _params(function)
            if not params:
                continue  # nothing a caller passes
            known = valid[base] | _METHOD_VALID.get((cls.__name__, name), {})
            given_values = {p.name: known[p.name] for p in params if p.name in known}
            targets.append(
                Target(
                    f"{label}.{name}",
                    method,
                    params,
                    given_values,
                    is_context=name == "action",
                )
            )
    return targets


# Checks ------------------------------------------------------------------------------------


async def _row_digests(conn: asyncpg.Connection) -> dict[str, collections.Counter[str]]:
    """Every row of every table of the five products, as a multiset of md5s per table."""
    tables = await conn.fetch(
        "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY($1::text[])",
        list(SCHEMAS),
    )
    result = {}
    for t in tables:
        name = f'"{t["schemaname"]}"."{t["tablename"]}"'
        rows = await conn.fetch(f"SELECT md5(r::text) AS h FROM {name} r")
        result[name] = collections.Counter(r["h"] for r in rows)
    return result


def _changed_rows(
    before: dict[str, collections.Counter[str]], after: dict[str, collections.Counter[str]]
) -> dict[str, int]:
    changed = {}
    for table in before.keys() | after.keys():
        old, new = before.get(table, collections.Counter()), after.get(table, collections.Counter())
        difference = sum(((old - new) + (new - old)).values())
        if difference:
            changed[table] = difference
    return changed


async def _idle_in_transaction(conn: asyncpg.Connection) -> int:
    count = await conn.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND state LIKE 'idle in transaction%'"
    )
    return int(count)


# The test ----------------------------------------------------------------------------------


@pytest.fixture
async def seeded(database_url: str) -> AsyncIterator[tuple[str, Prisma, asyncpg.Pool]]:
    await seed_database(database_url, SeedOptions())
    client = await connect_client(f"{database_url}?connection_limit=5")
    pool = await connect_pool(database_url, size=5)
    try:
        yield database_url, client, pool
    finally:
        await pool.close()
        await client.disconnect()


async def _invoke(target: Target, kwargs: dict[str, Any]) -> None:
    if target.is_context:
        async with target.call(**kwargs):
            pass
        return
    result = target.call(**kwargs)
    if inspect.isawaitable(result):
        await result


async def test_hostile_arguments_are_refused_with_typed_errors_and_change_nothing(
    seeded: tuple[str, Prisma, asyncpg.Pool],
) -> None:
    url, client, pool = seeded
    conn = await asyncpg.connect(url)
    try:
        ids = await _ids(conn)
        targets = await _targets(client, pool, ids)
        before = await _row_digests(conn)
        loop = asyncio.get_running_loop()
        counts: collections.Counter[str] = collections.Counter()
        untyped: list[str] = []
        hangs: list[str] = []
        accepted: list[str] = []
        leaks: list[str] = []
        started = time.monotonic()
        per_method: collections.Counter[str] = collections.Counter()

        async def one_call(target: Target, kwargs: dict[str, Any]) -> str:
            try:
                await asyncio.wait_for(_invoke(target, kwargs), PER_CALL_SECONDS)
            except TimeoutError:
                return "hang"
            except DomainError as exc:
                return type(exc).__name__
            except Exception as exc:
                return f"UNTYPED {type(exc).__name__}: {str(exc)[:120]}"
            return "accepted"

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.data())
        def drive(data: st.DataObject) -> None:
            target = data.draw(st.sampled_from(targets), label="method")
            param = data.draw(st.sampled_from(target.params), label="argument")
            pool = _hostile(param)
            # Drawn by index: hypothesis would print a 5000-deep value recursively.
            value = pool[data.draw(st.integers(0, len(pool) - 1), label="hostile value")]
            kwargs = target.arguments(param.name, value)
            for p in target.params:  # required arguments without a seeded value
                if not p.optional and p.kind in _FALLBACK:
                    kwargs.setdefault(p.name, _FALLBACK[p.kind])
            label = f"{target.label}({param.name}={_SHORT.repr(value)})"
            future = asyncio.run_coroutine_threadsafe(one_call(target, kwargs), loop)
            try:
                outcome = future.result(timeout=PER_CALL_SECONDS + 10)
            except FutureTimeout:
                future.cancel()
                outcome = "hang"
            counts["calls"] += 1
            per_method[target.label.replace("(pool)", "")] += 1
            if outcome == "hang":
                hangs.append(label)
            elif outcome.startswith("UNTYPED"):
                untyped.append(f"{label}: {outcome}")
            elif outcome == "accepted":
                accepted.append(label)
                counts[outcome] += 1
            else:
                counts[outcome] += 1
            if counts["calls"] % 50 == 0:
                idle = asyncio.run_coroutine_threadsafe(_idle_in_transaction(conn), loop)
                if idle.result(timeout=30):
                    leaks.append(f"after call {counts['calls']} ({label})")

        await asyncio.to_thread(drive)
        after = await _row_digests(conn)
        changed = _changed_rows(before, after)
        idle = await _idle_in_transaction(conn)
        typed = sum(n for k, n in counts.items() if k not in ("calls", "accepted"))
        print(
            f"\nproperty budget: {EXAMPLES} examples over {len(targets)} methods, "
            f"{time.monotonic() - started:.1f} s\n"
            f"calls tried: {counts['calls']}, typed errors: {typed}, "
            f"accepted (reads): {counts['accepted']}, untyped errors: {len(untyped)}, "
            f"rows changed: {sum(changed.values())}, hangs: {len(hangs)}, "
            f"idle in transaction: {idle}\n"
            "typed errors by class: "
            + ", ".join(
                f"{k} {n}" for k, n in counts.most_common() if k not in ("calls", "accepted")
            )
        )
        print(
            f"methods called: {len(per_method)} (client and pool variants counted once); "
            "jobs and queue: "
            + ", ".join(f"{name} {per_method[name]}" for name in sorted(_JOBS_AND_QUEUE))
        )
        assert untyped == [], untyped[:20]
        assert hangs == [], hangs[:20]
        assert changed == {}, (changed, accepted)
        assert leaks == [] and idle == 0, leaks
    finally:
        await conn.close()
