"""travel's feature flags and experiments over :mod:`domainlayer.travel.experiments`.

A user's variant is assigned once: the participation row is written by one ``INSERT ... ON
CONFLICT (flag_id, user_id) DO UPDATE`` that returns the stored row whether this call or a
concurrent one wrote it (``DO NOTHING`` would return nothing to the loser, and a second
``SELECT`` in the same statement could not see a row committed after its snapshot). The
update rewrites the variant with itself, so the first assignment stands. A conversion is
one conditional ``UPDATE ... WHERE NOT converted``: the first conversion stands. Statistics
are counted by PostgreSQL, one row per variant. The client cannot express these statements,
so they are raw SQL, here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from prisma import Prisma
from prisma.models import TravelFeatureFlag

from domainlayer.errors import InvalidInputError
from domainlayer.flags import FlagRule, choose_variant, is_enabled
from domainlayer.repository import Json, translating_errors
from domainlayer.travel.experiments import (
    AlreadyConverted,
    FlagNotFound,
    NotInExperiment,
    VariantCounts,
    VariantStats,
    check_flag_key,
    flag_rule,
    variant_stats,
    variants_of,
)
from domainlayer.travel.repositories._common import new_id
from domainlayer.validation import (
    boolean,
    decimal,
    ident,
    integer,
    json_object,
    moment,
    optional_ident,
    optional_moment,
    optional_text,
    strings,
    text,
)

__all__ = ["Assignment", "ExperimentRepository"]

_ASSIGN = """
INSERT INTO travel.experiment_participations (id, flag_id, user_id, session_id, variant,
                                              assigned_at)
VALUES ($1, $2, $3, $4, $5, $6::text::timestamptz)
ON CONFLICT (flag_id, user_id) DO UPDATE SET variant = experiment_participations.variant
RETURNING variant, assigned_at, (xmax = 0) AS inserted
"""

_CONVERT = """
UPDATE travel.experiment_participations p
SET converted = true, conversion_value = $3::text::numeric, converted_at = $4::text::timestamptz
FROM travel.feature_flags f
WHERE f.key = $1 AND p.flag_id = f.id AND p.user_id = $2 AND NOT p.converted
RETURNING p.variant
"""

_PARTICIPATION = """
SELECT p.converted
FROM travel.experiment_participations p JOIN travel.feature_flags f ON f.id = p.flag_id
WHERE f.key = $1 AND p.user_id = $2
"""

_STATS = """
SELECT variant,
       count(*)::int AS participants,
       count(*) FILTER (WHERE converted)::int AS conversions,
       COALESCE(sum(conversion_value) FILTER (WHERE converted), 0)::text AS value
FROM travel.experiment_participations
WHERE flag_id = $1
GROUP BY variant
"""


@dataclass(frozen=True, slots=True)
class Assignment:
    """The variant a user is in, and whether this call assigned it."""

    variant: str
    assigned_at: datetime
    new: bool


class ExperimentRepository:
    """Feature flags with weighted variants, assignments and conversions."""

    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def define(
        self,
        key: str,
        *,
        name: str,
        description: str | None = None,
        enabled: bool = False,
        rollout_percentage: int = 0,
        variants: Sequence[Mapping[str, Any]] = ({"id": "control", "weight": 100},),
        is_experiment: bool = False,
        target_audience: Mapping[str, Any] | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
    ) -> TravelFeatureFlag:
        """Create or replace the flag ``key`` (validated as a whole before anything is written)."""
        ident("key", key)
        text("name", name, 200)
        optional_text("description", description, 10_000)
        boolean("enabled", enabled)
        boolean("is_experiment", is_experiment)
        integer("rollout_percentage", rollout_percentage, -(2**31), 2**31 - 1)
        if not isinstance(variants, list | tuple):
            raise InvalidInputError("variants must be a list of {id, weight} objects")
        variants = [json_object(f"variants[{i}]", v) for i, v in enumerate(variants)]
        if target_audience is not None:
            target_audience = json_object("target_audience", target_audience)
        start_date = optional_moment("start_date", start_date)
        end_date = optional_moment("end_date", end_date)
        rule = flag_rule(
            key=key,
            enabled=enabled,
            rollout_percentage=rollout_percentage,
            target_audience=target_audience,
            start_date=moment("start_date", start_date) if start_date else None,
            end_date=moment("end_date", end_date) if end_date else None,
        )
        parsed = variants_of(list(variants))
        stored = [{"id": v.id, "weight": v.weight} for v in parsed]
        fields: dict[str, Any] = {
            "name": name.strip(),
            "description": description,
            "enabled": enabled,
            "rolloutPercentage": rule.rollout_percentage,
            "variants": Json(stored),
            "isExperiment": is_experiment,
            "targetAudience": Json(dict(target_audience)) if target_audience else Json(None),
            "startDate": rule.starts_at,
            "endDate": rule.ends_at,
        }
        with translating_errors():
            return await self._client.travelfeatureflag.upsert(
                where={"key": key},
                data={"create": {"key": key, **fields}, "update": fields},  # type: ignore[typeddict-item]
            )

    async def get(self, key: str) -> TravelFeatureFlag:
        ident("key", key)
        check_flag_key(key)
        with translating_errors():
            flag = await self._client.travelfeatureflag.find_unique(where={"key": key})
        if flag is None:
            raise FlagNotFound(f"no travel flag {key!r}")
        return flag

    async def set_rollout(self, key: str, percentage: int) -> TravelFeatureFlag:
        """Change the rollout (raising it never turns a user off: buckets are stable)."""
        integer("percentage", percentage, -(2**31), 2**31 - 1)
        flag = await self.get(key)
        flag_rule(key=key, enabled=flag.enabled, rollout_percentage=percentage)
        with translating_errors():
            updated = await self._client.travelfeatureflag.update(
                where={"key": key}, data={"rolloutPercentage": percentage}
            )
        assert updated is not None
        return updated

    async def is_enabled(
        self, key: str, user_id: str, *, segments: Iterable[str] = (), now: datetime
    ) -> bool:
        """Switch, active window, audience segments, then the user's bucket < rollout."""
        ident("user_id", user_id)
        segments = strings("segments", segments)
        when = moment("now", now)
        flag = await self.get(key)
        return is_enabled(
            self._rule(flag),
            text("user_id", user_id, 200),
            groups=segments,
            now=when,
        )

    async def assign(
        self,
        key: str,
        user_id: str,
        *,
        now: datetime,
        segments: Iterable[str] = (),
        session_id: str | None = None,
    ) -> Assignment | None:
        """The user's variant, assigned on first call and kept after; None when the flag
        is off for them (switched off, outside its window, audience or rollout)."""
        ident("user_id", user_id)
        when = moment("now", now)
        segments = strings("segments", segments)
        optional_ident("session_id", session_id)
        flag = await self.get(key)
        if not is_enabled(self._rule(flag), user_id, groups=list(segments), now=when):
            return None
        variant = choose_variant(key, user_id, variants_of(flag.variants))
        with translating_errors():
            row = await self._client.query_first(
                _ASSIGN,
                new_id(),
                flag.id,
                user_id,
                session_id,
                variant,
                when.isoformat(),
            )
        return Assignment(
            variant=row["variant"],
            assigned_at=datetime.fromisoformat(row["assigned_at"])
            if isinstance(row["assigned_at"], str)
            else row["assigned_at"],
            new=bool(row["inserted"]),
        )

    async def record_conversion(
        self,
        key: str,
        user_id: str,
        *,
        now: datetime,
        value: Decimal | int | str | None = None,
    ) -> str:
        """Mark the user's participation converted (once); returns their variant."""
        ident("key", key)
        check_flag_key(key)
        ident("user_id", user_id)
        when = moment("now", now)
        amount: Decimal | None = None
        if value is not None:
            amount = decimal("value", value, Decimal(0), Decimal("9999999999.99"))
            amount = amount.quantize(Decimal("0.01"))
        with translating_errors():
            row = await self._client.query_first(
                _CONVERT,
                key,
                user_id,
                None if amount is None else str(amount),
                when.isoformat(),
            )
            if row:
                return str(row["variant"])
            existing = await self._client.query_first(_PARTICIPATION, key, user_id)
        if existing:
            raise AlreadyConverted(f"{user_id} already converted in {key}")
        await self.get(key)  # FlagNotFound when the flag itself is unknown
        raise NotInExperiment(f"{user_id} is not in the {key} experiment")

    async def stats(self, key: str) -> tuple[VariantStats, ...]:
        """Participants, conversions, rate, value and lift over the control, per variant."""
        ident("key", key)
        flag = await self.get(key)
        with translating_errors():
            rows = await self._client.query_raw(_STATS, flag.id)
        counts = [
            VariantCounts(
                variant=r["variant"],
                participants=int(r["participants"]),
                conversions=int(r["conversions"]),
                conversion_value=Decimal(str(r["value"])),
            )
            for r in rows
        ]
        return variant_stats([v.id for v in variants_of(flag.variants)], counts)

    @staticmethod
    def _rule(flag: TravelFeatureFlag) -> FlagRule:
        return flag_rule(
            key=flag.key,
            enabled=flag.enabled,
            rollout_percentage=flag.rolloutPercentage,
            target_audience=flag.targetAudience,
            start_date=flag.startDate,
            end_date=flag.endDate,
        )
