"""madfam's value objects (questions, calculator results) cannot change once made."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from domainlayer.madfam.calculations import project_estimate, roi_calculation
from domainlayer.madfam.rules import ASSESSMENT_QUESTIONS


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
        ASSESSMENT_QUESTIONS[0],
        roi_calculation(
            employees=10,
            average_annual_salary=Decimal("50000"),
            inefficiency_percentage=Decimal("20"),
            investment=Decimal("60000"),
        ),
        project_estimate(project_type="workshop", complexity="low", timeline_weeks=2),
    ],
    ids=lambda v: type(v).__name__,
)
def test_madfam_values_are_frozen_and_slotted(value: object) -> None:
    _assert_frozen_and_slotted(value)
