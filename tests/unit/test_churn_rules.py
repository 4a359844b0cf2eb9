"""churn rules (001), table-tested: risk levels, alerting, retention."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domainlayer.churn.rules import (
    ALERTING_LEVELS,
    LOGIN_WINDOW,
    NOT_PURCHASED,
    RETURNED,
    InvalidProbabilityError,
    MetricsAccumulator,
    Retention,
    RiskLevel,
    behaviour_metrics,
    risk_level,
    should_alert,
)
from domainlayer.errors import InvalidInputError


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


# behaviour_metrics ---------------------------------------------------------------------------

METRICS_NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@dataclass
class _Order:
    status: str
    total: Decimal
    orderedAt: datetime
    discount: Decimal = Decimal(0)


@dataclass
class _Event:
    eventType: str
    occurredAt: datetime


def _days_ago(days: float) -> datetime:
    return METRICS_NOW - timedelta(days=days)


def test_metrics_of_a_customer_with_nothing() -> None:
    m = behaviour_metrics(
        orders=[], events=[], support_tickets=0, customer_since=_days_ago(10), now=METRICS_NOW
    )
    assert (m.totalOrders, m.totalSpent, m.averageOrderValue) == (0, Decimal(0), Decimal(0))
    assert (m.discountUsageRate, m.loginFrequency, m.paymentFailures) == (0.0, 0.0, 0)
    assert (m.lastOrderAt, m.lastLoginAt, m.lastActivityAt) == (None, None, None)
    assert m.accountAgeDays == 10


@pytest.mark.parametrize(
    ("orders", "expected"),
    [
        # (status, total, days ago, discount) -> (orders, spent, average, returns, discount rate)
        ([("DELIVERED", "100.00", 1, "0")], (1, "100.00", "100.00", 0, 0.0)),
        (
            [("DELIVERED", "100.00", 1, "5"), ("SHIPPED", "50.50", 2, "0")],
            (2, "150.50", "75.25", 0, 0.5),
        ),
        # cancelled and refunded orders are not purchases; refunded and returned are returns
        (
            [
                ("DELIVERED", "10.00", 1, "0"),
                ("CANCELLED", "999", 0, "0"),
                ("REFUNDED", "5", 3, "0"),
            ],
            (1, "10.00", "10.00", 1, 0.0),
        ),
        ([("RETURNED", "20.00", 1, "0")], (1, "20.00", "20.00", 1, 0.0)),
        # the average rounds half up to the cent: 100 / 3 = 33.333.., 0.05 / 2 = 0.025
        (
            [("DELIVERED", "50", 1, "0"), ("DELIVERED", "25", 2, "0"), ("PENDING", "25", 3, "0")],
            (3, "100.00", "33.33", 0, 0.0),
        ),
        (
            [("DELIVERED", "0.01", 1, "0"), ("DELIVERED", "0.04", 2, "0")],
            (2, "0.05", "0.03", 0, 0.0),
        ),
    ],
)
def test_order_metrics_count_purchases_only(
    orders: list[tuple[str, str, int, str]], expected: tuple[int, str, str, int, float]
) -> None:
    m = behaviour_metrics(
        orders=[_Order(s, Decimal(t), _days_ago(d), Decimal(x)) for s, t, d, x in orders],
        events=[],
        support_tickets=0,
        customer_since=_days_ago(400),
        now=METRICS_NOW,
    )
    count, spent, average, returns, rate = expected
    assert (m.totalOrders, m.totalSpent, m.averageOrderValue) == (
        count,
        Decimal(spent),
        Decimal(average),
    )
    assert (m.productReturns, m.discountUsageRate) == (returns, rate)


def test_last_order_is_the_latest_purchase_not_a_cancelled_order() -> None:
    m = behaviour_metrics(
        orders=[
            _Order("DELIVERED", Decimal(10), _days_ago(20)),
            _Order("CANCELLED", Decimal(10), _days_ago(1)),
        ],
        events=[],
        support_tickets=2,
        customer_since=_days_ago(400),
        now=METRICS_NOW,
    )
    assert m.lastOrderAt == _days_ago(20) and m.lastActivityAt == _days_ago(20)
    assert m.supportTicketCount == 2


@pytest.mark.parametrize(
    ("login_days_ago", "expected"),
    [([], 0), ([1, 5], 2), ([29.9, 30, 30.01], 2), ([0, 45, 90], 1)],
)
def test_login_frequency_counts_the_last_30_days(
    login_days_ago: list[float], expected: int
) -> None:
    m = behaviour_metrics(
        orders=[],
        events=[_Event("login", _days_ago(d)) for d in login_days_ago],
        support_tickets=0,
        customer_since=_days_ago(400),
        now=METRICS_NOW,
    )
    assert m.loginFrequency == expected
    assert m.lastLoginAt == (_days_ago(min(login_days_ago)) if login_days_ago else None)


def test_payment_failures_and_last_activity_come_from_events() -> None:
    m = behaviour_metrics(
        orders=[_Order("DELIVERED", Decimal(10), _days_ago(9))],
        events=[
            _Event("payment_failed", _days_ago(60)),
            _Event("payment_failed", _days_ago(3)),
            _Event("email_open", _days_ago(2)),
        ],
        support_tickets=0,
        customer_since=_days_ago(400),
        now=METRICS_NOW,
    )
    assert m.paymentFailures == 2
    assert m.lastActivityAt == _days_ago(2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"support_tickets": -1},
        {"now": datetime(2026, 11, 25)},
        {"customer_since": datetime(2026, 1, 1)},
    ],
)
def test_metrics_refuse_bad_input(kwargs: dict[str, object]) -> None:
    arguments: dict[str, object] = {
        "orders": [],
        "events": [],
        "support_tickets": 0,
        "customer_since": _days_ago(1),
        "now": METRICS_NOW,
    } | kwargs
    with pytest.raises(InvalidInputError, match=r"ticket count|timezone-aware"):
        behaviour_metrics(**arguments)  # type: ignore[arg-type]


def test_the_accumulator_gives_behaviour_metrics_in_any_order_of_arrival() -> None:
    orders = [
        _Order("DELIVERED", Decimal("40.00"), _days_ago(40), Decimal("4")),
        _Order("REFUNDED", Decimal("15.00"), _days_ago(20)),
        _Order("SHIPPED", Decimal("12.50"), _days_ago(2)),
    ]
    events = [
        _Event("login", _days_ago(1)),
        _Event("login", _days_ago(31)),
        _Event("payment_failed", _days_ago(0.5)),
        _Event("email_open", _days_ago(3)),
    ]
    expected = behaviour_metrics(
        orders=orders,
        events=events,
        support_tickets=2,
        customer_since=_days_ago(400),
        now=METRICS_NOW,
    )
    accumulator = MetricsAccumulator(customer_since=_days_ago(400), now=METRICS_NOW)
    # Interleaved and newest first, as a stream may deliver them.
    for order, event in zip(reversed(orders), reversed(events), strict=False):
        accumulator.add_order(order)
        accumulator.add_event(event)
    accumulator.add_event(events[0])  # the one zip left out (reversed: the first)
    got = accumulator.result(support_tickets=2)
    assert got == expected
    assert (got.totalOrders, got.loginFrequency, got.paymentFailures) == (2, 1.0, 1)
    assert got.lastActivityAt == _days_ago(0.5)


def test_the_accumulator_refuses_naive_times_and_negative_tickets() -> None:
    with pytest.raises(InvalidInputError, match="timezone-aware"):
        MetricsAccumulator(customer_since=datetime(2026, 1, 1), now=METRICS_NOW)
    with pytest.raises(InvalidInputError, match="ticket count is never negative"):
        MetricsAccumulator(customer_since=_days_ago(1), now=METRICS_NOW).result(support_tickets=-1)


def _metrics(orders: list[_Order], events: list[_Event] | None = None) -> object:
    return behaviour_metrics(
        orders=orders,
        events=events or [],
        support_tickets=0,
        customer_since=_days_ago(400),
        now=METRICS_NOW,
    )


def test_last_order_is_the_latest_purchase_in_any_order_of_arrival() -> None:
    orders = [
        _Order("DELIVERED", Decimal(10), _days_ago(30)),
        _Order("SHIPPED", Decimal(10), _days_ago(3)),
        _Order("DELIVERED", Decimal(10), _days_ago(60)),
    ]
    assert _metrics(orders).lastOrderAt == _days_ago(3)  # type: ignore[attr-defined]
    assert _metrics(orders[::-1]).lastOrderAt == _days_ago(3)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("discount", "rate"), [("0.50", 1.0), ("0.01", 1.0), ("0", 0.0), ("1", 1.0), ("25", 1.0)]
)
def test_any_discount_above_zero_counts_as_used(discount: str, rate: float) -> None:
    m = _metrics([_Order("DELIVERED", Decimal(10), _days_ago(1), Decimal(discount))])
    assert m.discountUsageRate == rate  # type: ignore[attr-defined]


def test_logins_count_from_30_days_ago_up_to_now_not_after() -> None:
    events = [
        _Event("login", METRICS_NOW + timedelta(seconds=1)),  # after now: not counted
        _Event("login", METRICS_NOW),
        _Event("login", METRICS_NOW - timedelta(days=30)),
        _Event("login", METRICS_NOW - timedelta(days=30, seconds=1)),
    ]
    m = _metrics([], events)
    assert m.loginFrequency == 2.0  # type: ignore[attr-defined]
    assert m.lastLoginAt == METRICS_NOW + timedelta(seconds=1)  # type: ignore[attr-defined]
    assert timedelta(days=30) == LOGIN_WINDOW


def test_last_activity_is_the_latest_event_or_purchase() -> None:
    m = _metrics(
        [_Order("DELIVERED", Decimal(5), _days_ago(1))],
        [_Event("email_open", _days_ago(4)), _Event("login", _days_ago(2))],
    )
    assert m.lastActivityAt == _days_ago(1)  # type: ignore[attr-defined]
    only_events = _metrics([], [_Event("login", _days_ago(2)), _Event("page_view", _days_ago(5))])
    assert only_events.lastActivityAt == _days_ago(2)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("since", "days"), [(10.9, 10), (0.5, 0), (-3, 0), (365, 365)])
def test_account_age_is_whole_days_and_never_negative(since: float, days: int) -> None:
    m = behaviour_metrics(
        orders=[], events=[], support_tickets=0, customer_since=_days_ago(since), now=METRICS_NOW
    )
    assert m.accountAgeDays == days


def test_the_status_sets_are_the_documented_ones() -> None:
    assert frozenset({"CANCELLED", "REFUNDED"}) == NOT_PURCHASED
    assert frozenset({"RETURNED", "REFUNDED"}) == RETURNED
    assert frozenset({RiskLevel.HIGH, RiskLevel.CRITICAL}) == ALERTING_LEVELS
