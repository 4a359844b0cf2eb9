"""travel experiments on the real database: one assignment per user, conversions, stats."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.errors import InvalidInputError
from domainlayer.flags import choose_variant
from domainlayer.travel.experiments import AlreadyConverted, FlagNotFound, NotInExperiment
from domainlayer.travel.repositories.experiments import ExperimentRepository

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
VARIANTS = [{"id": "control", "weight": 50}, {"id": "ml_badge", "weight": 50}]


async def _flag(client: Prisma, **overrides: object) -> ExperimentRepository:
    repo = ExperimentRepository(client)
    fields: dict[str, object] = {
        "name": "ML Price Prediction",
        "description": "AI-powered flight price predictions",
        "enabled": True,
        "rollout_percentage": 100,
        "variants": VARIANTS,
        "is_experiment": True,
    }
    fields.update(overrides)
    await repo.define("ml_price_prediction", **fields)  # type: ignore[arg-type]
    return repo


async def test_the_documented_flag_is_created_off_with_one_control_variant(
    client: Prisma,
) -> None:
    repo = ExperimentRepository(client)
    flag = await repo.define(
        "ml_price_prediction",
        name="ML Price Prediction",
        description="AI-powered flight price predictions",
    )
    assert (flag.enabled, flag.rolloutPercentage, flag.isExperiment) == (False, 0, False)
    assert flag.variants == [{"id": "control", "weight": 100}]
    assert await repo.assign("ml_price_prediction", "u1", now=NOW) is None


async def test_concurrent_assignment_stores_one_participation_per_user(
    client: Prisma, db: asyncpg.Connection
) -> None:
    repo = await _flag(client)
    results = await asyncio.gather(
        *(repo.assign("ml_price_prediction", "user-7", now=NOW) for _ in range(30))
    )
    assert all(r is not None for r in results)
    variants = {r.variant for r in results if r}
    assert variants == {choose_variant("ml_price_prediction", "user-7", VARIANTS)}
    assert sum(1 for r in results if r and r.new) == 1
    count = await db.fetchval("SELECT count(*) FROM travel.experiment_participations")
    assert count == 1


async def test_a_user_keeps_the_first_variant_even_when_weights_change(client: Prisma) -> None:
    repo = await _flag(client)
    first = await repo.assign("ml_price_prediction", "user-1", now=NOW)
    assert first is not None
    other = "ml_badge" if first.variant == "control" else "control"
    await repo.define(
        "ml_price_prediction",
        name="ML Price Prediction",
        enabled=True,
        rollout_percentage=100,
        variants=[{"id": other, "weight": 1}, {"id": first.variant, "weight": 0}],
        is_experiment=True,
    )
    again = await repo.assign("ml_price_prediction", "user-1", now=NOW + timedelta(days=1))
    assert again is not None and again.variant == first.variant and not again.new


async def test_rollout_window_and_audience_decide_who_takes_part(client: Prisma) -> None:
    repo = await _flag(
        client,
        target_audience={"segments": ["frequent_flyer"]},
        start_date=NOW,
        end_date=NOW + timedelta(days=7),
    )
    assert await repo.assign("ml_price_prediction", "u", now=NOW) is None
    inside = await repo.assign("ml_price_prediction", "u", now=NOW, segments=["frequent_flyer"])
    assert inside is not None
    late = NOW + timedelta(days=7)
    assert (
        await repo.assign("ml_price_prediction", "v", now=late, segments=["frequent_flyer"]) is None
    )
    assert await repo.is_enabled("ml_price_prediction", "u", segments=["frequent_flyer"], now=NOW)


async def test_conversions_are_recorded_once_and_counted_per_variant(
    client: Prisma, db: asyncpg.Connection
) -> None:
    repo = await _flag(client)
    users = [f"user-{n}" for n in range(200)]
    assigned = {u: await repo.assign("ml_price_prediction", u, now=NOW) for u in users}
    converting = users[::4]
    for u in converting:
        await repo.record_conversion("ml_price_prediction", u, now=NOW, value="99.50")
    with pytest.raises(AlreadyConverted):
        await repo.record_conversion("ml_price_prediction", converting[0], now=NOW)
    with pytest.raises(NotInExperiment):
        await repo.record_conversion("ml_price_prediction", "stranger", now=NOW)
    with pytest.raises(FlagNotFound):
        await repo.record_conversion("no_such_flag", "user-1", now=NOW)
    stats = {s.variant: s for s in await repo.stats("ml_price_prediction")}
    assert set(stats) == {"control", "ml_badge"}
    for variant, s in stats.items():
        members = [u for u, a in assigned.items() if a and a.variant == variant]
        converted = [u for u in converting if u in members]
        assert s.participants == len(members)
        assert s.conversions == len(converted)
        assert s.conversion_value == Decimal("99.50") * len(converted)
        assert s.conversion_rate == pytest.approx(len(converted) / len(members))
    control, badge = stats["control"], stats["ml_badge"]
    assert control.lift is None
    assert badge.lift == pytest.approx(
        (badge.conversion_rate - control.conversion_rate) / control.conversion_rate  # type: ignore[operator]
    )
    converted_at = await db.fetchval(
        "SELECT min(converted_at) FROM travel.experiment_participations WHERE converted"
    )
    assert converted_at == NOW


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"variants": []}, "an experiment needs at least one variant"),
        ({"variants": [{"id": "a", "weight": -1}]}, "variant 'a' has weight -1"),
        (
            {"variants": [{"id": "a", "weight": 1}, {"id": "a", "weight": 2}]},
            "variant ids repeat",
        ),
        ({"rollout_percentage": 101}, r"rollout percentage 101 not in 0\.\.100"),
        ({"target_audience": {"countries": ["US"]}}, "unknown targetAudience keys"),
        (
            {"start_date": NOW, "end_date": NOW - timedelta(days=1)},
            "the window ends before it starts",
        ),
        ({"start_date": datetime(2026, 1, 1)}, "start_date must be a timezone-aware datetime"),
        ({"name": " "}, "name is required"),
    ],
)
async def test_bad_flags_write_nothing(
    client: Prisma, db: asyncpg.Connection, overrides: dict[str, object], match: str
) -> None:
    with pytest.raises(InvalidInputError, match=match):
        await _flag(client, **overrides)
    assert await db.fetchval("SELECT count(*) FROM travel.feature_flags") == 0


async def test_bad_keys_and_users_are_refused(client: Prisma, db: asyncpg.Connection) -> None:
    repo = await _flag(client)
    with pytest.raises(InvalidInputError, match="a travel flag key is snake_case"):
        await repo.define("ML-Price", name="x")
    with pytest.raises(InvalidInputError, match="user_id is required"):
        await repo.assign("ml_price_prediction", "", now=NOW)
    with pytest.raises(InvalidInputError, match="now must be a timezone-aware datetime"):
        await repo.assign("ml_price_prediction", "u", now=datetime(2026, 1, 1))
    with pytest.raises(InvalidInputError, match="value must be a finite number in"):
        await repo.record_conversion("ml_price_prediction", "u", now=NOW, value="-1")
    assert await db.fetchval("SELECT count(*) FROM travel.experiment_participations") == 0
