"""travel's A/B testing as document 002 sets it up (``feature_flags``, participations).

The document's first flag is ``ml_price_prediction``, off, at 0 % rollout, with one variant
``{"id": "control", "weight": 100}``. These tests pin each rule at its edge: the key format and
its 100-character limit, the ``targetAudience`` shape, the rollout percentage from 0 to 100,
the variant list, and the per-variant statistics (rate, value, lift over the control). The
golden vectors pin who gets which variant: a change of hashing would silently move users of a
running experiment from one variant to another.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domainlayer.errors import ConflictError, InvalidInputError, NotFoundError
from domainlayer.flags import Variant, choose_variant, is_enabled
from domainlayer.travel.experiments import (
    CONTROL,
    AlreadyConverted,
    FlagNotFound,
    NotInExperiment,
    VariantCounts,
    VariantStats,
    check_flag_key,
    flag_rule,
    target_segments,
    variant_stats,
    variants_of,
)

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
USERS = [f"user-{n}" for n in range(12)]


def test_the_errors_sit_in_the_tree() -> None:
    assert issubclass(FlagNotFound, NotFoundError)
    assert issubclass(NotInExperiment, NotFoundError)
    assert issubclass(AlreadyConverted, ConflictError)
    assert CONTROL == "control"


# Flag keys --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["ml_price_prediction", "a", "a" * 100, "x" * 98 + "_1", "deal_2_badge"]
)
def test_snake_case_keys_up_to_100_characters(key: str) -> None:
    assert check_flag_key(key) == key


@pytest.mark.parametrize(
    "key",
    [
        "a" * 101,  # one over the limit
        "x" * 99 + "_1",
        "1_flag",
        "flag_",
        "Flag",
        "flag name",
        "",
    ],
)
def test_other_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidInputError, match=r"snake_case"):
        check_flag_key(key)


def test_a_key_that_is_not_text_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"snake_case"):
        check_flag_key(42)  # type: ignore[arg-type]


# targetAudience ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("audience", "segments"),
    [
        (None, frozenset()),
        ({}, frozenset()),
        ({"segments": []}, frozenset()),
        ({"segments": ["business"]}, frozenset({"business"})),
        ({"segments": ["business", "business", "students"]}, frozenset({"business", "students"})),
    ],
)
def test_target_segments(audience: object, segments: frozenset[str]) -> None:
    assert target_segments(audience) == segments


@pytest.mark.parametrize(
    ("audience", "message"),
    [
        ("business", "an object"),
        (["business"], "an object"),
        ({"segments": ["business"], "countries": ["US"]}, "unknown targetAudience keys"),
        ({"segments": "business"}, "list of non-empty names"),
        ({"segments": ["business", " "]}, "list of non-empty names"),
        ({"segments": ["business", 3]}, "list of non-empty names"),
    ],
)
def test_bad_target_audiences(audience: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        target_segments(audience)


# Rollout ----------------------------------------------------------------------------------


def _rollout(percentage: int, **extra: object) -> list[str]:
    rule = flag_rule(
        key="ml_price_prediction",
        enabled=True,
        rollout_percentage=percentage,
        **extra,  # type: ignore[arg-type]
    )
    return [u for u in USERS if is_enabled(rule, u, groups=["business"], now=NOW)]


def test_the_documents_flag_is_off_for_everyone() -> None:
    rule = flag_rule(key="ml_price_prediction", enabled=False, rollout_percentage=0)
    assert rule.key == "ml_price_prediction" and rule.target_groups == frozenset()
    assert (rule.starts_at, rule.ends_at) == (None, None)
    assert not any(is_enabled(rule, u) for u in USERS)
    # switched on but still at 0 %: nobody either
    assert _rollout(0) == []


def test_rollout_percentage_edges() -> None:
    # golden buckets for ml_price_prediction: user-2 is in bucket 0, user-4 in bucket 99
    assert _rollout(1) == ["user-2"]
    assert _rollout(99) == [u for u in USERS if u != "user-4"]
    assert _rollout(100) == USERS
    # 14 admits buckets 0..13: user-2 (0) and user-0 (13)
    assert _rollout(14) == ["user-0", "user-2"]
    assert _rollout(13) == ["user-2"]


@pytest.mark.parametrize("percentage", [-1, 101])
def test_rollout_is_0_to_100(percentage: int) -> None:
    with pytest.raises(InvalidInputError, match=r"not in 0..100"):
        flag_rule(key="ml_price_prediction", enabled=True, rollout_percentage=percentage)


def test_a_flag_rule_carries_its_audience_and_window() -> None:
    rule = flag_rule(
        key="deal_badges",
        enabled=True,
        rollout_percentage=100,
        target_audience={"segments": ["business"]},
        start_date=NOW,
        end_date=NOW + timedelta(days=7),
    )
    assert rule.key == "deal_badges" and rule.enabled and rule.rollout_percentage == 100
    assert rule.target_groups == frozenset({"business"})
    assert (rule.starts_at, rule.ends_at) == (NOW, NOW + timedelta(days=7))
    assert is_enabled(rule, "u", groups=["business"], now=NOW)
    assert not is_enabled(rule, "u", groups=["students"], now=NOW)
    assert not is_enabled(rule, "u", groups=[], now=NOW)


def test_a_flag_rule_checks_its_key_and_audience() -> None:
    with pytest.raises(InvalidInputError, match=r"snake_case"):
        flag_rule(key="Deal-Badges", enabled=True, rollout_percentage=10)
    with pytest.raises(InvalidInputError, match=r"unknown targetAudience keys"):
        flag_rule(key="deal_badges", enabled=True, rollout_percentage=10, target_audience={"x": 1})


# Variants ---------------------------------------------------------------------------------


def test_the_documents_variant_list() -> None:
    assert variants_of([{"id": "control", "weight": 100}]) == (Variant("control", 100.0),)
    assert variants_of([{"id": "control", "weight": 0}, {"id": "b", "weight": 1}]) == (
        Variant("control", 0.0),
        Variant("b", 1.0),
    )


@pytest.mark.parametrize(
    "variants",
    [
        [],
        [{"id": "control", "weight": 0}],
        [{"id": "control", "weight": -1}, {"id": "b", "weight": 2}],
        [{"id": "control", "weight": 50}, {"id": "control", "weight": 50}],
        "control",
    ],
)
def test_bad_variant_lists(variants: object) -> None:
    with pytest.raises(InvalidInputError, match=r"variant"):
        variants_of(variants)


#: Who gets which variant. These must never change: a user keeps the variant they saw.
GOLDEN_HALVES = [
    "control",
    "control",
    "price_badge",
    "control",
    "price_badge",
    "control",
    "price_badge",
    "price_badge",
    "control",
    "control",
    "price_badge",
    "control",
]
GOLDEN_1_1_2 = ["b", "b", "b", "a", "control", "b", "b", "a", "a", "b", "b", "control"]


def test_golden_variant_assignments() -> None:
    halves = variants_of([{"id": "control", "weight": 50}, {"id": "price_badge", "weight": 50}])
    assert [choose_variant("ml_price_prediction", u, halves) for u in USERS] == GOLDEN_HALVES
    weighted = variants_of(
        [{"id": "control", "weight": 1}, {"id": "a", "weight": 1}, {"id": "b", "weight": 2}]
    )
    assert [choose_variant("deal_badges", u, weighted) for u in USERS] == GOLDEN_1_1_2
    # the document's single control variant takes everyone
    only = variants_of([{"id": "control", "weight": 100}])
    assert {choose_variant("ml_price_prediction", u, only) for u in USERS} == {"control"}


# Statistics -------------------------------------------------------------------------------


def test_variant_stats_in_full() -> None:
    stats = variant_stats(
        ["badge", "control"],
        [
            VariantCounts("control", 200, 20, Decimal("150.50")),
            VariantCounts("badge", 200, 30, Decimal("300.00")),
        ],
    )
    assert stats == (
        VariantStats("badge", 200, 30, 0.15, Decimal("300.00"), pytest.approx(0.5)),  # type: ignore[arg-type]
        VariantStats("control", 200, 20, 0.1, Decimal("150.50"), None),
    )


def test_the_control_is_the_baseline_wherever_it_is_listed() -> None:
    stats = variant_stats(
        ["a", "control", "b"],
        [VariantCounts("a", 10, 3), VariantCounts("control", 10, 2), VariantCounts("b", 10, 1)],
    )
    assert [s.lift for s in stats] == [pytest.approx(0.5), None, pytest.approx(-0.5)]


def test_without_a_control_the_first_variant_is_the_baseline() -> None:
    stats = variant_stats(["a", "b"], [VariantCounts("a", 4, 1), VariantCounts("b", 4, 3)])
    assert [s.lift for s in stats] == [None, pytest.approx(2.0)]
    assert [s.conversion_rate for s in stats] == [0.25, 0.75]


def test_a_variant_that_converted_nobody_has_a_lift_of_minus_one() -> None:
    stats = variant_stats(
        ["control", "b"], [VariantCounts("control", 5, 1), VariantCounts("b", 5, 0)]
    )
    assert stats[1].conversion_rate == 0.0 and stats[1].lift == pytest.approx(-1.0)


def test_no_lift_without_a_baseline_rate() -> None:
    # the control has no participants: no rate, no lift
    stats = variant_stats(["control", "b"], [VariantCounts("b", 5, 1)])
    assert stats[0] == VariantStats("control", 0, 0, None, Decimal(0), None)
    assert stats[1].lift is None and stats[1].conversion_rate == 0.2
    # the control converted nobody: lift undefined
    stats = variant_stats(
        ["control", "b"], [VariantCounts("control", 5, 0), VariantCounts("b", 5, 5)]
    )
    assert stats[1].lift is None and stats[1].conversion_rate == 1.0
    # a variant without participants has no rate and so no lift
    stats = variant_stats(["control", "b"], [VariantCounts("control", 5, 1)])
    assert (stats[1].conversion_rate, stats[1].lift) == (None, None)


def test_an_experiment_without_variants_or_counts_has_no_stats() -> None:
    assert variant_stats([], []) == ()


def test_counted_variants_removed_from_the_flag_come_last() -> None:
    stats = variant_stats(
        ["control", "control"],
        [VariantCounts("old", 2, 1), VariantCounts("control", 2, 1), VariantCounts("older", 1, 0)],
    )
    assert [s.variant for s in stats] == ["control", "old", "older"]
    assert [s.lift for s in stats] == [None, pytest.approx(0.0), pytest.approx(-1.0)]


def test_counts_at_their_edges_are_accepted() -> None:
    # nobody yet; everybody converted
    stats = variant_stats(
        ["control", "b"], [VariantCounts("control", 0, 0), VariantCounts("b", 3, 3)]
    )
    assert stats[0].conversion_rate is None and stats[1].conversion_rate == 1.0


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([VariantCounts("control", 1, 2)], "impossible counts"),
        ([VariantCounts("control", -1, 0)], "impossible counts"),
        ([VariantCounts("control", -1, -1)], "impossible counts"),
        ([VariantCounts("control", 1, -1)], "impossible counts"),
        ([VariantCounts("control", 1, 0), VariantCounts("control", 1, 0)], "counted twice"),
    ],
)
def test_impossible_counts(counts: list[VariantCounts], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        variant_stats(["control"], counts)


# Ill-typed arguments get the tree's errors ------------------------------------------------


def test_a_window_mixing_naive_and_aware_dates_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"flag_rule: the datetimes must all be"):
        flag_rule(
            key="deal_badges",
            enabled=True,
            rollout_percentage=10,
            start_date=datetime(2026, 11, 30),
            end_date=NOW,
        )


def test_counts_and_variants_of_the_wrong_type_are_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"variant_stats: counts must be"):
        variant_stats(["control"], [("control", 1, 1)])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match=r"variant_stats: variants must be"):
        variant_stats([["control"]], [])  # type: ignore[list-item]


@pytest.mark.parametrize(
    "value",
    [
        VariantCounts("control", 1, 0),
        VariantStats("control", 1, 0, 0.0, Decimal(0), None),
    ],
)
def test_counts_and_stats_are_frozen_values(value: object) -> None:
    with pytest.raises(FrozenInstanceError):
        value.participants = 2  # type: ignore[attr-defined]
    assert not hasattr(value, "__dict__")  # slotted: no per-instance dict


def test_counts_default_to_no_conversion_value() -> None:
    assert VariantCounts("control", 3, 1).conversion_value == Decimal(0)
