"""The feature-flag core shared by airbar, travel and madfam."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from hashlib import sha256

import pytest

from domainlayer import flags
from domainlayer.errors import InvalidInputError
from domainlayer.flags import (
    FlagRule,
    Variant,
    bucket,
    choose_variant,
    is_enabled,
    parse_variants,
)

SUBJECTS = [f"user-{n}" for n in range(100_000)]
#: Variant shares are checked on a smaller sample (each call parses its variants).
VARIANT_SUBJECTS = SUBJECTS[:40_000]
T0 = datetime(2026, 10, 1, tzinfo=UTC)
T1 = datetime(2027, 1, 1, tzinfo=UTC)


def rule(**overrides: object) -> FlagRule:
    fields: dict[str, object] = {
        "key": "smart_matching",
        "enabled": True,
        "rollout_percentage": 100,
    }
    fields.update(overrides)
    return FlagRule(**fields)  # type: ignore[arg-type]


def test_bucket_is_in_range_and_spread_evenly() -> None:
    counts = Counter(bucket("video_chat", s) for s in SUBJECTS)
    assert set(counts) == set(range(100))
    # 1,000 expected per bucket; a fair hash stays well within +-15 %.
    assert min(counts.values()) > 850 and max(counts.values()) < 1150


def test_bucket_is_the_same_in_another_process_with_another_hash_seed() -> None:
    here = [bucket("instant_payouts", s) for s in SUBJECTS[:50]]
    code = (
        "from domainlayer.flags import bucket;"
        "print([bucket('instant_payouts', f'user-{n}') for n in range(50)])"
    )
    for seed in ("1", "12345"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            check=True,
            capture_output=True,
            text=True,
            # the same import path as this process, so both run the same code
            env={"PYTHONHASHSEED": seed, "PATH": "", "PYTHONPATH": os.pathsep.join(sys.path)},
        ).stdout
        assert out.strip() == str(here)


def test_bucket_assignments_are_pinned() -> None:
    # A release that moved subjects between buckets would flip live users' features.
    assert [bucket("enhanced_kyc", f"u{n}") for n in range(8)] == [18, 22, 72, 34, 42, 78, 67, 64]
    key = b"enhanced_kyc"
    material = b"rollout\x00%d:%s\x00u1" % (len(key), key)
    assert (
        bucket("enhanced_kyc", "u1") == int.from_bytes(sha256(material).digest()[:8], "big") % 100
    )


def test_buckets_are_independent_per_flag() -> None:
    same = sum(bucket("flag_a", s) == bucket("flag_b", s) for s in SUBJECTS[:20_000])
    # Independent flags agree for about 1 subject in 100.
    assert 100 < same < 320


@pytest.mark.parametrize("percentage", [0, 1, 5, 10, 33, 50, 80, 99, 100])
def test_share_enabled_is_within_one_point_of_the_percentage(percentage: int) -> None:
    flag = rule(rollout_percentage=percentage)
    share = sum(is_enabled(flag, s) for s in SUBJECTS) / len(SUBJECTS) * 100
    assert abs(share - percentage) <= 1
    if percentage == 0:
        assert share == 0
    if percentage == 100:
        assert share == 100


def test_raising_the_percentage_never_turns_a_user_off() -> None:
    previous: set[str] = set()
    for percentage in range(0, 101, 5):
        on = {s for s in SUBJECTS[:5000] if is_enabled(rule(rollout_percentage=percentage), s)}
        assert previous <= on
        previous = on


@pytest.mark.parametrize(
    ("overrides", "kwargs", "expected"),
    [
        ({"enabled": False}, {}, False),
        ({}, {}, True),
        (
            {"environments": {"dev": True, "staging": False, "prod": False}},
            {"environment": "dev"},
            True,
        ),
        (
            {"environments": {"dev": True, "staging": False, "prod": False}},
            {"environment": "prod"},
            False,
        ),
        (
            {"enabled": False, "environments": {"dev": True, "staging": True, "prod": True}},
            {"environment": "dev"},
            False,
        ),
        ({"target_groups": frozenset({"business", "premium"})}, {"groups": ["premium"]}, True),
        ({"target_groups": frozenset({"business", "premium"})}, {"groups": ["students"]}, False),
        ({"target_groups": frozenset({"business"})}, {}, False),
        ({"target_groups": frozenset()}, {"groups": ["anyone"]}, True),
        ({"starts_at": T0, "ends_at": T1}, {"now": T0}, True),
        ({"starts_at": T0, "ends_at": T1}, {"now": T1}, False),
        ({"starts_at": T0}, {"now": datetime(2026, 9, 30, 23, 59, tzinfo=UTC)}, False),
        ({"ends_at": T1}, {"now": datetime(2026, 12, 31, 23, 59, tzinfo=UTC)}, True),
    ],
)
def test_is_enabled_checks_switches_windows_and_targeting(
    overrides: dict[str, object], kwargs: dict[str, object], expected: bool
) -> None:
    assert is_enabled(rule(**overrides), "user-7", **kwargs) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "kwargs"),
    [
        ({"environments": {"dev": True}}, {}),
        ({"environments": {"dev": True}}, {"environment": "qa"}),
        ({"starts_at": T0}, {}),
        ({"starts_at": T0}, {"now": datetime(2026, 11, 1)}),
    ],
)
def test_is_enabled_refuses_missing_context(
    overrides: dict[str, object], kwargs: dict[str, object]
) -> None:
    with pytest.raises(InvalidInputError, match=r"environment|window|timezone-aware"):
        is_enabled(rule(**overrides), "user-7", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "overrides",
    [
        {"rollout_percentage": -1},
        {"rollout_percentage": 101},
        {"rollout_percentage": 50.5},
        {"rollout_percentage": True},
        {"key": ""},
        {"starts_at": T1, "ends_at": T0},
    ],
)
def test_bad_flags_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError, match=r"percentage|key|window"):
        rule(**overrides)


@pytest.mark.parametrize("subject", ["", None, 42])
def test_bad_subjects_are_refused(subject: object) -> None:
    with pytest.raises(InvalidInputError, match="subject_id must be a non-empty string"):
        bucket("flag", subject)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "weights",
    [
        {"control": 50, "treatment": 50},
        {"control": 70, "a": 20, "b": 10},
        {"control": 1, "treatment": 3},  # weights need not sum to 100
        {"control": 0.5, "treatment": 0.25, "other": 0.25},
    ],
)
def test_variant_shares_are_within_one_point_of_their_weights(weights: dict[str, float]) -> None:
    variants = [{"id": k, "weight": w} for k, w in weights.items()]
    counts = Counter(choose_variant("search_ranking", s, variants) for s in VARIANT_SUBJECTS)
    total = sum(weights.values())
    for variant_id, weight in weights.items():
        share = counts[variant_id] / len(VARIANT_SUBJECTS) * 100
        assert abs(share - weight / total * 100) <= 1, (variant_id, share)


def test_variant_is_deterministic_and_zero_weight_is_never_chosen() -> None:
    variants = [
        {"id": "control", "weight": 50},
        {"id": "off", "weight": 0},
        {"id": "b", "weight": 50},
    ]
    first = [choose_variant("exp", s, variants) for s in SUBJECTS[:3000]]
    again = [choose_variant("exp", s, variants) for s in SUBJECTS[:3000]]
    assert first == again
    assert "off" not in first


@pytest.mark.parametrize(
    "variants",
    [
        [],
        [{"id": "a", "weight": -1}],
        [{"id": "a", "weight": 0}],
        [{"id": "a"}],
        [{"weight": 3}],
        [{"id": "a", "weight": 1}, {"id": "a", "weight": 2}],
        [{"id": "a", "weight": float("nan")}],
        "control",
        [["a", 1]],
    ],
)
def test_bad_variants_are_refused(variants: object) -> None:
    with pytest.raises(InvalidInputError, match="variant"):
        choose_variant("exp", "user-1", variants)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="variant"):
        parse_variants(variants)


# Golden vectors: an assignment never changes from one release to the next ----------------


@pytest.mark.parametrize(
    ("flag", "buckets"),
    [
        ("enhanced_kyc", [85, 60, 18, 48, 5, 51]),
        ("video_chat", [53, 92, 17, 74, 70, 53]),
        ("ml_price_prediction", [13, 45, 0, 86, 99, 18]),
        ("NEW_LEAD_SCORING", [76, 24, 24, 54, 0, 73]),
    ],
)
def test_bucket_golden_vectors(flag: str, buckets: list[int]) -> None:
    assert [bucket(flag, f"user-{n}") for n in range(6)] == buckets


@pytest.mark.parametrize(
    ("flag", "variants", "assigned"),
    [
        (
            "search_ranking",
            [{"id": "control", "weight": 50}, {"id": "a", "weight": 30}, {"id": "b", "weight": 20}],
            "b control control a control control a control control b control a",
        ),
        (
            "ml_price_prediction",
            [{"id": "control", "weight": 1}, {"id": "treatment", "weight": 3}],
            "control treatment treatment treatment treatment control treatment treatment "
            "treatment control treatment treatment",
        ),
    ],
)
def test_choose_variant_golden_vectors(
    flag: str, variants: list[dict[str, object]], assigned: str
) -> None:
    assert [choose_variant(flag, f"user-{n}", variants) for n in range(12)] == assigned.split()
    typed = parse_variants(variants)
    assert [choose_variant(flag, f"user-{n}", typed) for n in range(12)] == assigned.split()


@pytest.mark.parametrize(
    ("subject", "subject_bucket"), [("user-6", 0), ("user-57", 37), ("user-105", 99)]
)
def test_a_subject_is_on_exactly_above_its_bucket(subject: str, subject_bucket: int) -> None:
    assert bucket("smart_matching", subject) == subject_bucket
    assert is_enabled(rule(rollout_percentage=subject_bucket), subject) is False
    assert is_enabled(rule(rollout_percentage=subject_bucket + 1), subject) is True


def test_key_and_subject_are_length_prefixed_so_they_never_collide() -> None:
    assert bucket("ab", "c") != bucket("a", "bc") or choose_variant(
        "ab", "c", [{"id": "x", "weight": 1}, {"id": "y", "weight": 1}]
    ) != choose_variant("a", "bc", [{"id": "x", "weight": 1}, {"id": "y", "weight": 1}])
    with pytest.raises(InvalidInputError, match="flag_key"):
        bucket("", "user-1")


@pytest.mark.parametrize("percentage", [0, 100])
def test_rollout_limits_are_accepted(percentage: int) -> None:
    assert rule(rollout_percentage=percentage).rollout_percentage == percentage


def test_a_window_that_ends_when_it_starts_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="ends before it starts"):
        rule(starts_at=T0, ends_at=T0)


def test_target_groups_given_as_a_list_become_a_frozenset() -> None:
    flag = rule(target_groups=["premium", "business"])
    assert flag.target_groups == frozenset({"premium", "business"})


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ([{"id": "a", "weight": -0.5}, {"id": "b", "weight": 2}], "weight -0.5"),
        ([{"id": "a", "weight": float("inf")}], "weight inf"),
        ([{"id": "a", "weight": True}], "numeric weight"),
        ([{"id": "a", "weight": 0}, {"id": "b", "weight": 0}], "sum to zero"),
        ([{"id": "", "weight": 1}], "non-empty string id"),
    ],
)
def test_negative_infinite_and_zero_total_weights_are_refused(
    variants: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        choose_variant("exp", "user-1", variants)


def test_a_zero_weight_variant_first_or_last_is_never_chosen() -> None:
    for variants in (
        [{"id": "off", "weight": 0}, {"id": "on", "weight": 1}],
        [{"id": "on", "weight": 1}, {"id": "off", "weight": 0}],
    ):
        assert {choose_variant("exp", s, variants) for s in SUBJECTS[:500]} == {"on"}


# Refusals name what is wrong --------------------------------------------------------------


@pytest.mark.parametrize("key", [None, 5])
def test_a_flag_key_must_be_a_string(key: object) -> None:
    with pytest.raises(InvalidInputError, match="a flag needs a non-empty key"):
        rule(key=key)


@pytest.mark.parametrize("value", ["control", b"control", {"id": "a", "weight": 1}, 5])
def test_variants_must_be_a_list(value: object) -> None:
    with pytest.raises(InvalidInputError, match=r"variants must be a list of \{id, weight\}"):
        parse_variants(value)


@pytest.mark.parametrize(
    ("variant", "message"),
    [
        ({"id": 5, "weight": 1}, "needs a non-empty string id"),
        ({"id": "a", "weight": "3"}, "needs a numeric weight"),
        ({"id": "a", "weight": None}, "needs a numeric weight"),
    ],
)
def test_a_variant_needs_a_string_id_and_a_numeric_weight(
    variant: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parse_variants([variant])


def test_a_single_variant_of_weight_one_takes_everyone() -> None:
    assert parse_variants([{"id": "only", "weight": 1}]) == (Variant("only", 1.0),)
    assert {choose_variant("exp", s, [{"id": "only", "weight": 1}]) for s in SUBJECTS[:50]} == {
        "only"
    }


# The variant point: [0, total) split into half-open ranges, one per variant ---------------


def _variant_digest(flag_key: str, subject_id: str) -> int:
    key = flag_key.encode()
    material = b"variant\x00%d:%s\x00%s" % (len(key), key, subject_id.encode())
    return int.from_bytes(sha256(material).digest()[:8], "big")


def test_a_point_exactly_on_a_boundary_belongs_to_the_next_variant() -> None:
    # Weights chosen so that user-1's point (digest / 2**64 x total) is exactly the end of
    # the first variant's range: total 2**64, first weight the digest itself.
    digest = _variant_digest("exp", "user-1")
    first = float(digest)
    variants = [{"id": "a", "weight": first}, {"id": "b", "weight": 2.0**64 - first}]
    assert digest / 2**64 * (first + (2.0**64 - first)) == first
    assert choose_variant("exp", "user-1", variants) == "b"
    # one step below the boundary the point is inside the first range
    below = [{"id": "a", "weight": math.nextafter(first, math.inf)}, variants[1]]
    assert choose_variant("exp", "user-1", below) == "a"


def test_a_point_rounded_up_to_the_total_goes_to_the_last_weighted_variant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No known subject hashes this high (digest / 2**64 rounds to 1.0 only for the top
    # 2**-54 of digests), so the digest is set: the point lands on the total itself.
    monkeypatch.setattr(flags, "_digest", lambda salt, key, subject: 2**64 - 1)
    variants = [
        {"id": "a", "weight": 1},
        {"id": "b", "weight": 2},
        {"id": "off", "weight": 0},
    ]
    assert choose_variant("exp", "user-1", variants) == "b"
