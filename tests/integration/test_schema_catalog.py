"""After `migrate deploy` on an empty database, the catalog holds what the documents list.

Counted from PostgreSQL's own catalog, not from schema.prisma.
"""

from __future__ import annotations

import asyncpg
import pytest

DOCUMENTED_TABLES: dict[str, set[str]] = {
    # 000: the six tables its report counts.
    "airbar": {
        "users",
        "profiles",
        "feature_flags",
        "user_analytics",
        "system_health",
        "user_sessions",
    },
    # 001: its eight models.
    "churn": {
        "Customer",
        "Order",
        "CustomerEvent",
        "ChurnPrediction",
        "Alert",
        "SupportTicket",
        "ModelVersion",
        "SystemMetrics",
    },
    # 002: its seventeen tables.
    "travel": {
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
        "admin_users",
        "audit_logs",
        "deals",
        "destinations",
        "email_templates",
        "health_checks",
        "search_suggestions",
    },
    # 003: its eleven models, plus the archive its maintenance job writes to.
    "coach": {
        "User",
        "Profile",
        "Session",
        "SessionRating",
        "Message",
        "Appointment",
        "SkoolMonitoringLog",
        "MembershipStatusHistory",
        "AuthCode",
        "UserSession",
        "RateLimit",
        "SessionArchive",
    },
    # 004: its eleven models.
    "madfam": {
        "Lead",
        "LeadNote",
        "LeadActivity",
        "Assessment",
        "Calculation",
        "User",
        "Session",
        "FeatureFlag",
        "AnalyticsEvent",
        "EmailQueue",
        "Integration",
    },
}

MADFAM_ENUMS: dict[str, list[str]] = {
    "ServiceTier": [
        "L1_ESSENTIALS",
        "L2_ADVANCED",
        "L3_CONSULTING",
        "L4_PLATFORMS",
        "L5_STRATEGIC",
    ],
    "LeadStatus": ["NEW", "CONTACTED", "QUALIFIED", "UNQUALIFIED", "CONVERTED", "LOST"],
    "LeadSource": ["WEBSITE", "REFERRAL", "SOCIAL", "EVENT", "DIRECT", "OTHER"],
    "UserRole": ["ADMIN", "EDITOR", "VIEWER"],
    "AssessmentStatus": ["STARTED", "COMPLETED", "ABANDONED"],
}


async def _tables(db: asyncpg.Connection, schema: str) -> set[str]:
    rows = await db.fetch(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
        schema,
    )
    return {r["table_name"] for r in rows}


@pytest.mark.parametrize("schema", sorted(DOCUMENTED_TABLES))
async def test_every_documented_table_exists_in_its_schema(
    db: asyncpg.Connection, schema: str
) -> None:
    assert await _tables(db, schema) == DOCUMENTED_TABLES[schema]


async def test_nothing_is_created_in_the_public_schema_but_migration_history(
    db: asyncpg.Connection,
) -> None:
    assert await _tables(db, "public") == {"_prisma_migrations"}


async def test_travel_has_17_tables_52_indexes_and_2_foreign_keys(db: asyncpg.Connection) -> None:
    assert len(await _tables(db, "travel")) == 17
    indexes = await db.fetch(
        """
        SELECT ix.indisunique AS is_unique
        FROM pg_index ix
        JOIN pg_class t ON t.oid = ix.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'travel' AND NOT ix.indisprimary
        """
    )
    regular = sum(1 for r in indexes if not r["is_unique"])
    unique = sum(1 for r in indexes if r["is_unique"])
    assert (regular, unique) == (41, 11)
    foreign_keys = await db.fetchval(
        """
        SELECT count(*) FROM pg_constraint c
        JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'travel' AND c.contype = 'f'
        """
    )
    assert foreign_keys == 2


async def _enum_labels(db: asyncpg.Connection, schema: str) -> dict[str, list[str]]:
    rows = await db.fetch(
        """
        SELECT t.typname, e.enumlabel
        FROM pg_type t
        JOIN pg_enum e ON e.enumtypid = t.oid
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1
        ORDER BY t.typname, e.enumsortorder
        """,
        schema,
    )
    labels: dict[str, list[str]] = {}
    for r in rows:
        labels.setdefault(r["typname"], []).append(r["enumlabel"])
    return labels


async def test_madfam_has_its_five_enums_with_their_documented_values(
    db: asyncpg.Connection,
) -> None:
    labels = await _enum_labels(db, "madfam")
    for name, values in MADFAM_ENUMS.items():
        assert labels.get(name) == values, name


async def test_churn_risk_level_is_an_enum_low_medium_high_critical(
    db: asyncpg.Connection,
) -> None:
    udt = await db.fetchval(
        """
        SELECT udt_name FROM information_schema.columns
        WHERE table_schema = 'churn' AND table_name = 'Customer' AND column_name = 'riskLevel'
        """
    )
    assert udt is not None
    labels = await _enum_labels(db, "churn")
    assert labels[udt] == ["LOW", "MEDIUM", "HIGH", "CRITICAL"]


async def test_coach_recommended_indexes_exist(db: asyncpg.Connection) -> None:
    """003 ranks its recommended indexes high priority; each one is in the catalog."""
    rows = await db.fetch(
        """
        SELECT t.relname AS table_name,
               array_agg(a.attname ORDER BY k.ord) AS columns
        FROM pg_index ix
        JOIN pg_class t ON t.oid = ix.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
        WHERE n.nspname = 'coach'
        GROUP BY ix.indexrelid, t.relname
        """
    )
    present = {(r["table_name"], tuple(r["columns"])) for r in rows}
    recommended = {
        ("User", ("role",)),
        ("User", ("isAvailable",)),
        ("User", ("deletedAt",)),
        ("Appointment", ("status", "scheduledFor")),
        ("Appointment", ("coachId", "status")),
        ("Appointment", ("clientId", "scheduledFor")),
        ("Session", ("userId", "status")),
        ("Session", ("status", "startedAt")),
        ("Session", ("deletedAt",)),
        ("Message", ("sessionId", "createdAt")),
        ("Profile", ("onboardingCompleted",)),
        ("RateLimit", ("skoolUserId", "requestDate")),
        ("AuthCode", ("skoolUserId", "generatedAt")),
        ("UserSession", ("expiresAt",)),
    }
    assert recommended <= present, recommended - present


async def test_coach_deletes_cascade_as_recommended(db: asyncpg.Connection) -> None:
    rows = await db.fetch(
        """
        SELECT src.relname AS child, dst.relname AS parent, c.confdeltype::text AS on_delete
        FROM pg_constraint c
        JOIN pg_class src ON src.oid = c.conrelid
        JOIN pg_class dst ON dst.oid = c.confrelid
        JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'coach' AND c.contype = 'f'
        """
    )
    cascades = {(r["child"], r["parent"]) for r in rows if r["on_delete"] == "c"}
    assert {("Profile", "User"), ("Session", "User"), ("Session", "Appointment")} <= cascades
