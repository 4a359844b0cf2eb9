"""Determinism: every random choice, id and Faker value is derived from (seed, product, ...).

Nothing here reads the clock or the OS's entropy. A product asks its :class:`SeedContext`
for a :class:`random.Random` per named stream (``ctx.rng("orders", customer)``), for ids
(``ctx.ids("ordr")(n)``, 25 characters shaped like Prisma's cuids), for a seeded Faker, and
for stable digests. The same seed therefore gives the same rows, ids included, on every
machine and in every process (Python's ``hash`` is salted per process, so SHA-256 is used).

These values are *not secret*: tokens and codes derived here are predictable from the seed,
which is what a reproducible fixture needs and why seeded data belongs in development and
test databases only.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from faker import Faker

__all__ = ["SeedContext", "derive_seed", "naive"]

_BASE36: Final = "0123456789abcdefghijklmnopqrstuvwxyz"


def derive_seed(*parts: object) -> int:
    """A 64-bit integer from the parts (stable across processes and machines)."""
    material = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.sha256(material).digest()[:8], "big")


def _base36(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, 36)
        digits.append(_BASE36[digit])
    return "".join(reversed(digits))


@dataclass(frozen=True, slots=True)
class SeedContext:
    """The seed, reference time and scale of one product's run, and what derives from them."""

    product: str
    seed: int
    now: datetime
    scale: int = 1
    _tag: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tag", _base36(derive_seed("ids", self.seed, self.product), 6))

    def rng(self, *stream: object) -> random.Random:
        """An independent generator for one named stream of this product's choices."""
        # Reproducible fixtures need a seeded PRNG; nothing drawn from it is a secret.
        return random.Random(derive_seed(self.seed, self.product, *stream))  # noqa: S311

    def faker(self, locale: str = "en_US") -> Faker:
        """A Faker seeded for this product (same seed and Faker version, same values)."""
        fake = Faker(locale)
        fake.seed_instance(derive_seed("faker", self.seed, self.product, locale))
        return fake

    def ids(self, code: str) -> Callable[[int], str]:
        """Ids for one table: ``c`` + 6 chars of the seed + a 4-char table code + 14 digits.

        Unique per table and number, ordered by number (appends to the primary-key index).
        """
        if len(code) != 4:
            raise ValueError(f"a table code has 4 characters: {code!r}")
        prefix = f"c{self._tag}{code}"
        return lambda n: f"{prefix}{n:014d}"

    def digest(self, *parts: object, size: int = 32) -> str:
        """A stable hex string (``size`` characters) for fingerprints, hashes and tokens."""
        material = "\x1f".join(str(part) for part in (self.seed, self.product, *parts))
        return hashlib.sha256(material.encode()).hexdigest()[:size]

    def ago(self, *, days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
        """An instant before the reference time (aware, UTC)."""
        return self.now - timedelta(days=days, hours=hours, minutes=minutes)

    def scaled(self, count: int) -> int:
        """``count`` times the scale: the size of a high-volume table."""
        return count * self.scale


def naive(moment: datetime) -> datetime:
    """UTC without tzinfo, for Prisma's ``timestamp(3)`` columns (coach, madfam)."""
    return moment.astimezone(UTC).replace(tzinfo=None)
