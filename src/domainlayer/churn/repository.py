"""churn's repository: predictions with their alerts, and the retention job.

Recording a prediction stores it, sets the customer's probability and risk level, and
raises an Alert when the level rises to HIGH or CRITICAL, in one transaction. The customer
row is locked first (`SELECT ... FOR UPDATE`, which the client cannot express), so two
concurrent predictions for one customer see each other's level and alert once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Final

from prisma import Prisma, enums
from prisma.models import Alert, ChurnPrediction, Customer, SupportTicket

from domainlayer.errors import InvalidInputError, NotFoundError
from domainlayer.repository import Json, translating_errors, unit_of_work

from .rules import Retention, RiskLevel, behaviour_metrics, risk_level, should_alert

__all__ = ["TICKET_FLOW", "ChurnRepository", "RecordedPrediction", "RetentionReport"]

#: Support ticket states and the moves allowed between them.
TICKET_FLOW: Final[dict[str, frozenset[str]]] = {
    "OPEN": frozenset({"IN_PROGRESS", "WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED"}),
    "IN_PROGRESS": frozenset({"WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED"}),
    "WAITING_ON_CUSTOMER": frozenset({"IN_PROGRESS", "RESOLVED", "CLOSED"}),
    "RESOLVED": frozenset({"CLOSED", "IN_PROGRESS"}),
    "CLOSED": frozenset(),
}

# Behaviour metrics from the customer's own orders and events, in one statement. Cancelled
# and refunded orders do not count as spending; logins are counted over the last 30 days.


@dataclass(frozen=True, slots=True)
class RecordedPrediction:
    prediction: ChurnPrediction
    previous_level: RiskLevel
    alert: Alert | None


@dataclass(frozen=True, slots=True)
class RetentionReport:
    customer_events: int
    predictions: int
    resolved_alerts: int
    system_metrics: int


class ChurnRepository:
    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def record_prediction(
        self,
        customer_id: str,
        probability: float,
        *,
        model_version: str,
        now: datetime,
        confidence: float | None = None,
        feature_importance: dict[str, float] | None = None,
    ) -> RecordedPrediction:
        level = risk_level(probability)
        if confidence is not None and not 0 <= confidence <= 1:
            raise InvalidInputError("confidence must be in 0..1")
        async with unit_of_work(self._client) as tx:
            rows = await tx.query_raw(
                'SELECT "riskLevel"::text AS level FROM churn."Customer" WHERE id = $1 FOR UPDATE',
                customer_id,
            )
            if not rows:
                raise NotFoundError(f"no customer {customer_id!r}")
            previous = RiskLevel(rows[0]["level"])
            prediction = await tx.churnprediction.create(
                data={
                    "customer": {"connect": {"id": customer_id}},
                    "release": {"connect": {"version": model_version}},
                    "churnProbability": probability,
                    "riskLevel": enums.RiskLevel(level.value),
                    "confidence": confidence,
                    "featureImportance": Json(feature_importance or {}),
                    "predictedAt": now,
                }
            )
            await tx.customer.update(
                where={"id": customer_id},
                data={
                    "churnProbability": probability,
                    "riskLevel": enums.RiskLevel(level.value),
                    "lastPredictionAt": now,
                },
            )
            alert = None
            if should_alert(previous, level):
                alert = await tx.alert.create(
                    data={
                        "customer": {"connect": {"id": customer_id}},
                        "type": "churn_risk",
                        "priority": enums.AlertPriority(level.value),
                        "riskLevel": enums.RiskLevel(level.value),
                        "title": f"Churn risk rose to {level.value}",
                        "message": (
                            f"Churn probability {probability:.0%} "
                            f"(was {previous.value}, model {model_version})"
                        ),
                        "eventData": Json({"probability": probability, "previous": previous}),
                    }
                )
        return RecordedPrediction(prediction, previous, alert)

    async def apply_retention(
        self, now: datetime, retention: Retention | None = None
    ) -> RetentionReport:
        """Delete what the retention policy no longer keeps; returns the counts deleted."""
        cutoffs = (retention or Retention()).cutoffs(now)
        async with unit_of_work(self._client) as tx:
            events = await tx.customerevent.delete_many(
                where={"occurredAt": {"lt": cutoffs["customer_events"]}}
            )
            predictions = await tx.churnprediction.delete_many(
                where={"predictedAt": {"lt": cutoffs["predictions"]}}
            )
            alerts = await tx.alert.delete_many(
                where={
                    "status": enums.AlertStatus.RESOLVED,
                    "resolvedAt": {"lt": cutoffs["resolved_alerts"]},
                }
            )
            metrics = await tx.systemmetrics.delete_many(
                where={"recordedAt": {"lt": cutoffs["system_metrics"]}}
            )
        return RetentionReport(events, predictions, alerts, metrics)

    async def acknowledge_alert(self, alert_id: str, by: str, now: datetime) -> None:
        """Acknowledge an open alert (who and when)."""
        if not isinstance(by, str) or not by.strip():
            raise InvalidInputError("say who acknowledges the alert")
        with translating_errors():
            done = await self._client.alert.update_many(
                where={"id": alert_id, "status": enums.AlertStatus.OPEN},
                data={
                    "status": enums.AlertStatus.ACKNOWLEDGED,
                    "acknowledgedBy": by,
                    "acknowledgedAt": now,
                },
            )
        if done == 0:
            raise NotFoundError(f"no open alert {alert_id!r}")

    async def resolve_alert(
        self, alert_id: str, by: str, now: datetime, *, resolution: str | None = None
    ) -> None:
        """Resolve an open or acknowledged alert (who, when, and how)."""
        await self._close_alert(alert_id, enums.AlertStatus.RESOLVED, by, now, resolution)

    async def dismiss_alert(
        self, alert_id: str, by: str, now: datetime, *, resolution: str | None = None
    ) -> None:
        """Dismiss an open or acknowledged alert as not needing action."""
        await self._close_alert(alert_id, enums.AlertStatus.DISMISSED, by, now, resolution)

    async def _close_alert(
        self,
        alert_id: str,
        status: enums.AlertStatus,
        by: str,
        now: datetime,
        resolution: str | None,
    ) -> None:
        if not isinstance(by, str) or not by.strip():
            raise InvalidInputError("say who closes the alert")
        with translating_errors():
            done = await self._client.alert.update_many(
                where={
                    "id": alert_id,
                    "OR": [
                        {"status": enums.AlertStatus.OPEN},
                        {"status": enums.AlertStatus.ACKNOWLEDGED},
                    ],
                },
                data={
                    "status": status,
                    "resolvedBy": by,
                    "resolvedAt": now,
                    "resolution": resolution,
                },
            )
        if done == 0:
            raise NotFoundError(f"no open or acknowledged alert {alert_id!r}")

    async def recompute_metrics(self, customer_id: str, now: datetime) -> Customer:
        """Recompute the customer's behaviour metrics (`behaviour_metrics`) and store them."""
        async with unit_of_work(self._client) as tx:
            # The row lock orders concurrent recomputes; the last one sees every order.
            locked = await tx.query_raw(
                'SELECT id FROM churn."Customer" WHERE id = $1 FOR UPDATE', customer_id
            )
            customer = await tx.customer.find_unique(
                where={"id": customer_id}, include={"orders": True, "events": True}
            )
            if not locked or customer is None:
                raise NotFoundError(f"no customer {customer_id!r}")
            tickets = await tx.supportticket.count(where={"customerId": customer_id})
            metrics = behaviour_metrics(
                orders=customer.orders or [],
                events=customer.events or [],
                support_tickets=tickets,
                customer_since=customer.createdAt,
                now=now,
            )
            updated = await tx.customer.update(
                where={"id": customer_id},
                data=asdict(metrics),  # type: ignore[arg-type]
            )
        assert updated is not None
        return updated

    async def move_ticket(self, ticket_id: str, status: str, *, now: datetime) -> SupportTicket:
        """Move a ticket along TICKET_FLOW, stamping first response, resolution and closing."""
        async with unit_of_work(self._client) as tx:
            ticket = await tx.supportticket.find_unique(where={"id": ticket_id})
            if ticket is None:
                raise NotFoundError(f"no ticket {ticket_id!r}")
            if status not in TICKET_FLOW.get(ticket.status, frozenset()):
                raise InvalidInputError(f"a ticket cannot move from {ticket.status} to {status}")
            stamps: dict[str, object] = {"status": enums.TicketStatus(status)}
            if ticket.firstResponseAt is None and status != "OPEN":
                stamps["firstResponseAt"] = now
            if status == "RESOLVED":
                stamps["resolvedAt"] = now
            if status == "CLOSED":
                stamps["closedAt"] = now
            moved = await tx.supportticket.update(where={"id": ticket_id}, data=stamps)  # type: ignore[arg-type]
        assert moved is not None
        return moved
