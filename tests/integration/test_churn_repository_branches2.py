"""churn early warning (001: predictions with their confidence and feature importance,
alerts, support tickets, retention) on the real database: the branches the first suite left
out. What a prediction carries is stored as given; bad input and unknown records are typed
errors that change nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.churn.repository import ChurnRepository
from domainlayer.churn.rules import Retention
from domainlayer.errors import InvalidInputError, NotFoundError
from tests.support.churn import add_customer, add_model_version

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
async def model_version(client: Prisma) -> None:
    await add_model_version(client, features=["recency", "frequency"], trained_at=NOW)


async def test_a_prediction_keeps_its_confidence_and_feature_importance(
    client: Prisma, db: asyncpg.Connection
) -> None:
    customer = await add_customer(client)

    recorded = await ChurnRepository(client).record_prediction(
        customer,
        0.45,
        model_version="v1",
        now=NOW,
        confidence=0.8,
        feature_importance={"recency": 0.6, "frequency": -0.2},
    )

    assert recorded.alert is None  # MEDIUM does not alert
    row = await db.fetchrow(
        'SELECT confidence, "featureImportance"::text AS importance, "riskLevel"::text AS level'
        ' FROM churn."ChurnPrediction"'
    )
    assert row is not None
    assert row["confidence"] == 0.8 and row["level"] == "MEDIUM"
    assert json.loads(row["importance"]) == {"recency": 0.6, "frequency": -0.2}


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"confidence": 1.5}, r"confidence must be a finite number in 0\.\.1"),
        ({"feature_importance": {"recency": "high"}}, r"feature_importance\['recency'\]"),
        ({"feature_importance": {"recency": {"nested": 1}}}, "feature_importance"),
    ],
)
async def test_a_prediction_with_bad_extras_writes_nothing(
    client: Prisma, db: asyncpg.Connection, extra: dict[str, object], match: str
) -> None:
    customer = await add_customer(client)

    with pytest.raises(InvalidInputError, match=match):
        await ChurnRepository(client).record_prediction(
            customer,
            0.9,
            model_version="v1",
            now=NOW,
            **extra,  # type: ignore[arg-type]
        )

    assert await db.fetchval('SELECT count(*) FROM churn."ChurnPrediction"') == 0
    assert await db.fetchval('SELECT count(*) FROM churn."Alert"') == 0
    assert await db.fetchval('SELECT "riskLevel"::text FROM churn."Customer"') == "LOW"


async def test_moving_an_unknown_ticket_is_not_found(client: Prisma) -> None:
    with pytest.raises(NotFoundError, match="no ticket 'T-404'"):
        await ChurnRepository(client).move_ticket("T-404", "IN_PROGRESS", now=NOW)


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"progress": "print"}, "progress must be a callable"),
        ({"retention": Retention(predictions=timedelta(0))}, "retention.predictions must be"),
        ({"retention": Retention(customer_events=-timedelta(days=1))}, "retention.customer_"),
        ({"retention": {"predictions": 30}}, "retention must be a Retention"),
        ({"dry_run": "yes"}, "dry_run must be True or False"),
    ],
)
async def test_a_bad_retention_run_deletes_nothing(
    client: Prisma, db: asyncpg.Connection, arguments: dict[str, object], match: str
) -> None:
    customer = await add_customer(client)
    await ChurnRepository(client).record_prediction(
        customer, 0.2, model_version="v1", now=NOW - timedelta(days=400)
    )

    with pytest.raises(InvalidInputError, match=match):
        await ChurnRepository(client).apply_retention(NOW, **arguments)  # type: ignore[arg-type]

    assert await db.fetchval('SELECT count(*) FROM churn."ChurnPrediction"') == 1
