"""airbar's value objects (sessions, funnel, health) cannot change once the rules made them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from domainlayer.airbar.rules import (
    FunnelEvent,
    HealthReading,
    PastSession,
    funnel_report,
    service_summary,
    session_terms,
    thresholds_for,
    user_journey,
)

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


def _values() -> list[object]:
    landing = FunnelEvent("u1", "landing", NOW, "google")
    report = funnel_report([landing])
    return [
        session_terms(
            now=NOW,
            device_fingerprint="fp-1",
            country="US",
            is_vpn=False,
            remember_me=True,
            history=[],
        ),
        PastSession("fp-1", "US", is_suspicious=False),
        landing,
        report,
        report.steps[0],
        user_journey("u1", [landing]),
        thresholds_for("payments"),
        HealthReading(uptime_percentage=99.95, response_time_ms=120, error_rate=0.001),
        service_summary("auth", [HealthReading(99.95, 120, 0.001)]),
    ]


@pytest.mark.parametrize("value", _values(), ids=lambda v: type(v).__name__)
def test_airbar_values_are_frozen_and_slotted(value: object) -> None:
    _assert_frozen_and_slotted(value)
