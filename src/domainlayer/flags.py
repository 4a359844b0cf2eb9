"""One feature-flag evaluation for every product (airbar, travel and madfam keep flags).

The products store their flags with different columns; each product's repository turns its
row into a :class:`FlagRule` and asks this module. Evaluation is pure and deterministic:

- :func:`bucket` puts a subject in one of 100 buckets with SHA-256 of the flag key and the
  subject id, so the answer is the same in every process and on every machine (Python's
  ``hash`` is salted per process), and independent from one flag to the next.
- :func:`is_enabled` checks, in order: the flag's enabled switch; its per-environment
  switch, where it has one (madfam: dev / staging / prod); its active window, where it has
  one (airbar's seasonal flags, travel's experiment dates); its targeting (airbar segments,
  madfam user groups: the subject must belong to one, an empty list targets everyone); and
  finally ``bucket < rollout_percentage``. A subject in bucket b is on for every percentage
  above b, so raising the percentage never turns anyone off; 0 % is nobody, 100 % everybody.
- :func:`choose_variant` picks a weighted variant (travel's ``[{"id", "weight"}]``) from a
  second, finer hash (salted differently, so variant and rollout are independent).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from domainlayer.typed_rules import rule

from .errors import InvalidInputError

__all__ = [
    "BUCKETS",
    "FlagRule",
    "Variant",
    "bucket",
    "choose_variant",
    "is_enabled",
    "parse_variants",
]

#: Buckets a subject can fall in; a rollout percentage enables buckets 0..percentage-1.
BUCKETS: Final = 100

_ROLLOUT_SALT: Final = b"rollout"
_VARIANT_SALT: Final = b"variant"


def _digest(salt: bytes, flag_key: str, subject_id: str) -> int:
    for value, name in ((flag_key, "flag_key"), (subject_id, "subject_id")):
        if not isinstance(value, str) or not value:
            raise InvalidInputError(f"{name} must be a non-empty string")
    # Length-prefixed so that ("ab", "c") and ("a", "bc") never collide.
    key = flag_key.encode()
    material = b"%s\x00%d:%s\x00%s" % (salt, len(key), key, subject_id.encode())
    return int.from_bytes(hashlib.sha256(material).digest()[:8], "big")


@rule
def bucket(flag_key: str, subject_id: str) -> int:
    """The subject's bucket (0..99) for this flag: stable everywhere, independent per flag."""
    return _digest(_ROLLOUT_SALT, flag_key, subject_id) % BUCKETS


@dataclass(frozen=True, slots=True)
class FlagRule:
    """What every product's flag row says about who gets the feature."""

    key: str
    enabled: bool
    rollout_percentage: int
    #: Groups or segments targeted; empty targets everyone.
    target_groups: frozenset[str] = field(default_factory=frozenset)
    #: Per-environment switches (madfam: dev, staging, prod); None when the flag has none.
    environments: Mapping[str, bool] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise InvalidInputError("a flag needs a non-empty key")
        percentage = self.rollout_percentage
        if isinstance(percentage, bool) or not isinstance(percentage, int):
            raise InvalidInputError(f"{self.key}: rollout percentage must be an integer")
        if not 0 <= percentage <= 100:
            raise InvalidInputError(f"{self.key}: rollout percentage {percentage} not in 0..100")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise InvalidInputError(f"{self.key}: the window ends before it starts")
        if not isinstance(self.target_groups, frozenset):
            object.__setattr__(self, "target_groups", frozenset(self.target_groups))


@rule
def is_enabled(
    rule: FlagRule,
    subject_id: str,
    *,
    groups: Iterable[str] = (),
    environment: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Whether the subject gets the feature (see the module docstring for the order)."""
    subject_bucket = bucket(rule.key, subject_id)  # validates subject_id even when off
    if not rule.enabled:
        return False
    if rule.environments is not None:
        if environment is None:
            raise InvalidInputError(f"{rule.key} has per-environment switches: name one")
        if environment not in rule.environments:
            known = ", ".join(sorted(rule.environments))
            raise InvalidInputError(f"unknown environment {environment!r} (one of {known})")
        if not rule.environments[environment]:
            return False
    if rule.starts_at is not None or rule.ends_at is not None:
        if now is None:
            raise InvalidInputError(f"{rule.key} has an active window: pass now")
        if now.tzinfo is None:
            raise InvalidInputError("now must be timezone-aware")
        if rule.starts_at is not None and now < rule.starts_at:
            return False
        if rule.ends_at is not None and now >= rule.ends_at:
            return False
    if rule.target_groups and rule.target_groups.isdisjoint(groups):
        return False
    return subject_bucket < rule.rollout_percentage


@dataclass(frozen=True, slots=True)
class Variant:
    id: str
    weight: float


def parse_variants(value: object) -> tuple[Variant, ...]:
    """travel's stored ``variants`` JSON as typed variants, or InvalidInputError."""
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise InvalidInputError("variants must be a list of {id, weight}")
    variants: list[Variant] = []
    for item in value:
        if isinstance(item, Variant):
            variants.append(item)
            continue
        if not isinstance(item, Mapping):
            raise InvalidInputError(f"variant {item!r} is not an object with id and weight")
        variant_id, weight = item.get("id"), item.get("weight")
        if not isinstance(variant_id, str) or not variant_id:
            raise InvalidInputError(f"variant {item!r} needs a non-empty string id")
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise InvalidInputError(f"variant {variant_id!r} needs a numeric weight")
        variants.append(Variant(variant_id, float(weight)))
    if not variants:
        raise InvalidInputError("an experiment needs at least one variant")
    ids = [v.id for v in variants]
    if len(set(ids)) != len(ids):
        raise InvalidInputError(f"variant ids repeat: {ids}")
    for variant in variants:
        if not math.isfinite(variant.weight) or variant.weight < 0:
            raise InvalidInputError(f"variant {variant.id!r} has weight {variant.weight}")
    if sum(v.weight for v in variants) <= 0:
        raise InvalidInputError("variant weights sum to zero")
    return tuple(variants)


def choose_variant(
    flag_key: str, subject_id: str, variants: Sequence[Mapping[str, object]] | Sequence[Variant]
) -> str:
    """The subject's variant id: deterministic, in proportion to the weights (any total)."""
    parsed = parse_variants(variants)
    total = sum(v.weight for v in parsed)
    point = _digest(_VARIANT_SALT, flag_key, subject_id) / 2**64 * total
    running = 0.0
    for variant in parsed:
        running += variant.weight
        if point < running and variant.weight > 0:
            return variant.id
    # Float rounding can leave the point a hair past the last sum: the last weighted variant.
    return next(v.id for v in reversed(parsed) if v.weight > 0)
