"""travel's pure rules: experiments, admin RBAC, error fingerprints, the migration plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domainlayer.errors import InvalidInputError
from domainlayer.flags import is_enabled
from domainlayer.travel.admin import (
    PERMISSIONS,
    ROLES,
    can,
    check_action,
    check_permissions,
    default_permissions,
    may_manage,
)
from domainlayer.travel.error_logs import (
    fingerprint,
    normalise_message,
    top_frame,
    worse_severity,
)
from domainlayer.travel.experiments import (
    VariantCounts,
    check_flag_key,
    flag_rule,
    target_segments,
    variant_stats,
    variants_of,
)
from domainlayer.travel.migration import (
    MIGRATION_NAME,
    ROLLBACK_STATEMENTS,
    TABLES,
    check_tables,
)

NOW = datetime(2026, 11, 30, tzinfo=UTC)

# Experiments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("ml_price_prediction", True),
        ("deals2", True),
        ("ML_PRICE", False),
        ("ml-price", False),
        ("_x", False),
        ("x__y", False),
        ("", False),
    ],
)
def test_flag_keys_are_snake_case(key: str, ok: bool) -> None:
    if ok:
        assert check_flag_key(key) == key
    else:
        with pytest.raises(InvalidInputError, match=r"a travel flag key is snake_case"):
            check_flag_key(key)


@pytest.mark.parametrize(
    ("audience", "segments"),
    [
        (None, frozenset()),
        ({}, frozenset()),
        ({"segments": ["business", "students"]}, frozenset({"business", "students"})),
    ],
)
def test_target_audience(audience: object, segments: frozenset[str]) -> None:
    assert target_segments(audience) == segments


@pytest.mark.parametrize(
    "audience", [["business"], {"countries": ["US"]}, {"segments": "business"}, {"segments": [""]}]
)
def test_bad_target_audience(audience: object) -> None:
    with pytest.raises(InvalidInputError, match=r"targetAudience"):
        target_segments(audience)


def test_a_flag_row_becomes_a_rule_with_window_and_audience() -> None:
    rule = flag_rule(
        key="ml_price_prediction",
        enabled=True,
        rollout_percentage=100,
        target_audience={"segments": ["business"]},
        start_date=NOW,
        end_date=NOW + timedelta(days=1),
    )
    assert is_enabled(rule, "u", groups=["business"], now=NOW)
    assert not is_enabled(rule, "u", groups=["students"], now=NOW)
    assert not is_enabled(rule, "u", groups=["business"], now=NOW + timedelta(days=1))
    assert not is_enabled(rule, "u", groups=["business"], now=NOW - timedelta(seconds=1))


@pytest.mark.parametrize(
    "variants",
    [[], [{"id": "a", "weight": -1}], [{"id": "a", "weight": 1}, {"id": "a", "weight": 1}]],
)
def test_bad_variants(variants: list[dict[str, object]]) -> None:
    with pytest.raises(InvalidInputError, match=r"variant"):
        variants_of(variants)


def test_variant_stats_rates_and_lift_over_control() -> None:
    stats = variant_stats(
        ["control", "badge", "banner"],
        [
            VariantCounts("badge", 200, 30, Decimal("300.00")),
            VariantCounts("control", 200, 20, Decimal("150.50")),
            VariantCounts("retired", 10, 1),
        ],
    )
    assert [s.variant for s in stats] == ["control", "badge", "banner", "retired"]
    control, badge, banner, retired = stats
    assert (control.conversion_rate, control.lift) == (0.1, None)
    assert badge.conversion_rate == 0.15 and badge.lift == pytest.approx(0.5)
    assert badge.conversion_value == Decimal("300.00")
    assert (banner.participants, banner.conversion_rate, banner.lift) == (0, None, None)
    assert retired.lift == pytest.approx(0.0)


def test_without_a_control_variant_the_first_is_the_baseline() -> None:
    stats = variant_stats(["a", "b"], [VariantCounts("a", 10, 0), VariantCounts("b", 10, 5)])
    assert stats[1].lift is None  # a baseline of 0 gives no lift
    stats = variant_stats(["a", "b"], [VariantCounts("a", 10, 5), VariantCounts("b", 10, 4)])
    assert stats[1].lift == pytest.approx(-0.2)


@pytest.mark.parametrize(
    "counts",
    [
        [VariantCounts("a", 1, 2)],
        [VariantCounts("a", -1, 0)],
        [VariantCounts("a", 1, 0), VariantCounts("a", 1, 0)],
    ],
)
def test_impossible_counts_are_refused(counts: list[VariantCounts]) -> None:
    with pytest.raises(InvalidInputError, match=r"impossible counts|counted twice"):
        variant_stats(["a"], counts)


# Admin RBAC -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("active", "permissions", "permission", "allowed"),
    [
        (True, None, "admins:manage", True),  # null means all
        (False, None, "deals:read", False),  # inactive: nothing
        (True, ["deals:write"], "deals:write", True),
        (True, ["deals:write"], "deals:read", False),
        (True, ["deals:*"], "deals:read", True),
        (True, ["deals:*"], "destinations:read", False),
        (True, [], "deals:read", False),
    ],
)
def test_can(active: bool, permissions: list[str] | None, permission: str, allowed: bool) -> None:
    assert can(is_active=active, permissions=permissions, permission=permission) is allowed


def test_can_refuses_unknown_permissions() -> None:
    with pytest.raises(InvalidInputError, match=r"unknown permission 'deals:fly'"):
        can(is_active=True, permissions=None, permission="deals:fly")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_known_defaults(role: str) -> None:
    defaults = default_permissions(role)
    if role == "super_admin":
        assert defaults is None
    else:
        assert defaults and set(defaults) <= PERMISSIONS


def test_editor_and_analyst_defaults_follow_their_jobs() -> None:
    editor = default_permissions("editor") or []
    analyst = default_permissions("analyst") or []
    assert "deals:write" in editor and "admins:manage" not in editor
    assert "analytics:read" in analyst and not any(p.endswith(":write") for p in analyst)
    with pytest.raises(InvalidInputError, match=r"unknown role 'owner'"):
        default_permissions("owner")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (["deals:write", "deals:read", "deals:write"], ["deals:read", "deals:write"]),
        (["deals:*"], ["deals:*"]),
        ([], []),
    ],
)
def test_check_permissions(given: list[str], stored: list[str]) -> None:
    assert check_permissions(given) == stored


@pytest.mark.parametrize("bad", [["deals"], ["planes:*"], ["deals:fly"], "deals:read", [1]])
def test_bad_permissions(bad: object) -> None:
    with pytest.raises(InvalidInputError, match=r"permission|resource"):
        check_permissions(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("actor", "target", "new", "ok"),
    [
        ("super_admin", "super_admin", None, True),
        ("admin", "editor", "analyst", True),
        ("admin", "super_admin", None, False),
        ("admin", "editor", "super_admin", False),
        ("super_admin", "editor", "super_admin", True),
    ],
)
def test_may_manage(actor: str, target: str, new: str | None, ok: bool) -> None:
    assert may_manage(actor_role=actor, target_role=target, new_role=new) is ok


@pytest.mark.parametrize(
    ("action", "ok"), [("deal.featured", True), ("Deal", False), ("deal", False)]
)
def test_actions_are_dotted_names(action: str, ok: bool) -> None:
    if ok:
        assert check_action(action) == action
    else:
        with pytest.raises(InvalidInputError, match=r"an action is a dotted lowercase name"):
            check_action(action)


# Error fingerprints -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "normalised"),
    [
        ("Deal 123 not found", "Deal <n> not found"),
        ("GET https://api.example.com/deals?id=9 failed", "GET <url> failed"),
        ("no user bob@example.com", "no user <email>"),
        ("row 550e8400-e29b-41d4-a716-446655440000 gone", "row <uuid> gone"),
        ("key 'LIS-2026' missing", "key <str> missing"),
        ("tx deadbeef42 aborted", "tx <hex> aborted"),
        ("took 3.5s  and   35ms", "took <n>s and <n>ms"),
        ("v2 of user42", "v2 of user42"),
    ],
)
def test_messages_are_normalised(message: str, normalised: str) -> None:
    assert normalise_message(message) == normalised


@pytest.mark.parametrize(
    ("stack", "frame"),
    [
        (None, ""),
        (
            "Error: x\n    at fetchDeals (/app/deals.ts:42:13)\n    at main (m.ts:1:1)",
            "fetchDeals (/app/deals.ts)",
        ),
        ("Error\n    at /app/anon.js:10:2", "/app/anon.js"),
        (
            'Traceback (most recent call last):\n  File "a.py", line 3, in <module>\n'
            '  File "b.py", line 9, in load\nKeyError: 1',
            "load (b.py)",
        ),
        ("no frames here", ""),
    ],
)
def test_the_top_frame(stack: str | None, frame: str) -> None:
    assert top_frame(stack) == frame


def test_fingerprints_group_by_type_message_shape_and_frame() -> None:
    js = "E\n    at f (/a.ts:{}:1)"
    base = fingerprint("TypeError", "deal 1 missing", js.format(1))
    assert base == fingerprint("TypeError", "deal 2 missing", js.format(99))
    assert len(base) == 32
    assert base != fingerprint("RangeError", "deal 1 missing", js.format(1))
    assert base != fingerprint("TypeError", "deal 1 missing", "E\n    at g (/a.ts:1:1)")
    assert base != fingerprint("TypeError", "offer 1 missing", js.format(1))


@pytest.mark.parametrize(
    ("a", "b", "worst"), [("info", "fatal", "fatal"), ("error", "warning", "error")]
)
def test_worse_severity(a: str, b: str, worst: str) -> None:
    assert worse_severity(a, b) == worst


@pytest.mark.parametrize("bad", [("", "m"), ("E", ""), ("E", "x" * 10_001)])
def test_bad_errors(bad: tuple[str, str]) -> None:
    with pytest.raises(InvalidInputError, match=r"an error (needs a type|needs a message|message)"):
        fingerprint(*bad)


# Migration plan ---------------------------------------------------------------------------


def test_the_document_lists_17_tables_and_the_rollback_drops_each_once() -> None:
    assert len(TABLES) == len(set(TABLES)) == 17
    drops = [s for s in ROLLBACK_STATEMENTS if s.startswith("DROP TABLE")]
    assert len(drops) == 17
    assert drops[0] == 'DROP TABLE IF EXISTS "travel"."search_suggestions" CASCADE'
    assert drops[-1] == 'DROP TABLE IF EXISTS "travel"."analytics_events" CASCADE'
    assert ROLLBACK_STATEMENTS[-1].endswith(f"'{MIGRATION_NAME}'")


def test_check_tables() -> None:
    assert check_tables(TABLES).ok
    partial = check_tables([t for t in TABLES if t != "deals"] + ["other"])
    assert not partial.ok and partial.missing == ("deals",) and len(partial.present) == 16
