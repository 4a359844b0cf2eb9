"""`python -m seed` end to end on fresh databases: contents, determinism, idempotence,
products chosen, scale, and failures that leave a product untouched."""

from __future__ import annotations

import dataclasses
import re
import sys

import asyncpg
import pytest

from domainlayer.churn.repository import ChurnRepository
from domainlayer.churn.rules import BehaviourMetrics, risk_level
from domainlayer.client import connect_client
from domainlayer.coach.rules import determine_user_role
from domainlayer.madfam.rules import score_lead, tier_for_score
from domainlayer.travel.migration import TABLES as TRAVEL_TABLES
from seed.errors import SeedFailed
from seed.options import DOMAINS, SeedOptions
from seed.runner import SeedReport, seed_database
from tests.support.processes import run

AIRBAR = {
    "users": 10,
    "profiles": 5,
    "feature_flags": 13,
    "user_analytics": 22,
    "system_health": 24,
    "user_sessions": 17,
}


async def _digest(url: str, schemas: tuple[str, ...] = DOMAINS) -> dict[str, str]:
    """An md5 of every table's rows (in a stable order), per schema.table."""
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY($1::text[])",
            list(schemas),
        )
        result = {}
        for t in tables:
            name = f'"{t["schemaname"]}"."{t["tablename"]}"'
            result[name] = await conn.fetchval(
                f"SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {name} r"
            )
        return result
    finally:
        await conn.close()


async def _seed(url: str, **options: object) -> SeedReport:
    return await seed_database(url, SeedOptions(**options))  # type: ignore[arg-type]


async def test_every_product_is_seeded_with_what_its_document_describes(
    database_url: str,
) -> None:
    report = await _seed(database_url)
    assert [p.product for p in report.products] == list(DOMAINS)
    assert all(p.status == "seeded" for p in report.products)
    airbar = report.product("airbar")
    assert airbar.counts == AIRBAR and airbar.total == 91
    travel = report.product("travel")
    assert set(travel.counts) == set(TRAVEL_TABLES)
    assert all(travel.counts[t] > 0 for t in TRAVEL_TABLES), travel.counts
    assert report.product("churn").counts["Customer"] == 100
    for product in ("coach", "madfam", "churn"):
        empty = [t for t, n in report.product(product).counts.items() if n == 0]
        assert set(empty) <= {"SessionArchive"}, (product, empty)

    conn = await asyncpg.connect(database_url)
    try:
        # airbar: the personas and the document's flags.
        emails = {r["email"] for r in await conn.fetch("SELECT email FROM airbar.users")}
        assert len(emails) == 10
        personas = {r["persona"] for r in await conn.fetch("SELECT persona FROM airbar.users")}
        assert {"sarah", "marcus", "elena"} <= {p.split("_")[0] for p in personas if p}
        assert (
            await conn.fetchval(
                "SELECT count(DISTINCT country) FROM airbar.user_sessions"
                " WHERE country IN ('US', 'GB', 'SG', 'AU')"
            )
            == 4
        )
        # travel: a first super admin with null (all) permissions, the documented flag.
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM travel.admin_users WHERE role = 'super_admin'"
                " AND (permissions IS NULL OR permissions = 'null'::jsonb)"
            )
            >= 1
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM travel.feature_flags WHERE key = 'ml_price_prediction'"
            )
            == 1
        )
        # coach: codes and session tokens are kept only as SHA-256 digests (issue 14).
        stored = await conn.fetch(
            'SELECT code AS v FROM coach."AuthCode" UNION ALL'
            ' SELECT "sessionId" FROM coach."UserSession" UNION ALL'
            ' SELECT "authCodeUsed" FROM coach."UserSession"'
        )
        assert stored and all(re.fullmatch("[0-9a-f]{64}", r["v"]) for r in stored)
        # madfam: no webhook URL in clear (sealed with a key, none stored without one).
        webhooks = [
            r["w"] for r in await conn.fetch('SELECT "webhookUrl" AS w FROM madfam."Integration"')
        ]
        assert not any(w and w.startswith("http") for w in webhooks), webhooks
        # madfam: scores and tiers come from the rules.
        leads = await conn.fetch('SELECT * FROM madfam."Lead"')
        assert len({r["tier"] for r in leads}) >= 3 and len({r["source"] for r in leads}) >= 3
        for lead in leads:
            assert lead["score"] == score_lead(
                email=lead["email"],
                company=lead["company"],
                phone=lead["phone"],
                message=lead["message"],
                tier=lead["tier"],
                industry=lead["industry"],
                company_size=lead["companySize"],
            )
        assessments = await conn.fetch('SELECT score, tier FROM madfam."Assessment"')
        assert assessments
        assert any(row["score"] is not None for row in assessments)
        for row in assessments:  # unfinished assessments have neither score nor tier
            expected = None if row["score"] is None else tier_for_score(row["score"]).name
            assert row["tier"] == expected
        # churn: each risk level matches the customer's latest prediction.
        rows = await conn.fetch(
            """SELECT c."churnProbability" AS p, c."riskLevel" AS level,
                      (SELECT p."churnProbability" FROM churn."ChurnPrediction" p
                       WHERE p."customerId" = c.id ORDER BY p."predictedAt" DESC LIMIT 1)
                          AS latest
               FROM churn."Customer" c"""
        )
        assert len({r["level"] for r in rows}) == 4
        for r in rows:
            assert r["p"] == pytest.approx(r["latest"])
            assert r["level"] == risk_level(r["p"]).name
    finally:
        await conn.close()

    client = await connect_client(database_url)
    try:
        # coach: every role is what determine_user_role says.
        now = SeedOptions().now
        users = await client.coachuser.find_many()
        assert {u.role for u in users} >= {"coach", "client"}
        for user in users:
            assert user.role == determine_user_role(user, now), user.email
        # churn: recomputing a customer's metrics from its orders changes nothing.
        customers = await client.customer.find_many(order={"id": "asc"})
        assert len(customers) == 100
        repo = ChurnRepository(client)
        fields = [f.name for f in dataclasses.fields(BehaviourMetrics)]
        for customer in customers:
            again = await repo.recompute_metrics(customer.id, now)
            for field in fields:
                assert getattr(again, field) == getattr(customer, field), (customer.id, field)
    finally:
        await client.disconnect()


async def test_the_same_seed_gives_the_same_rows(
    database_url: str, empty_database_url: str
) -> None:
    from domainlayer.toolchain import migrate_deploy

    migrate_deploy(empty_database_url)
    await _seed(database_url, seed=7)
    await _seed(empty_database_url, seed=7)
    first, second = await _digest(database_url), await _digest(empty_database_url)
    assert first == second
    await _seed(empty_database_url, seed=8, reset=True)
    other = await _digest(empty_database_url)
    changed = [t for t in first if first[t] != other[t]]
    assert len(changed) > 30  # another seed, other data


async def test_a_second_run_keeps_and_reset_reseeds(database_url: str) -> None:
    await _seed(database_url)
    before = await _digest(database_url)
    again = await _seed(database_url)
    assert {p.status for p in again.products} == {"kept"}
    assert await _digest(database_url) == before
    reset = await _seed(database_url, reset=True, domains=("churn",))
    assert reset.product("churn").status == "seeded"
    assert await _digest(database_url) == before


async def test_domain_seeds_only_the_named_products(database_url: str) -> None:
    report = await _seed(database_url, domains=("madfam", "airbar"))
    assert [p.product for p in report.products] == ["airbar", "madfam"]
    conn = await asyncpg.connect(database_url)
    try:
        for schema in ("churn", "travel", "coach"):
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1", schema
            )
            for t in tables:
                assert await conn.fetchval(f'SELECT count(*) FROM {schema}."{t["tablename"]}"') == 0
    finally:
        await conn.close()


async def test_scale_multiplies_only_the_high_volume_tables(database_url: str) -> None:
    report = await _seed(database_url, scale=3, domains=("churn", "airbar"))
    churn, airbar = report.product("churn").counts, report.product("airbar").counts
    assert churn["Customer"] == 100 and airbar["users"] == 10
    assert airbar["user_analytics"] == 66 and airbar["system_health"] == 72
    base = await _seed(database_url, reset=True, domains=("churn",))
    for table in ("Order", "CustomerEvent", "SystemMetrics"):
        assert churn[table] >= 2.5 * base.product("churn").counts[table], table


async def test_a_failing_product_is_rolled_back_whole(database_url: str) -> None:
    with pytest.raises(SeedFailed) as failure:
        await _seed(database_url, fail_after="churn.Order")
    assert failure.value.product == "churn"
    assert [p.product for p in failure.value.completed] == ["airbar"]
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval('SELECT count(*) FROM churn."Customer"') == 0
        assert await conn.fetchval("SELECT count(*) FROM airbar.users") == 10
    finally:
        await conn.close()


def test_the_cli_exits_1_with_the_product_that_failed(database_url: str) -> None:
    done = run(
        [sys.executable, "-m", "seed", "--database-url", database_url, "--no-migrate",
         "--domain", "coach", "--fail-after", "coach.User"]
    )  # fmt: skip
    assert done.returncode == 1
    assert "coach" in done.stderr and "rolled back" in done.stderr


def test_progress_bars_per_table_on_request(database_url: str) -> None:
    done = run(
        [sys.executable, "-m", "seed", "--database-url", database_url, "--no-migrate",
         "--domain", "airbar", "--progress"]
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "airbar.user_analytics" in done.stderr and "rows" in done.stderr
    assert "airbar   total" in done.stdout


@pytest.mark.parametrize(
    "args", [["--scale", "0"], ["--seed", "x"], ["--now", "yesterday"], ["--domain", "shop"]]
)
def test_bad_arguments_exit_2(args: list[str]) -> None:
    done = run([sys.executable, "-m", "seed", *args])
    assert done.returncode == 2 and "usage:" in done.stderr
