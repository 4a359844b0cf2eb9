"""travel's migration as document 002 ships it: the 17 tables, the verification query
("Should return 17 rows") and the rollback plan (phase 9's tables, then phase 8's)."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from domainlayer.travel.migration import (
    MIGRATION_NAME,
    PHASE_8_TABLES,
    PHASE_9_TABLES,
    ROLLBACK_STATEMENTS,
    SCHEMA,
    TABLES,
    TABLES_LITERAL,
    VERIFY_SQL,
    SchemaCheck,
    check_tables,
)

#: The document's table list, phase 8 then phase 9.
DOCUMENT_PHASE_8 = (
    "analytics_events",
    "metric_snapshots",
    "price_predictions",
    "ml_models",
    "feature_flags",
    "experiment_participations",
    "performance_metrics",
    "error_logs",
    "conversion_funnels",
    "user_cohorts",
)
DOCUMENT_PHASE_9 = (
    "admin_users",
    "audit_logs",
    "deals",
    "destinations",
    "email_templates",
    "health_checks",
    "search_suggestions",
)


def test_the_documents_tables_in_its_order() -> None:
    assert PHASE_8_TABLES == DOCUMENT_PHASE_8
    assert PHASE_9_TABLES == DOCUMENT_PHASE_9
    assert TABLES == DOCUMENT_PHASE_8 + DOCUMENT_PHASE_9
    assert len(TABLES) == 17
    assert SCHEMA == "travel"
    assert MIGRATION_NAME == "20251111113117_add_phase8_and_phase9_features"


def test_the_verification_query_filters_on_the_travel_schema() -> None:
    assert VERIFY_SQL == (
        "SELECT tablename FROM pg_tables WHERE schemaname = 'travel' "
        "AND tablename = ANY($1::text::text[]) ORDER BY tablename"
    )
    assert "{" + ",".join(DOCUMENT_PHASE_8 + DOCUMENT_PHASE_9) + "}" == TABLES_LITERAL


def test_the_rollback_drops_phase_9_then_phase_8_then_forgets_the_migration() -> None:
    expected = [
        f'DROP TABLE IF EXISTS "travel"."{t}" CASCADE'
        for t in (*reversed(DOCUMENT_PHASE_9), *reversed(DOCUMENT_PHASE_8))
    ]
    expected.append(
        'DELETE FROM "_prisma_migrations" WHERE migration_name = '
        "'20251111113117_add_phase8_and_phase9_features'"
    )
    assert list(ROLLBACK_STATEMENTS) == expected


def test_all_17_tables_verify() -> None:
    check = check_tables(reversed(TABLES))
    assert check == SchemaCheck(present=TABLES, missing=())
    assert check.ok


def test_one_missing_table_fails_the_verification() -> None:
    check = check_tables(t for t in TABLES if t != "deals")
    assert not check.ok
    assert check.missing == ("deals",)
    assert check.present == tuple(t for t in TABLES if t != "deals")


def test_other_tables_are_ignored_and_nothing_found_misses_all() -> None:
    assert check_tables([*TABLES, "users", "deals"]) == SchemaCheck(TABLES, ())
    nothing = check_tables([])
    assert nothing == SchemaCheck((), TABLES) and not nothing.ok


def test_the_outcome_is_a_frozen_value() -> None:
    check = check_tables(TABLES)
    with pytest.raises(FrozenInstanceError):
        check.missing = ("deals",)  # type: ignore[misc]
    assert not hasattr(check, "__dict__")
