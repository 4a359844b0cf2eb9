"""travel's A/B testing (002, ``feature_flags`` and ``experiment_participations``). Pure.

A flag row becomes a :class:`~domainlayer.flags.FlagRule`: its switch, rollout percentage,
start and end dates, and ``targetAudience`` (``{"segments": [...]}``; null targets
everyone). A user in the rollout gets one variant, chosen by
:func:`~domainlayer.flags.choose_variant` over the flag's weighted ``variants``, and keeps it:
the repository stores it once per flag and user.

Per-variant statistics: participants, conversions, conversion rate, conversion value, and the
lift of each variant's rate over the control's (the variant named ``control``, else the
first one listed), ``(rate - control) / control``; None when the control has no
conversions yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

from domainlayer.errors import ConflictError, InvalidInputError, NotFoundError
from domainlayer.flags import FlagRule, Variant, parse_variants
from domainlayer.typed_rules import rule

__all__ = [
    "CONTROL",
    "AlreadyConverted",
    "FlagNotFound",
    "NotInExperiment",
    "VariantCounts",
    "VariantStats",
    "check_flag_key",
    "flag_rule",
    "target_segments",
    "variant_stats",
    "variants_of",
]

#: The variant other variants are compared with, when a flag has one by this name.
CONTROL: Final = "control"

_KEY: Final = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


class FlagNotFound(NotFoundError):
    """No travel feature flag has this key."""


class NotInExperiment(NotFoundError):
    """The user has no participation in this flag's experiment."""


class AlreadyConverted(ConflictError):
    """A participation converts once; the first conversion stands."""


@rule
def check_flag_key(key: str) -> str:
    """Keys are snake_case, as the document's ``ml_price_prediction``, at most 100 chars."""
    if not isinstance(key, str) or len(key) > 100 or not _KEY.fullmatch(key):
        raise InvalidInputError(f"a travel flag key is snake_case: {key!r}")
    return key


def target_segments(target_audience: object) -> frozenset[str]:
    """The segments a flag's ``targetAudience`` names (null or ``{}`` targets everyone)."""
    if target_audience is None:
        return frozenset()
    if not isinstance(target_audience, Mapping):
        raise InvalidInputError("targetAudience is an object like {'segments': [...]}")
    unknown = set(target_audience) - {"segments"}
    if unknown:
        raise InvalidInputError(f"unknown targetAudience keys: {sorted(unknown)}")
    segments = target_audience.get("segments", [])
    if not isinstance(segments, list) or not all(
        isinstance(s, str) and s.strip() for s in segments
    ):
        raise InvalidInputError("targetAudience.segments is a list of non-empty names")
    return frozenset(segments)


@rule
def flag_rule(
    *,
    key: str,
    enabled: bool,
    rollout_percentage: int,
    target_audience: object = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
) -> FlagRule:
    """The evaluation rule of one ``travel.feature_flags`` row."""
    return FlagRule(
        key=check_flag_key(key),
        enabled=enabled,
        rollout_percentage=rollout_percentage,
        target_groups=target_segments(target_audience),
        starts_at=start_date,
        ends_at=end_date,
    )


def variants_of(value: object) -> tuple[Variant, ...]:
    """The flag's variants, validated (ids unique, weights >= 0, at least one above 0)."""
    variants = parse_variants(value)
    ids = [v.id for v in variants]
    if len(set(ids)) != len(ids):
        raise InvalidInputError(f"variant ids repeat: {ids}")
    return variants


@dataclass(frozen=True, slots=True)
class VariantCounts:
    """One variant's participations, counted (the repository aggregates them in SQL)."""

    variant: str
    participants: int
    conversions: int
    conversion_value: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class VariantStats:
    variant: str
    participants: int
    conversions: int
    #: conversions / participants; None without participants.
    conversion_rate: float | None
    conversion_value: Decimal
    #: (rate - control rate) / control rate; None for the control or when it is undefined.
    lift: float | None


@rule
def variant_stats(
    variants: Sequence[str], counts: Iterable[VariantCounts]
) -> tuple[VariantStats, ...]:
    """Per-variant conversion statistics, in the flag's variant order.

    Variants with no participants yet are listed with zeros; variants that appear only in
    ``counts`` (since removed from the flag) come after the flag's own.
    """
    order = list(dict.fromkeys(variants))
    by_variant: dict[str, VariantCounts] = {}
    for c in counts:
        if c.participants < 0 or not 0 <= c.conversions <= c.participants:
            raise InvalidInputError(f"impossible counts for variant {c.variant!r}")
        if c.variant in by_variant:
            raise InvalidInputError(f"variant {c.variant!r} counted twice")
        by_variant[c.variant] = c
        if c.variant not in order:
            order.append(c.variant)
    empty = {v: VariantCounts(v, 0, 0) for v in order}
    rows = [by_variant.get(v, empty[v]) for v in order]
    rates = {r.variant: r.conversions / r.participants if r.participants else None for r in rows}
    control = CONTROL if CONTROL in rates else (order[0] if order else None)
    base = rates.get(control) if control is not None else None
    result = []
    for r in rows:
        rate = rates[r.variant]
        lift = None
        if r.variant != control and base and rate is not None:
            lift = (rate - base) / base
        result.append(
            VariantStats(
                variant=r.variant,
                participants=r.participants,
                conversions=r.conversions,
                conversion_rate=rate,
                conversion_value=r.conversion_value,
                lift=lift,
            )
        )
    return tuple(result)
