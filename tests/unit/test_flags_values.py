"""The shared flag core's value objects (rules, variants) cannot change once made."""

from __future__ import annotations

import dataclasses

import pytest

from domainlayer.flags import FlagRule, parse_variants


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
        FlagRule(key="smart_matching", enabled=True, rollout_percentage=50),
        parse_variants([{"id": "control", "weight": 1}])[0],
    ],
    ids=lambda v: type(v).__name__,
)
def test_flag_values_are_frozen_and_slotted(value: object) -> None:
    _assert_frozen_and_slotted(value)
