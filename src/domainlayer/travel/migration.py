"""travel's migration as the document ships it: its 17 tables, its verification query and
its rollback plan, in the product's PostgreSQL schema ``travel``. Pure: statements and checks.

The document's queries name the tables unqualified in ``public``; here they live in
``travel``, so the verification filters on that schema and the rollback qualifies every
name. The rollback drops the tables in the document's order (phase 9, then phase 8, each
``IF EXISTS ... CASCADE``) and deletes the migration's row from ``_prisma_migrations``, so
``prisma migrate deploy`` applies it again. ``scripts/rollback_travel.py`` runs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from domainlayer.typed_rules import rule

__all__ = [
    "MIGRATION_NAME",
    "PHASE_8_TABLES",
    "PHASE_9_TABLES",
    "ROLLBACK_STATEMENTS",
    "SCHEMA",
    "TABLES",
    "TABLES_LITERAL",
    "VERIFY_SQL",
    "SchemaCheck",
    "check_tables",
]

SCHEMA: Final = "travel"
MIGRATION_NAME: Final = "20251111113117_add_phase8_and_phase9_features"

PHASE_8_TABLES: Final = (
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
PHASE_9_TABLES: Final = (
    "admin_users",
    "audit_logs",
    "deals",
    "destinations",
    "email_templates",
    "health_checks",
    "search_suggestions",
)
#: The 17 tables, in the document's order.
TABLES: Final = PHASE_8_TABLES + PHASE_9_TABLES

#: The document's verification query, in schema ``travel``; ``$1`` is
#: :data:`TABLES_LITERAL` (an array literal, so the client and asyncpg pass the same text).
VERIFY_SQL: Final = (
    "SELECT tablename FROM pg_tables WHERE schemaname = 'travel' "
    "AND tablename = ANY($1::text::text[]) ORDER BY tablename"
)
TABLES_LITERAL: Final = "{" + ",".join(TABLES) + "}"

#: The document's rollback plan: phase 9's tables, then phase 8's, then the migration record.
ROLLBACK_STATEMENTS: Final = (
    *(f'DROP TABLE IF EXISTS "{SCHEMA}"."{t}" CASCADE' for t in reversed(PHASE_9_TABLES)),
    *(f'DROP TABLE IF EXISTS "{SCHEMA}"."{t}" CASCADE' for t in reversed(PHASE_8_TABLES)),
    f"DELETE FROM \"_prisma_migrations\" WHERE migration_name = '{MIGRATION_NAME}'",  # noqa: S608 - constants
)


@dataclass(frozen=True, slots=True)
class SchemaCheck:
    """The verification's outcome: which of the 17 tables exist and which are missing."""

    present: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when all 17 tables are there ("Should return 17 rows")."""
        return not self.missing


@rule
def check_tables(found: Iterable[str]) -> SchemaCheck:
    """Compare the tables the query returned with the 17 the migration creates."""
    seen = set(found)
    return SchemaCheck(
        present=tuple(t for t in TABLES if t in seen),
        missing=tuple(t for t in TABLES if t not in seen),
    )
