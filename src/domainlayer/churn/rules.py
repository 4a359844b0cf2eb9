"""churn's business rules, as document 001 states them. Pure: no I/O, no clock.

Risk levels by churn probability: LOW [0, 0.40), MEDIUM [0.40, 0.60), HIGH [0.60, 0.80),
CRITICAL [0.80, 1]. An alert is raised when a customer's level rises to HIGH or CRITICAL.
Retention: customer events 90 days, predictions 30, resolved alerts 7, system metrics 1 year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from domainlayer.errors import InvalidInputError

__all__ = [
    "ALERTING_LEVELS",
    "InvalidProbabilityError",
    "Retention",
    "RiskLevel",
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


def should_alert(previous: RiskLevel | str | None, new: RiskLevel | str) -> bool:
    """True when the level rises into HIGH or CRITICAL (not when it stays or falls)."""
    new_level = RiskLevel(new)
    if new_level not in ALERTING_LEVELS:
        return False
    if previous is None:
        return True
    return _ORDER.index(new_level) > _ORDER.index(RiskLevel(previous))


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
