"""What one seed run is asked to do, validated once, before anything connects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from domainlayer.errors import InvalidInputError

__all__ = [
    "BATCH_ROWS",
    "DEFAULT_NOW",
    "DEFAULT_SEED",
    "DOMAINS",
    "SeedOptions",
    "parse_now",
]

#: The products, in the order they are seeded (the order of their documents, 000..004).
DOMAINS: Final = ("airbar", "churn", "travel", "coach", "madfam")

#: The seed used when none is given.
DEFAULT_SEED: Final = 1

#: The reference time every seeded timestamp is relative to ("30 days ago" is 30 days before
#: this). Fixed, so that a seed gives the same rows today and next year.
DEFAULT_NOW: Final = datetime(2026, 1, 1, tzinfo=UTC)

#: Rows per COPY statement. Rows stream into each COPY from generators (asyncpg encodes and
#: sends ~512 KB at a time), so this bounds how often the server is waited for, not memory.
BATCH_ROWS: Final = 50_000


def parse_now(text: str) -> datetime:
    """An ISO 8601 instant (``2026-01-01T00:00Z``); without an offset it is read as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInputError(f"not an ISO 8601 date-time: {text!r}") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SeedOptions:
    """One run: which products, how much, from which seed, relative to which instant."""

    seed: int = DEFAULT_SEED
    now: datetime = DEFAULT_NOW
    #: Multiplies the high-volume tables (events, orders, analytics, metrics, leads, messages).
    scale: int = 1
    domains: tuple[str, ...] = DOMAINS
    #: Empty each product's tables first (in the product's transaction).
    reset: bool = False
    #: Draw a progress bar per table on stderr.
    progress: bool = False
    batch_rows: int = BATCH_ROWS
    #: Test hook: raise inside the product's transaction after this ``schema.table`` is
    #: written (the run must then leave that product untouched).
    fail_after: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise InvalidInputError(f"the seed is a whole number: {self.seed!r}")
        if isinstance(self.scale, bool) or not isinstance(self.scale, int) or self.scale < 1:
            raise InvalidInputError(f"the scale is a whole number >= 1: {self.scale!r}")
        if self.now.tzinfo is None:
            raise InvalidInputError("now must be timezone-aware")
        if self.batch_rows < 1:
            raise InvalidInputError("a batch holds at least one row")
        unknown = sorted(set(self.domains) - set(DOMAINS))
        if unknown:
            raise InvalidInputError(f"unknown products: {', '.join(unknown)}")
        if not self.domains:
            raise InvalidInputError("name at least one product")
        # Seed in document order, each product once, whatever order they were named in.
        object.__setattr__(self, "domains", tuple(d for d in DOMAINS if d in self.domains))
        object.__setattr__(self, "now", self.now.astimezone(UTC))
