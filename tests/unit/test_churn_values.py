"""churn's value objects (retention terms, behaviour metrics) cannot change once made."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domainlayer.churn.rules import MetricsAccumulator, Retention, behaviour_metrics

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def _assert_frozen_and_slotted(value: object) -> None:
    """A value object cannot change once made (frozen) and carries no per-instance dict
    (slots): another field cannot be attached to it by mistake either."""
    assert dataclasses.is_dataclass(value)
    first = dataclasses.fields(value)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError, match=first):
        setattr(value, first, getattr(value, first))
    assert not hasattr(value, "__dict__")
    assert type(value).__slots__ == tuple(f.name for f in dataclasses.fields(value))


@pytest.mark.parametrize(
    "value",
    [
        Retention(),
        behaviour_metrics(orders=[], events=[], support_tickets=0, customer_since=NOW, now=NOW),
    ],
    ids=lambda v: type(v).__name__,
)
def test_churn_values_are_frozen_and_slotted(value: object) -> None:
    _assert_frozen_and_slotted(value)


def test_the_streaming_accumulator_takes_no_stray_attributes() -> None:
    accumulator = MetricsAccumulator(customer_since=NOW, now=NOW)
    with pytest.raises(AttributeError, match="_purchased"):
        accumulator._purchased = 1  # type: ignore[attr-defined]  # a typo of _purchases


def test_the_accumulator_takes_its_times_and_ticket_count_by_name_only() -> None:
    # customer_since and now are both datetimes: by name, they cannot be swapped unseen
    with pytest.raises(TypeError, match="positional"):
        MetricsAccumulator(NOW, NOW)  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional"):
        MetricsAccumulator(customer_since=NOW, now=NOW).result(0)  # type: ignore[misc]


@dataclasses.dataclass
class _Order:
    status: str
    total: Decimal
    discount: Decimal
    orderedAt: datetime


@dataclasses.dataclass
class _Event:
    eventType: str
    occurredAt: datetime


def test_of_equal_latest_instants_the_first_recorded_is_kept() -> None:
    # The same instant written in two zones: the metrics keep the first one as given.
    shifted = NOW.astimezone(timezone(timedelta(hours=2)))
    m = behaviour_metrics(
        orders=[_Order("DELIVERED", Decimal(5), Decimal(0), t) for t in (NOW, shifted)],
        events=[_Event("login", t) for t in (NOW, shifted)],
        support_tickets=0,
        customer_since=NOW - timedelta(days=3),
        now=NOW,
    )
    assert m.lastOrderAt is not None and m.lastOrderAt.utcoffset() == timedelta(0)
    assert m.lastLoginAt is not None and m.lastLoginAt.utcoffset() == timedelta(0)
    assert m.lastActivityAt is not None and m.lastActivityAt.utcoffset() == timedelta(0)
