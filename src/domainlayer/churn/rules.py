"""churn's business rules, as document 001 states them. Pure: no I/O, no clock.

Risk levels by churn probability: LOW [0, 0.40), MEDIUM [0.40, 0.60), HIGH [0.60, 0.80),
CRITICAL [0.80, 1]. An alert is raised when a customer's level rises to HIGH or CRITICAL.
Retention: customer events 90 days, predictions 30, resolved alerts 7, system metrics 1 year.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final, Protocol

from domainlayer.errors import InvalidInputError
from domainlayer.typed_rules import rule

__all__ = [
    "ALERTING_LEVELS",
    "LOGIN_WINDOW",
    "NOT_PURCHASED",
    "RETURNED",
    "BehaviourMetrics",
    "EventFacts",
    "InvalidProbabilityError",
    "MetricsAccumulator",
    "OrderFacts",
    "Retention",
    "RiskLevel",
    "behaviour_metrics",
    "risk_level",
    "should_alert",
]


class InvalidProbabilityError(InvalidInputError):
    """A churn probability that is not a number in 0..1."""


class RiskLevel(StrEnum):
    """The schema's RiskLevel: equal by value to the generated client's enum."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


_ORDER: Final = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL)
ALERTING_LEVELS: Final = frozenset({RiskLevel.HIGH, RiskLevel.CRITICAL})


@rule
def risk_level(probability: float) -> RiskLevel:
    """The risk level of a churn probability in 0..1."""
    if (
        isinstance(probability, bool)
        or not isinstance(probability, int | float)
        or math.isnan(probability)
        or not 0 <= probability <= 1
    ):
        raise InvalidProbabilityError(f"churn probability must be in 0..1: {probability!r}")
    if probability < 0.40:
        return RiskLevel.LOW
    if probability < 0.60:
        return RiskLevel.MEDIUM
    if probability < 0.80:
        return RiskLevel.HIGH
    return RiskLevel.CRITICAL


@rule
def should_alert(previous: RiskLevel | str | None, new: RiskLevel | str) -> bool:
    """True when the level rises into HIGH or CRITICAL (not when it stays or falls)."""
    new_level = _level(new, "new")
    if new_level not in ALERTING_LEVELS:
        return False
    if previous is None:
        return True
    return _ORDER.index(new_level) > _ORDER.index(_level(previous, "previous"))


def _level(value: RiskLevel | str, name: str) -> RiskLevel:
    try:
        return RiskLevel(value)
    except ValueError:
        raise InvalidInputError(
            f"{name} must be one of {', '.join(level.value for level in RiskLevel)}"
        ) from None


@dataclass(frozen=True, slots=True)
class Retention:
    """How long each kind of row is kept (the document's defaults; configurable)."""

    customer_events: timedelta = timedelta(days=90)
    predictions: timedelta = timedelta(days=30)
    resolved_alerts: timedelta = timedelta(days=7)
    system_metrics: timedelta = timedelta(days=365)

    def cutoffs(self, now: datetime) -> dict[str, datetime]:
        """Rows older than these instants are due for deletion."""
        if now.tzinfo is None:
            raise InvalidInputError("now must be timezone-aware")
        return {
            "customer_events": now - self.customer_events,
            "predictions": now - self.predictions,
            "resolved_alerts": now - self.resolved_alerts,
            "system_metrics": now - self.system_metrics,
        }


# Behaviour metrics ------------------------------------------------------------------------

#: Orders that did not end as a purchase; they count neither as orders nor as spend.
NOT_PURCHASED: Final = frozenset({"CANCELLED", "REFUNDED"})
#: Orders that came back.
RETURNED: Final = frozenset({"RETURNED", "REFUNDED"})
#: Window of `loginFrequency` ("logins per 30 days").
LOGIN_WINDOW: Final = timedelta(days=30)

_CENT = Decimal("0.01")


class OrderFacts(Protocol):
    """What the metrics read from an order (the Order model has these attributes)."""

    @property
    def status(self) -> str: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def discount(self) -> Decimal: ...
    @property
    def orderedAt(self) -> datetime: ...


class EventFacts(Protocol):
    """What the metrics read from a customer event (the CustomerEvent model has these)."""

    @property
    def eventType(self) -> str: ...
    @property
    def occurredAt(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class BehaviourMetrics:
    """A customer's behaviour metrics, named as the Customer columns they fill."""

    totalOrders: int
    totalSpent: Decimal
    averageOrderValue: Decimal
    discountUsageRate: float
    productReturns: int
    supportTicketCount: int
    loginFrequency: float
    paymentFailures: int
    lastOrderAt: datetime | None
    lastLoginAt: datetime | None
    lastActivityAt: datetime | None
    accountAgeDays: int


class MetricsAccumulator:
    """:func:`behaviour_metrics` one order and one event at a time.

    For callers that stream a customer's orders and events (the seed writes millions of
    them with COPY and cannot hold them): ``add_order`` / ``add_event`` as they pass, then
    ``result``. The rules are the ones :func:`behaviour_metrics` documents; it uses this.
    """

    __slots__ = (
        "_customer_since",
        "_discounted",
        "_failures",
        "_last_event",
        "_last_login",
        "_last_order",
        "_logins",
        "_now",
        "_purchases",
        "_returns",
        "_spent",
    )

    def __init__(self, *, customer_since: datetime, now: datetime) -> None:
        if now.tzinfo is None or customer_since.tzinfo is None:
            raise InvalidInputError("times must be timezone-aware")
        self._customer_since = customer_since
        self._now = now
        self._purchases = 0
        self._spent = Decimal(0)
        self._discounted = 0
        self._returns = 0
        self._last_order: datetime | None = None
        self._logins = 0
        self._failures = 0
        self._last_login: datetime | None = None
        self._last_event: datetime | None = None

    def add_order(self, order: OrderFacts) -> None:
        status = str(order.status)
        if status in RETURNED:
            self._returns += 1
        if status in NOT_PURCHASED:
            return
        self._purchases += 1
        self._spent += Decimal(order.total)
        self._discounted += Decimal(order.discount) > 0
        if self._last_order is None or order.orderedAt > self._last_order:
            self._last_order = order.orderedAt

    def add_event(self, event: EventFacts) -> None:
        at = event.occurredAt
        if self._last_event is None or at > self._last_event:
            self._last_event = at
        if event.eventType == "login":
            if self._last_login is None or at > self._last_login:
                self._last_login = at
            self._logins += self._now - LOGIN_WINDOW <= at <= self._now
        elif event.eventType == "payment_failed":
            self._failures += 1

    def result(self, *, support_tickets: int) -> BehaviourMetrics:
        if support_tickets < 0:
            raise InvalidInputError("a ticket count is never negative")
        purchases, spent = self._purchases, self._spent
        moments = [m for m in (self._last_event, self._last_order) if m is not None]
        average = (spent / purchases).quantize(_CENT, ROUND_HALF_UP) if purchases else Decimal(0)
        return BehaviourMetrics(
            totalOrders=purchases,
            totalSpent=spent.quantize(_CENT, ROUND_HALF_UP),
            averageOrderValue=average,
            discountUsageRate=self._discounted / purchases if purchases else 0.0,
            productReturns=self._returns,
            supportTicketCount=support_tickets,
            loginFrequency=float(self._logins),
            paymentFailures=self._failures,
            lastOrderAt=self._last_order,
            lastLoginAt=self._last_login,
            lastActivityAt=max(moments) if moments else None,
            accountAgeDays=max(0, (self._now - self._customer_since).days),
        )


@rule
def behaviour_metrics(
    *,
    orders: Iterable[OrderFacts],
    events: Iterable[EventFacts],
    support_tickets: int,
    customer_since: datetime,
    now: datetime,
) -> BehaviourMetrics:
    """A customer's metrics from their orders, events and tickets.

    - orders and spend count purchases only: not cancelled, not refunded; the average is
      spend / orders, rounded half up to the cent (0 without orders); `lastOrderAt` is the
      latest purchase;
    - `discountUsageRate` is the share of purchases with a discount; `productReturns`
      counts returned or refunded orders;
    - `loginFrequency` counts `login` events in the 30 days up to `now`; `paymentFailures`
      counts `payment_failed` events; `lastActivityAt` is the latest event or purchase;
    - `accountAgeDays` is whole days since the customer was created.
    """
    if support_tickets < 0:
        raise InvalidInputError("a ticket count is never negative")
    accumulator = MetricsAccumulator(customer_since=customer_since, now=now)
    for order in orders:
        accumulator.add_order(order)
    for event in events:
        accumulator.add_event(event)
    return accumulator.result(support_tickets=support_tickets)
