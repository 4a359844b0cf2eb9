"""travel A/B testing (002: "feature_flags: Rollout percentage, variant management";
"experiment_participations: Conversion tracking per variant") on the real database: the
branches the first suite left out. Rollout changes, the active window, audience segments,
conversion values and statistics per variant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.errors import InvalidInputError
from domainlayer.flags import bucket
from domainlayer.travel.experiments import FlagNotFound, NotInExperiment
from domainlayer.travel.repositories.experiments import ExperimentRepository

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
KEY = "ml_price_prediction"
USERS = [f"user-{n}" for n in range(200)]


async def _documented_flag(client: Prisma, **overrides: object) -> ExperimentRepository:
    """The document's "Initialize Feature Flags" row, switched on, with overrides."""
    repo = ExperimentRepository(client)
    fields: dict[str, object] = {
        "name": "ML Price Prediction",
        "description": "AI-powered flight price predictions",
        "enabled": True,
        "rollout_percentage": 0,
        "variants": [{"id": "control", "weight": 100}],
        "is_experiment": False,
    }
    fields.update(overrides)
    await repo.define(KEY, **fields)  # type: ignore[arg-type]
    return repo


async def _stored_rollout(db: asyncpg.Connection) -> int:
    value: int = await db.fetchval(
        "SELECT rollout_percentage FROM travel.feature_flags WHERE key = $1", KEY
    )
    return value


async def _users_on(repo: ExperimentRepository) -> set[str]:
    return {u for u in USERS if await repo.is_enabled(KEY, u, now=NOW)}


async def test_raising_the_rollout_keeps_every_user_who_had_the_flag(
    client: Prisma, db: asyncpg.Connection
) -> None:
    repo = await _documented_flag(client, rollout_percentage=10)
    at_ten = await _users_on(repo)

    updated = await repo.set_rollout(KEY, 50)

    assert updated.rolloutPercentage == 50 == await _stored_rollout(db)
    at_fifty = await _users_on(repo)
    assert at_ten < at_fifty, "raising the rollout never turns a user off"
    # A user is on exactly when their bucket (0..99) is below the percentage.
    assert at_ten == {u for u in USERS if bucket(KEY, u) < 10}
    assert at_fifty == {u for u in USERS if bucket(KEY, u) < 50}


@pytest.mark.parametrize(("percentage", "on"), [(0, 0), (100, len(USERS))])
async def test_the_rollout_edges_turn_nobody_and_everybody_on(
    client: Prisma, db: asyncpg.Connection, percentage: int, on: int
) -> None:
    repo = await _documented_flag(client, rollout_percentage=37)

    await repo.set_rollout(KEY, percentage)

    assert await _stored_rollout(db) == percentage
    assert len(await _users_on(repo)) == on


@pytest.mark.parametrize(
    ("percentage", "error", "match"),
    [
        (101, InvalidInputError, r"rollout percentage 101 not in 0\.\.100"),
        (-1, InvalidInputError, r"rollout percentage -1 not in 0\.\.100"),
        (True, InvalidInputError, "percentage"),
        ("50", InvalidInputError, "percentage"),
    ],
)
async def test_a_rollout_outside_0_to_100_is_refused_and_nothing_changes(
    client: Prisma,
    db: asyncpg.Connection,
    percentage: object,
    error: type[Exception],
    match: str,
) -> None:
    repo = await _documented_flag(client, rollout_percentage=25)

    with pytest.raises(error, match=match):
        await repo.set_rollout(KEY, percentage)  # type: ignore[arg-type]

    assert await _stored_rollout(db) == 25


async def test_the_rollout_of_an_unknown_or_misnamed_flag_is_refused(
    client: Prisma, db: asyncpg.Connection
) -> None:
    repo = ExperimentRepository(client)

    with pytest.raises(FlagNotFound, match="no travel flag 'ml_price_prediction'"):
        await repo.set_rollout(KEY, 50)
    with pytest.raises(InvalidInputError, match="snake_case"):
        await repo.set_rollout("ML-Price", 50)

    assert await db.fetchval("SELECT count(*) FROM travel.feature_flags") == 0


async def test_a_flag_is_on_only_inside_its_start_and_end_dates(client: Prisma) -> None:
    repo = await _documented_flag(
        client,
        rollout_percentage=100,
        start_date=NOW,
        end_date=NOW + timedelta(days=7),
    )

    assert await repo.assign(KEY, "u1", now=NOW - timedelta(seconds=1)) is None
    inside = await repo.assign(KEY, "u1", now=NOW)
    assert inside is not None and inside.variant == "control" and inside.new
    assert not await repo.is_enabled(KEY, "u2", now=NOW + timedelta(days=7, seconds=1))
    flag = await repo.get(KEY)
    assert (flag.startDate, flag.endDate) == (NOW, NOW + timedelta(days=7))


async def test_a_targeted_flag_reaches_only_its_segments(
    client: Prisma, db: asyncpg.Connection
) -> None:
    repo = await _documented_flag(
        client, rollout_percentage=100, target_audience={"segments": ["frequent_flyers"]}
    )

    assert await repo.assign(KEY, "u1", now=NOW, segments=["budget"]) is None
    kept = await repo.assign(KEY, "u1", now=NOW, segments=["frequent_flyers"], session_id="s1")
    again = await repo.assign(KEY, "u1", now=NOW + timedelta(hours=1), segments=["frequent_flyers"])

    assert kept is not None and kept.new and kept.assigned_at == NOW
    assert again is not None and not again.new and again.assigned_at == NOW
    rows = await db.fetch("SELECT user_id, session_id FROM travel.experiment_participations")
    assert [tuple(r) for r in rows] == [("u1", "s1")]
    stored = await db.fetchval("SELECT target_audience FROM travel.feature_flags")
    assert stored == '{"segments": ["frequent_flyers"]}'


async def test_conversion_values_are_summed_per_variant_with_their_lift(
    client: Prisma, db: asyncpg.Connection
) -> None:
    variants = [{"id": "control", "weight": 50}, {"id": "ml_badge", "weight": 50}]
    repo = await _documented_flag(
        client, rollout_percentage=100, variants=variants, is_experiment=True
    )
    assigned = {u: await repo.assign(KEY, u, now=NOW) for u in USERS[:40]}
    by_variant: dict[str, list[str]] = {"control": [], "ml_badge": []}
    for user, assignment in assigned.items():
        assert assignment is not None
        by_variant[assignment.variant].append(user)
    control, badge = by_variant["control"], by_variant["ml_badge"]
    assert control and badge

    assert await repo.record_conversion(KEY, control[0], now=NOW, value="100.5") == "control"
    assert await repo.record_conversion(KEY, badge[0], now=NOW, value=Decimal("40")) == "ml_badge"
    assert await repo.record_conversion(KEY, badge[1], now=NOW, value=2) == "ml_badge"

    stats = {s.variant: s for s in await repo.stats(KEY)}
    assert stats["control"].participants == len(control)
    assert stats["control"].conversions == 1
    assert stats["control"].conversion_value == Decimal("100.50")
    assert stats["ml_badge"].conversions == 2
    assert stats["ml_badge"].conversion_value == Decimal("42.00")
    control_rate = Decimal(1) / len(control)
    badge_rate = Decimal(2) / len(badge)
    lift = stats["ml_badge"].lift
    assert lift is not None
    assert abs(Decimal(str(lift)) - (badge_rate - control_rate) / control_rate) < Decimal("0.001")
    stored = await db.fetchval(
        "SELECT sum(conversion_value) FROM travel.experiment_participations WHERE converted"
    )
    assert stored == Decimal("142.50")


@pytest.mark.parametrize(
    ("value", "match"),
    [(Decimal("-0.01"), "value"), (Decimal("10000000000"), "value"), ("ten", "value")],
)
async def test_a_bad_conversion_value_is_refused_and_nothing_converts(
    client: Prisma, db: asyncpg.Connection, value: object, match: str
) -> None:
    repo = await _documented_flag(client, rollout_percentage=100)
    await repo.assign(KEY, "u1", now=NOW)

    with pytest.raises(InvalidInputError, match=match):
        await repo.record_conversion(KEY, "u1", now=NOW, value=value)  # type: ignore[arg-type]

    assert await db.fetchval("SELECT converted FROM travel.experiment_participations") is False


async def test_converting_a_user_of_an_unknown_flag_says_the_flag_is_unknown(
    client: Prisma,
) -> None:
    repo = await _documented_flag(client, rollout_percentage=100)

    with pytest.raises(FlagNotFound, match="no travel flag 'other_flag'"):
        await repo.record_conversion("other_flag", "u1", now=NOW)
    with pytest.raises(NotInExperiment, match="u1 is not in the ml_price_prediction"):
        await repo.record_conversion(KEY, "u1", now=NOW)


async def test_statistics_of_an_unknown_flag_are_refused(client: Prisma) -> None:
    with pytest.raises(FlagNotFound, match="no travel flag 'ml_price_prediction'"):
        await ExperimentRepository(client).stats(KEY)


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"variants": {"id": "control"}}, "variants must be a list"),
        ({"variants": [{"id": "a", "weight": 50}, {"id": "a", "weight": 50}]}, "repeat"),
        ({"target_audience": {"cities": ["MEX"]}}, "unknown targetAudience keys"),
        ({"rollout_percentage": 150}, r"not in 0\.\.100"),
        ({"start_date": datetime(2026, 1, 1)}, "start_date"),
    ],
)
async def test_a_bad_definition_writes_no_flag(
    client: Prisma, db: asyncpg.Connection, overrides: dict[str, object], match: str
) -> None:
    with pytest.raises(InvalidInputError, match=match):
        await _documented_flag(client, **overrides)

    assert await db.fetchval("SELECT count(*) FROM travel.feature_flags") == 0
