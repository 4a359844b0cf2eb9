"""churn's repository: predictions with their alerts, and the retention job.

Recording a prediction stores it, sets the customer's probability and risk level, and
raises an Alert when the level rises to HIGH or CRITICAL, in one transaction. The customer
row is locked first (`SELECT ... FOR UPDATE`, which the client cannot express), so two
concurrent predictions for one customer see each other's level and alert once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prisma import Json, Prisma, enums
from prisma.models import Alert, ChurnPrediction

from domainlayer.errors import InvalidInputError, NotFoundError
from domainlayer.repository import translating_errors, unit_of_work

from .rules import Retention, RiskLevel, risk_level, should_alert

__all__ = ["ChurnRepository", "RecordedPrediction", "RetentionReport"]


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
