"""The scheduled jobs on seeded data: exact counts, dry runs, locks, clocks, batches.

The seed (``python -m seed --domain churn coach madfam``, seed 1) is deterministic and
relative to 2026-01-01T00:00Z, where nothing is due yet; each test runs its job at a later
instant (``--now ... --allow-clock-skew``, the explicit way past the clock check) and
checks the counts the job prints against the constants below and against plain SQL.
Jobs run through ``domainlayer.jobs.cli.run``, the command line in this process.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.churn.repository import ChurnRepository
from domainlayer.clock import MAX_CLOCK_SKEW, check_skew, checked_now
from domainlayer.coach.repository import MaintenanceRepository
from domainlayer.errors import InvalidInputError
from domainlayer.jobs import cli
from domainlayer.jobs.lock import lock_key
from domainlayer.repository import ClientSql

SEED_NOW = datetime(2026, 1, 1, tzinfo=UTC)
SCHEMAS = ("churn", "coach", "madfam")


async def _job(*argv: str) -> tuple[int, dict[str, Any] | None, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await cli.run([*argv, "--json"], out=out, err=err)
    text = out.getvalue().strip()
    return code, (json.loads(text) if text else None), err.getvalue()


def _counts(report: dict[str, Any]) -> dict[tuple[str, str], int]:
    return {(c["table"], c["action"]): c["rows"] for c in report["counts"]}


async def _digest(db: asyncpg.Connection) -> dict[str, str]:
    tables = await db.fetch(
        "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY($1::text[])",
        list(SCHEMAS),
    )
    result = {}
    for t in tables:
        name = f'"{t["schemaname"]}"."{t["tablename"]}"'
        result[name] = await db.fetchval(
            f"SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {name} r"
        )
    return result


@pytest.fixture
async def seeded(seeded_database_url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(seeded_database_url)
    try:
        yield conn
    finally:
        await conn.close()


def _at(moment: datetime) -> list[str]:
    return ["--now", moment.isoformat(), "--allow-clock-skew"]


# coach ------------------------------------------------------------------------------------

EXPIRED_SESSIONS_AT = datetime(2026, 1, 15, tzinfo=UTC)


async def test_expired_sessions_job_deletes_exactly_the_expired_inactive_sessions(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    live = await seeded.fetch('SELECT id FROM coach."UserSession" WHERE "isActive" ORDER BY id')
    code, report, _ = await _job(
        "coach-expired-sessions",
        "--database-url",
        seeded_database_url,
        "--batch-size",
        "4",
        *_at(EXPIRED_SESSIONS_AT),
    )
    assert code == cli.EXIT_OK and report is not None
    assert _counts(report) == {('coach."UserSession"', "deleted"): 15}
    assert report["batches"] == 4  # 4 + 4 + 4 + 3 rows
    assert report["now"] == "2026-01-15T00:00:00.000Z" and report["now_source"] == "given"
    assert await seeded.fetchval('SELECT count(*) FROM coach."UserSession"') == 299 - 15
    left = await seeded.fetchval(
        'SELECT count(*) FROM coach."UserSession" WHERE NOT "isActive" AND "expiresAt" < $1',
        EXPIRED_SESSIONS_AT.replace(tzinfo=None),
    )
    assert left == 0
    # an active session is never removed, even when expired
    after = await seeded.fetch('SELECT id FROM coach."UserSession" WHERE "isActive" ORDER BY id')
    assert after == live


async def test_expired_auth_codes_are_kept_while_a_session_names_them(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    url = ["--database-url", seeded_database_url, *_at(EXPIRED_SESSIONS_AT)]
    code, report, _ = await _job("coach-expired-auth-codes", *url)
    assert code == 0 and report is not None
    assert _counts(report) == {('coach."AuthCode"', "deleted"): 0}  # every used code has a session
    assert (await _job("coach-expired-sessions", *url))[0] == 0
    code, report, _ = await _job("coach-expired-auth-codes", *url, "--batch-size", "7")
    assert code == 0 and report is not None
    assert _counts(report) == {('coach."AuthCode"', "deleted"): 15}
    assert report["batches"] == 3
    assert await seeded.fetchval('SELECT count(*) FROM coach."AuthCode"') == 455 - 15
    # unused codes stay, whatever their age
    assert (
        await seeded.fetchval('SELECT count(*) FROM coach."AuthCode" WHERE "usedAt" IS NULL') == 156
    )


ARCHIVE_AT = datetime(2026, 4, 1, tzinfo=UTC)  # cutoff 2025-10-01


async def test_archive_job_moves_sessions_ended_over_six_months_ago(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    columns = (
        'id, "roomId", "appointmentId", "userId", "startedAt", "endedAt", "durationMinutes", '
        'status, "warningsSent", transcript, "aiSummary", summary, "deletedAt"'
    )
    old = await seeded.fetch(
        f'SELECT {columns} FROM coach."Session" WHERE "endedAt" < $1 ORDER BY id',
        datetime(2025, 10, 1),
    )
    code, report, _ = await _job(
        "coach-archive-sessions",
        "--database-url",
        seeded_database_url,
        "--batch-size",
        "50",
        *_at(ARCHIVE_AT),
    )
    assert code == 0 and report is not None
    assert _counts(report) == {
        ('coach."Message"', "deleted"): 547,
        ('coach."SessionRating"', "deleted"): 48,
        ('coach."Session"', "moved to the archive"): 122,
        ('coach."SessionArchive"', "inserted"): 122,
    }
    assert len(old) == 122 and report["batches"] == 3
    assert {c["cutoff"] for c in report["counts"]} == {"2025-10-01T00:00:00.000Z"}
    archived = await seeded.fetch(f'SELECT {columns} FROM coach."SessionArchive" ORDER BY id')
    assert archived == old  # the same rows, every column
    assert await seeded.fetchval('SELECT count(*) FROM coach."Session"') == 636 - 122
    assert await seeded.fetchval('SELECT count(*) FROM coach."Message"') == 2807 - 547
    # a second run finds nothing more to move
    code, report, _ = await _job(
        "coach-archive-sessions", "--database-url", seeded_database_url, *_at(ARCHIVE_AT)
    )
    assert code == 0 and report is not None
    assert set(_counts(report).values()) == {0}


# churn ------------------------------------------------------------------------------------

RETENTION_AT = datetime(2026, 1, 3, 12, tzinfo=UTC)


async def test_retention_job_deletes_each_kind_past_its_period(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    cutoffs = {
        "CustomerEvent": ('"occurredAt"', RETENTION_AT - timedelta(days=90)),
        "ChurnPrediction": ('"predictedAt"', RETENTION_AT - timedelta(days=30)),
        "SystemMetrics": ('"recordedAt"', RETENTION_AT - timedelta(days=365)),
    }
    before = {t: await seeded.fetchval(f'SELECT count(*) FROM churn."{t}"') for t in cutoffs}
    code, report, _ = await _job(
        "churn-retention",
        "--database-url",
        seeded_database_url,
        "--batch-size",
        "10",
        *_at(RETENTION_AT),
    )
    assert code == 0 and report is not None
    assert _counts(report) == {
        ('churn."CustomerEvent"', "deleted"): 55,
        ('churn."ChurnPrediction"', "deleted"): 4,
        ('churn."Alert"', "deleted"): 3,
        ('churn."SystemMetrics"', "deleted"): 0,
    }
    for table, (column, cutoff) in cutoffs.items():
        left = await seeded.fetchval(
            f'SELECT count(*) FROM churn."{table}" WHERE {column} < $1', cutoff
        )
        assert left == 0
        deleted = _counts(report)[(f'churn."{table}"', "deleted")]
        assert await seeded.fetchval(f'SELECT count(*) FROM churn."{table}"') == (
            before[table] - deleted
        )
    # open and acknowledged alerts are kept whatever their age; 12 resolved ones are younger
    assert (
        await seeded.fetchval("SELECT count(*) FROM churn.\"Alert\" WHERE status = 'RESOLVED'")
        == 15 - 3
    )
    assert await seeded.fetchval('SELECT count(*) FROM churn."Alert"') == 49 - 3


async def test_retention_keeps_system_metrics_for_a_year(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    code, report, _ = await _job(
        "churn-retention",
        "--database-url",
        seeded_database_url,
        *_at(datetime(2026, 12, 28, 12, tzinfo=UTC)),
    )
    assert code == 0 and report is not None
    assert _counts(report) == {
        ('churn."CustomerEvent"', "deleted"): 2188,
        ('churn."ChurnPrediction"', "deleted"): 400,
        ('churn."Alert"', "deleted"): 15,
        ('churn."SystemMetrics"', "deleted"): 140,
    }
    assert await seeded.fetchval('SELECT count(*) FROM churn."SystemMetrics"') == 280 - 140


async def test_retention_periods_are_configurable(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    code, report, _ = await _job(
        "churn-retention",
        "--database-url",
        seeded_database_url,
        "--customer-events-days",
        "30",
        "--dry-run",
        *_at(SEED_NOW),
    )
    assert code == 0 and report is not None
    expected = await seeded.fetchval(
        'SELECT count(*) FROM churn."CustomerEvent" WHERE "occurredAt" < $1',
        SEED_NOW - timedelta(days=30),
    )
    assert expected > 0
    assert _counts(report)[('churn."CustomerEvent"', "would delete")] == expected


# dry runs ---------------------------------------------------------------------------------

LATE = datetime(2026, 12, 28, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "job", ["coach-expired-sessions", "coach-archive-sessions", "churn-retention"]
)
async def test_a_dry_run_counts_what_the_run_then_does_and_changes_nothing(
    job: str, seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    before = await _digest(seeded)
    code, preview, _ = await _job(
        job, "--database-url", seeded_database_url, "--dry-run", *_at(LATE)
    )
    assert code == 0 and preview is not None and preview["dry_run"] is True
    assert await _digest(seeded) == before
    code, done, _ = await _job(job, "--database-url", seeded_database_url, *_at(LATE))
    assert code == 0 and done is not None
    would = [c["rows"] for c in preview["counts"]]
    did = [c["rows"] for c in done["counts"]]
    assert would == did and sum(did) > 0
    assert await _digest(seeded) != before


async def test_the_email_worker_dry_run_counts_the_claimable_emails(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    before = await _digest(seeded)
    code, report, _ = await _job(
        "madfam-email-worker",
        "--database-url",
        seeded_database_url,
        "--transport",
        "folder:/nonexistent",
        "--dry-run",
    )
    assert code == 0 and report == {"job": "madfam-email-worker", "claimable": 3, "dry_run": True}
    assert await _digest(seeded) == before


# two runs at once -------------------------------------------------------------------------


async def _lock_holders(db: asyncpg.Connection, job: str, *, granted: bool) -> int:
    namespace, key = lock_key(job)
    # classid/objid hold the two int4 keys as oids (unsigned).
    return int(
        await db.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 "
            "AND classid = ($1::bigint & 4294967295)::oid "
            "AND objid = ($2::bigint & 4294967295)::oid AND granted = $3",
            namespace,
            key,
            granted,
        )
    )


async def _until(predicate: Any, *, seconds: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def test_a_second_run_while_one_runs_exits_75_or_waits_its_turn(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    job = "coach-archive-sessions"
    args = ["--database-url", seeded_database_url, "--batch-size", "1", *_at(LATE)]
    first = asyncio.create_task(_job(job, *args))
    await _until(lambda: _lock_holders(seeded, job, granted=True))
    assert not first.done()
    # a second run now: refused at once, with the documented code, having changed nothing
    code, report, err = await _job(job, *args)
    assert code == cli.EXIT_ALREADY_RUNNING == 75 and report is None
    assert "already running" in err
    # a third, told to wait: queues behind the first, then finds nothing left to move
    third = asyncio.create_task(_job(job, *args, "--wait", "120"))
    await _until(lambda: _lock_holders(seeded, job, granted=False))
    code, report, _ = await first
    assert code == 0 and report is not None
    assert _counts(report)[('coach."Session"', "moved to the archive")] == 636
    assert report["batches"] == 637
    code, report, _ = await third
    assert code == 0 and report is not None
    assert set(_counts(report).values()) == {0}
    assert await seeded.fetchval('SELECT count(*) FROM coach."SessionArchive"') == 636


async def test_a_wait_that_runs_out_exits_75(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    namespace, key = lock_key("churn-retention")
    await seeded.execute("SELECT pg_advisory_lock($1, $2)", namespace, key)
    before = await _digest(seeded)
    code, _, err = await _job(
        "churn-retention", "--database-url", seeded_database_url, "--wait", "0.2", *_at(LATE)
    )
    assert code == 75 and "waited 0.2 s" in err
    assert await _digest(seeded) == before


async def test_concurrent_batched_runs_without_the_lock_never_delete_a_row_twice(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    from domainlayer.client import connect_client

    clients = [await connect_client(seeded_database_url) for _ in range(3)]
    try:
        results = await asyncio.gather(
            *(
                ChurnRepository(c).apply_retention(LATE, allow_clock_skew=True, batch_size=25)
                for c in clients
            )
        )
    finally:
        for c in clients:
            await c.disconnect()
    assert sum(r.customer_events for r in results) == 2188
    assert sum(r.predictions for r in results) == 400
    assert sum(r.system_metrics for r in results) == 140
    assert await seeded.fetchval('SELECT count(*) FROM churn."CustomerEvent"') == 0


# clocks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "job", ["coach-expired-sessions", "coach-archive-sessions", "churn-retention"]
)
async def test_a_now_far_from_the_database_clock_is_refused(
    job: str, seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    before = await _digest(seeded)
    code, report, err = await _job(
        job, "--database-url", seeded_database_url, "--now", "9999-01-01T00:00Z"
    )
    assert code == cli.EXIT_USAGE and report is None
    assert "database clock" in err and "--allow-clock-skew" in err
    assert await _digest(seeded) == before


async def test_repositories_refuse_a_skewed_now_unless_told_and_changes_nothing(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    from domainlayer.client import connect_client

    db = await connect_client(seeded_database_url)
    try:
        before = await _digest(seeded)
        far = datetime(9999, 1, 1, tzinfo=UTC)
        with pytest.raises(InvalidInputError, match="database clock"):
            await ChurnRepository(db).apply_retention(far)
        with pytest.raises(InvalidInputError, match="database clock"):
            await MaintenanceRepository(db).run(far)
        with pytest.raises(InvalidInputError, match="database clock"):
            await MaintenanceRepository(db).archive_old_sessions(SEED_NOW)  # 11 months ago
        assert await _digest(seeded) == before
        # explicitly allowed: the year-9999 instant is used as given
        report = await ChurnRepository(db).apply_retention(far, allow_clock_skew=True, dry_run=True)
        assert report.customer_events == 2188 and report.now == far
    finally:
        await db.disconnect()


async def test_without_now_the_database_clock_is_used(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    code, report, _ = await _job(
        "churn-retention", "--database-url", seeded_database_url, "--dry-run"
    )
    assert code == 0 and report is not None and report["now_source"] == "database clock"
    used = datetime.fromisoformat(report["now"].replace("Z", "+00:00"))
    server = await seeded.fetchval("SELECT now()")
    assert abs(server - used) < timedelta(minutes=5)
    expected = await seeded.fetchval(
        'SELECT count(*) FROM churn."CustomerEvent" WHERE "occurredAt" < $1',
        used - timedelta(days=90),
    )
    assert _counts(report)[('churn."CustomerEvent"', "would delete")] == expected


async def test_checked_now_accepts_a_day_of_skew_and_refuses_more(client: Prisma) -> None:
    sql = ClientSql(client)
    server = await checked_now(sql, None)
    near = server + MAX_CLOCK_SKEW - timedelta(minutes=1)
    assert await checked_now(sql, near) == near
    with pytest.raises(InvalidInputError, match="behind the database clock"):
        await checked_now(sql, server - MAX_CLOCK_SKEW - timedelta(minutes=1))
    with pytest.raises(InvalidInputError, match="timezone-aware"):
        await checked_now(sql, datetime(2026, 1, 1))
    with pytest.raises(InvalidInputError, match="must be a datetime"):
        await checked_now(sql, "2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="ahead of"):
        check_skew(server + timedelta(days=2), server)


# arguments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"now": {"not": "x"}}, "now must be a datetime, not dict"),
        ({"now": "2026-01-01"}, "now must be a datetime, not str"),
        ({"batch_size": 0}, "batch_size must be 1..100,000: 0"),
        ({"batch_size": True}, "batch_size must be a whole number, not True"),
        ({"batch_size": {"gt": 1}}, "batch_size must be a whole number, not {'gt': 1}"),
        ({"dry_run": "yes"}, "dry_run must be True or False"),
        ({"allow_clock_skew": "yes"}, "allow_skew must be True or False"),
    ],
)
async def test_maintenance_and_retention_refuse_bad_arguments_and_change_nothing(
    kwargs: dict[str, Any], match: str, seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    from domainlayer.client import connect_client

    db = await connect_client(seeded_database_url)
    try:
        before = await _digest(seeded)
        arguments = {"now": LATE, "allow_clock_skew": True, **kwargs}
        now = arguments.pop("now")
        with pytest.raises(InvalidInputError, match=re.escape(match)):
            await MaintenanceRepository(db).archive_old_sessions(now, **arguments)
        with pytest.raises(InvalidInputError, match=re.escape(match)):
            await ChurnRepository(db).apply_retention(now, **arguments)
        with pytest.raises(InvalidInputError, match="retention must be a Retention"):
            await ChurnRepository(db).apply_retention(LATE, {"days": 1}, allow_clock_skew=True)  # type: ignore[arg-type]
        assert await _digest(seeded) == before
    finally:
        await db.disconnect()


async def test_the_report_names_the_database_but_never_the_password() -> None:
    target = cli.describe_target(
        "postgresql://app:s3cret-pw@db.example.com:6543/shop?sslmode=require"
    )
    assert target == {"host": "db.example.com", "port": 6543, "database": "shop", "user": "app"}
    assert "s3cret" not in json.dumps(target)


async def test_the_text_report_lists_the_counts_per_table(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = await cli.run(
        ["coach-expired-sessions", "--database-url", seeded_database_url, *_at(LATE)],
        out=out,
        err=err,
    )
    text = out.getvalue()
    assert code == 0
    port = seeded_database_url.rsplit(":", 1)[1].split("/")[0]
    assert f":{port}/" in text.splitlines()[0]
    assert 'coach."UserSession"' in text and " deleted " in text and "30" in text
    assert "now 2026-12-28T12:00:00.000Z (given)" in text


async def test_usage_errors_exit_2() -> None:
    assert await cli.run(["coach-expired-sessions", "--batch-size", "0"], err=io.StringIO()) == 2
    assert await cli.run(["no-such-job"], err=io.StringIO()) == 2
    assert await cli.run(["churn-retention", "--now", "yesterday"], err=io.StringIO()) == 2
    assert await cli.run(["madfam-email-worker"], err=io.StringIO()) == 2  # --transport required


@pytest.mark.parametrize(
    "module_name",
    [
        "domainlayer.clock",
        "domainlayer.batching",
        "domainlayer.jobs",
        "domainlayer.jobs.cli",
        "domainlayer.jobs.lock",
        "domainlayer.jobs.transports",
        "domainlayer.jobs.worker",
    ],
)
def test_every_name_in_all_exists(module_name: str) -> None:
    import importlib

    module = importlib.import_module(module_name)
    for name in module.__all__:
        assert hasattr(module, name) and not name.startswith("_"), name


async def test_progress_is_reported_per_table_on_stderr(
    seeded_database_url: str, seeded: asyncpg.Connection
) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = await cli.run(
        [
            "churn-retention",
            "--database-url",
            seeded_database_url,
            "--progress",
            "--batch-size",
            "100",
            *_at(LATE),
        ],
        out=out,
        err=err,
    )
    assert code == 0
    final = [line.rsplit("\r", 1)[-1] for line in err.getvalue().splitlines()]
    rows = {line.split()[0]: line.split()[1] for line in final if " rows " in line}
    # rows examined per table (the batches' candidates), ending at what was deleted
    assert rows == {
        'churn."CustomerEvent"': "2,188",
        'churn."ChurnPrediction"': "400",
        'churn."Alert"': "15",
        'churn."SystemMetrics"': "140",
    }
