"""churn's repository: predictions with their alerts, and the retention job.

Recording a prediction stores it, sets the customer's probability and risk level, and
raises an Alert when the level rises to HIGH or CRITICAL, in one transaction. The customer
row is locked first (`SELECT ... FOR UPDATE`, which the client cannot express), so two
concurrent predictions for one customer see each other's level and alert once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Final, Literal

from prisma import Prisma, enums
from prisma.models import Alert, ChurnPrediction, Customer, SupportTicket

from domainlayer.batching import (
    DEFAULT_BATCH_SIZE,
    BatchPlan,
    Progress,
    TableCount,
    check_batch_size,
    preview,
    run_in_batches,
)
from domainlayer.clock import checked_now
from domainlayer.errors import InvalidInputError, NotFoundError
from domainlayer.repository import ClientSql, Json, translating_errors, unit_of_work
from domainlayer.validation import (
    choice,
    ident,
    json_object,
    moment,
    number,
    optional_text,
    refusing_as,
    text,
)

from .rules import (
    InvalidProbabilityError,
    Retention,
    RiskLevel,
    behaviour_metrics,
    risk_level,
    should_alert,
)

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
    #: The instant the run used (the database's clock unless a ``now`` was given).
    now: datetime | None = None
    #: Rows older than these were deleted, per kind (the keys of ``Retention.cutoffs``).
    cutoffs: dict[str, datetime] = field(default_factory=dict)
    dry_run: bool = False
    #: Statements (transactions) run.
    batches: int = 0

    def counts(self) -> tuple[TableCount, ...]:
        """Rows per table: deleted, or with ``dry_run`` would be deleted."""
        action = "would delete" if self.dry_run else "deleted"
        return tuple(
            TableCount(plan.table, action, getattr(self, name)) for name, plan in _RETENTION_PLANS
        )


def _retention_plan(
    table: str, where: str, key: str, id_type: Literal["text", "bigint"] = "text"
) -> BatchPlan:
    return BatchPlan(
        label=table,
        table=table,
        where=where,
        key=key,
        key_type="timestamptz",
        effects=(
            (
                "deleted",
                table,
                "deleted",
                f"DELETE FROM {table} t USING batch b WHERE t.id = b.id RETURNING 1",  # noqa: S608
            ),
        ),
        previews=(("deleted", table, "would delete", "SELECT count(*) FROM candidates"),),
        id_type=id_type,
    )


# 001's retention, one plan per kind of row, walked in the order of its indexed column.
_RETENTION_PLANS: Final[tuple[tuple[str, BatchPlan], ...]] = (
    (
        "customer_events",
        _retention_plan(
            'churn."CustomerEvent"', '"occurredAt" < $1::text::timestamptz', '"occurredAt"'
        ),
    ),
    (
        "predictions",
        _retention_plan(
            'churn."ChurnPrediction"', '"predictedAt" < $1::text::timestamptz', '"predictedAt"'
        ),
    ),
    (
        "resolved_alerts",
        _retention_plan(
            'churn."Alert"',
            """status = 'RESOLVED' AND "resolvedAt" < $1::text::timestamptz""",
            '"resolvedAt"',
        ),
    ),
    (
        "system_metrics",
        _retention_plan(
            'churn."SystemMetrics"',
            '"recordedAt" < $1::text::timestamptz',
            '"recordedAt"',
            "bigint",
        ),
    ),
)


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
        ident("customer_id", customer_id)
        with refusing_as(InvalidProbabilityError):
            number("probability", probability, 0, 1)
        ident("model_version", model_version)
        now = moment("now", now)
        if confidence is not None:
            number("confidence", confidence, 0, 1)
        if feature_importance is not None:
            feature_importance = json_object("feature_importance", feature_importance, max_depth=1)
            for feature, weight in feature_importance.items():
                number(f"feature_importance[{feature!r}]", weight, -1e12, 1e12)
        level = risk_level(probability)
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
        self,
        now: datetime | None = None,
        retention: Retention | None = None,
        *,
        allow_clock_skew: bool = False,
        dry_run: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Progress | None = None,
    ) -> RetentionReport:
        """Delete what the retention policy no longer keeps; returns the counts deleted.

        ``now`` defaults to the database's clock; a ``now`` more than a day from it is
        refused (:func:`domainlayer.clock.checked_now`) unless ``allow_clock_skew=True``.
        Each table is emptied in batches of ``batch_size`` rows, one statement (and
        transaction) each, so no run holds its locks for long; ``dry_run`` only counts.
        """
        if retention is not None and not isinstance(retention, Retention):
            raise InvalidInputError("retention must be a Retention")
        check_batch_size(batch_size)
        if not isinstance(dry_run, bool):
            raise InvalidInputError("dry_run must be True or False")
        if progress is not None and not callable(progress):
            raise InvalidInputError("progress must be a callable")
        policy = retention or Retention()
        for name in ("customer_events", "predictions", "resolved_alerts", "system_metrics"):
            period = getattr(policy, name)
            if not isinstance(period, timedelta) or period <= timedelta(0):
                raise InvalidInputError(f"retention.{name} must be a positive timedelta")
        sql = ClientSql(self._client)
        moment = await checked_now(sql, now, allow_skew=allow_clock_skew)
        cutoffs = policy.cutoffs(moment)
        counts: dict[str, int] = {}
        batches = 0
        for name, plan in _RETENTION_PLANS:
            args = (cutoffs[name].isoformat(),)
            if dry_run:
                counts[name] = (await preview(sql, plan, args))["deleted"]
            else:
                totals, runs = await run_in_batches(
                    sql, plan, args, batch_size=batch_size, progress=progress
                )
                counts[name], batches = totals["deleted"], batches + runs
        return RetentionReport(
            counts["customer_events"],
            counts["predictions"],
            counts["resolved_alerts"],
            counts["system_metrics"],
            now=moment,
            cutoffs=cutoffs,
            dry_run=dry_run,
            batches=batches,
        )

    async def acknowledge_alert(self, alert_id: str, by: str, now: datetime) -> None:
        """Acknowledge an open alert (who and when)."""
        ident("alert_id", alert_id)
        if not isinstance(by, str) or not by.strip():
            raise InvalidInputError("say who acknowledges the alert")
        text("by", by, 200)
        now = moment("now", now)
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
        ident("alert_id", alert_id)
        if not isinstance(by, str) or not by.strip():
            raise InvalidInputError("say who closes the alert")
        text("by", by, 200)
        now = moment("now", now)
        optional_text("resolution", resolution, 10_000)
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
        ident("customer_id", customer_id)
        now = moment("now", now)
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
        ident("ticket_id", ticket_id)
        choice("status", status, TICKET_FLOW)
        now = moment("now", now)
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
