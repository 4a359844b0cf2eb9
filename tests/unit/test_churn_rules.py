"""churn rules (001), table-tested: risk levels, alerting, retention."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from domainlayer.churn.rules import (
    InvalidProbabilityError,
    Retention,
    RiskLevel,
    risk_level,
    should_alert,
)


@pytest.mark.parametrize(
    ("probability", "level"),
    [
        (0.0, "LOW"),
        (0.3999, "LOW"),
        (0.40, "MEDIUM"),
        (0.5999, "MEDIUM"),
        (0.60, "HIGH"),
        (0.7999, "HIGH"),
        (0.80, "CRITICAL"),
        (1.0, "CRITICAL"),
        (1, "CRITICAL"),
    ],
)
def test_risk_level_uses_the_documented_bands(probability: float, level: str) -> None:
    assert risk_level(probability) is RiskLevel[level]


@pytest.mark.parametrize("probability", [-0.01, 1.01, math.nan, math.inf, True, "0.5"])
def test_risk_level_refuses_anything_but_a_probability(probability: float) -> None:
    with pytest.raises(InvalidProbabilityError) as raised:
        risk_level(probability)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("previous", "new", "alert"),
    [
        (None, "HIGH", True),
        (None, "MEDIUM", False),
        ("LOW", "HIGH", True),
        ("MEDIUM", "CRITICAL", True),
        ("HIGH", "CRITICAL", True),
        ("HIGH", "HIGH", False),
        ("CRITICAL", "HIGH", False),
        ("LOW", "MEDIUM", False),
    ],
)
def test_an_alert_is_raised_when_the_level_rises_to_high_or_critical(
    previous: str | None, new: str, alert: bool
) -> None:
    assert should_alert(previous, new) is alert


def test_retention_defaults_are_the_documented_ones() -> None:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    cutoffs = Retention().cutoffs(now)
    assert now - cutoffs["customer_events"] == timedelta(days=90)
    assert now - cutoffs["predictions"] == timedelta(days=30)
    assert now - cutoffs["resolved_alerts"] == timedelta(days=7)
    assert now - cutoffs["system_metrics"] == timedelta(days=365)
    assert now - Retention(predictions=timedelta(days=3)).cutoffs(now)["predictions"] == timedelta(
        days=3
    )
