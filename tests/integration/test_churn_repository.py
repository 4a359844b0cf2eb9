"""churn repository on the real database: predictions, alerts, retention."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from prisma import Json, Prisma

from domainlayer.churn.repository import ChurnRepository
from domainlayer.errors import InvalidInputError, NotFoundError
from tests.support.churn import add_customer, add_model_version

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
async def model_version(client: Prisma) -> None:
    await add_model_version(client, features=["recency"], trained_at=NOW)


async def test_a_rising_prediction_updates_the_customer_and_raises_one_alert(
    client: Prisma, db: asyncpg.Connection
) -> None:
    repo = ChurnRepository(client)
    customer = await add_customer(client)
    low = await repo.record_prediction(customer, 0.2, model_version="v1", now=NOW)
    assert low.alert is None
    high = await repo.record_prediction(customer, 0.65, model_version="v1", now=NOW)
    assert high.previous_level == "LOW" and high.alert is not None
    assert high.alert.priority == "HIGH"
    same = await repo.record_prediction(customer, 0.7, model_version="v1", now=NOW)
    assert same.alert is None
    row = await db.fetchrow('SELECT "churnProbability", "riskLevel" FROM churn."Customer"')
    assert row is not None and tuple(row) == (0.7, "HIGH")
    assert await db.fetchval('SELECT count(*) FROM churn."ChurnPrediction"') == 3
    assert await db.fetchval('SELECT count(*) FROM churn."Alert"') == 1


async def test_concurrent_rising_predictions_alert_once(
    client: Prisma, db: asyncpg.Connection
) -> None:
    repo = ChurnRepository(client)
    customer = await add_customer(client)
    await asyncio.gather(
        *(repo.record_prediction(customer, 0.9, model_version="v1", now=NOW) for _ in range(10))
    )
    assert await db.fetchval('SELECT count(*) FROM churn."Alert"') == 1
    assert await db.fetchval('SELECT count(*) FROM churn."ChurnPrediction"') == 10


async def test_bad_predictions_write_nothing(client: Prisma, db: asyncpg.Connection) -> None:
    repo = ChurnRepository(client)
    customer = await add_customer(client)
    with pytest.raises(InvalidInputError, match=r"probability must be a finite number in 0\.\.1"):
        await repo.record_prediction(customer, 1.5, model_version="v1", now=NOW)
    with pytest.raises(NotFoundError, match="no customer 'nobody'"):
        await repo.record_prediction("nobody", 0.5, model_version="v1", now=NOW)
    assert await db.fetchval('SELECT count(*) FROM churn."ChurnPrediction"') == 0


async def test_retention_deletes_only_what_the_policy_no_longer_keeps(
    client: Prisma, db: asyncpg.Connection
) -> None:
    repo = ChurnRepository(client)
    customer = await add_customer(client)
    for age in (10, 100):
        await client.customerevent.create(
            data={
                "customer": {"connect": {"id": customer}},
                "category": "ENGAGEMENT",  # type: ignore[typeddict-item]
                "eventType": "login",
                "occurredAt": NOW - timedelta(days=age),
            }
        )
    await repo.record_prediction(customer, 0.9, model_version="v1", now=NOW - timedelta(days=40))
    await client.alert.update_many(
        where={},
        data={"status": "RESOLVED", "resolvedAt": NOW - timedelta(days=8)},  # type: ignore[typeddict-item]
    )
    await client.systemmetrics.create(
        data={"metricName": "m", "metricType": "system", "value": 1, "recordedAt": NOW}
    )
    report = await repo.apply_retention(NOW, allow_clock_skew=True)  # a fixed, past NOW
    assert (report.customer_events, report.predictions, report.resolved_alerts) == (1, 1, 1)
    assert report.system_metrics == 0
    assert await db.fetchval('SELECT count(*) FROM churn."CustomerEvent"') == 1


async def test_behaviour_metrics_are_recomputed_from_orders_and_events(client: Prisma) -> None:
    from decimal import Decimal

    repo = ChurnRepository(client)
    customer = await add_customer(client)
    for n, (total, status) in enumerate(
        [("100.00", "DELIVERED"), ("50.50", "DELIVERED"), ("999.00", "CANCELLED")]
    ):
        await client.order.create(
            data={
                "orderNumber": f"o{n}",
                "customer": {"connect": {"id": customer}},
                "status": status,  # type: ignore[typeddict-item]
                "items": Json([]),
                "subtotal": Decimal(total),
                "total": Decimal(total),
                "orderedAt": NOW - timedelta(days=n),
            }
        )
    for days in (1, 5, 45):
        await client.customerevent.create(
            data={
                "customer": {"connect": {"id": customer}},
                "category": "ENGAGEMENT",  # type: ignore[typeddict-item]
                "eventType": "login",
                "occurredAt": NOW - timedelta(days=days),
            }
        )
    updated = await repo.recompute_metrics(customer, NOW)
    assert (updated.totalOrders, updated.totalSpent) == (2, Decimal("150.50"))
    assert updated.averageOrderValue == Decimal("75.25")
    assert updated.loginFrequency == 2
    assert updated.lastOrderAt is not None
    with pytest.raises(NotFoundError, match="no customer 'nobody'"):
        await repo.recompute_metrics("nobody", NOW)


async def test_a_ticket_moves_along_its_lifecycle(client: Prisma) -> None:
    repo = ChurnRepository(client)
    customer = await add_customer(client)
    ticket = await client.supportticket.create(
        data={
            "ticketNumber": "T-1",
            "customer": {"connect": {"id": customer}},
            "subject": "Late parcel",
            "description": "...",
            "category": "shipping",
        }
    )
    working = await repo.move_ticket(ticket.id, "IN_PROGRESS", now=NOW)
    assert working.firstResponseAt is not None
    resolved = await repo.move_ticket(ticket.id, "RESOLVED", now=NOW + timedelta(hours=2))
    assert resolved.resolvedAt is not None
    closed = await repo.move_ticket(ticket.id, "CLOSED", now=NOW + timedelta(days=1))
    assert closed.closedAt is not None
    with pytest.raises(InvalidInputError, match="a ticket cannot move from CLOSED to OPEN"):
        await repo.move_ticket(ticket.id, "OPEN", now=NOW)


async def test_an_alert_is_acknowledged_then_resolved_once(
    client: Prisma, db: asyncpg.Connection
) -> None:
    repo = ChurnRepository(client)
    customer = await add_customer(client)
    high = await repo.record_prediction(customer, 0.85, model_version="v1", now=NOW)
    assert high.alert is not None
    alert_id = high.alert.id
    with pytest.raises(InvalidInputError, match="say who acknowledges the alert"):
        await repo.acknowledge_alert(alert_id, " ", NOW)
    await repo.acknowledge_alert(alert_id, "csm@shop.example", NOW)
    with pytest.raises(NotFoundError, match="no open alert"):
        await repo.acknowledge_alert(alert_id, "csm@shop.example", NOW)
    later = NOW + timedelta(hours=2)
    await repo.resolve_alert(alert_id, "csm@shop.example", later, resolution="called, 10% off")
    row = await db.fetchrow(
        'SELECT status::text, "acknowledgedBy", "resolvedBy", "resolvedAt", resolution '
        'FROM churn."Alert"'
    )
    assert row is not None
    assert tuple(row) == (
        "RESOLVED",
        "csm@shop.example",
        "csm@shop.example",
        later,
        "called, 10% off",
    )
    with pytest.raises(NotFoundError, match="no open or acknowledged alert"):
        await repo.resolve_alert(alert_id, "csm@shop.example", later)
    with pytest.raises(NotFoundError, match="no open or acknowledged alert"):
        await repo.dismiss_alert(alert_id, "csm@shop.example", later)


async def test_an_open_alert_can_be_dismissed(client: Prisma, db: asyncpg.Connection) -> None:
    repo = ChurnRepository(client)
    customer = await add_customer(client)
    high = await repo.record_prediction(customer, 0.9, model_version="v1", now=NOW)
    assert high.alert is not None
    with pytest.raises(InvalidInputError, match="say who closes the alert"):
        await repo.dismiss_alert(high.alert.id, "", NOW)
    assert await db.fetchval('SELECT status::text FROM churn."Alert"') == "OPEN"
    await repo.dismiss_alert(high.alert.id, "ops", NOW, resolution="known seasonal dip")
    assert await db.fetchval('SELECT status::text FROM churn."Alert"') == "DISMISSED"
