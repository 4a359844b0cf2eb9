"""The database's clock as the reference for every `now` a job or rule is given.

Why: a job that deletes "what is older than 90 days" trusts the `now` it is handed. A wrong
host clock, a typo in ``--now`` or a test value left in a scheduler (year 9999) would make it
delete everything (issue 14, finding 10). :func:`checked_now` compares the caller's `now`
with ``now()`` on the database server and refuses one that is further away than
:data:`MAX_CLOCK_SKEW`, unless the caller says explicitly that it means it
(``allow_skew=True``: back-filling, replaying, tests on fixed data). Without a `now`, the
database's own clock is used, so every job of one database agrees on the time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from .errors import InfrastructureError, InvalidInputError
from .repository import RawSql

__all__ = ["MAX_CLOCK_SKEW", "check_skew", "checked_now", "database_now"]

#: How far a caller's `now` may be from the database's clock without ``allow_skew``.
MAX_CLOCK_SKEW: Final = timedelta(days=1)

_NOW = "SELECT now()::text AS now"


def _aware(value: object, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInputError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


async def database_now(sql: RawSql) -> datetime:
    """``now()`` on the database server, as an aware UTC datetime.

    ``sql`` is a :class:`~domainlayer.repository.RawSql` (``raw_sql(client, pool)``).
    """
    row = await sql.fetchrow(_NOW)
    if row is None:
        raise InfrastructureError("the server did not return its clock")
    text = str(row["now"])
    # PostgreSQL prints "+00" offsets; fromisoformat wants "+00:00".
    if len(text) >= 3 and text[-3] in "+-" and text[-2:].isdigit():
        text += ":00"
    return datetime.fromisoformat(text).astimezone(UTC)


def check_skew(
    now: object,
    reference: datetime,
    *,
    allow_skew: bool = False,
    max_skew: timedelta = MAX_CLOCK_SKEW,
    name: str = "now",
) -> datetime:
    """``now`` (aware, UTC) when it is within ``max_skew`` of ``reference``, else refused.

    The pure half of :func:`checked_now`, for callers that already know the server's time.
    """
    moment = _aware(now, name)
    if not isinstance(allow_skew, bool):
        raise InvalidInputError("allow_skew must be True or False")
    skew = moment - reference
    if not allow_skew and abs(skew) > max_skew:
        direction = "ahead of" if skew > timedelta(0) else "behind"
        raise InvalidInputError(
            f"{name} {moment.isoformat()} is {abs(skew)} {direction} the database clock "
            f"({reference.isoformat()}); more than {max_skew} apart is refused unless the "
            "skew is allowed explicitly (allow_clock_skew=True, --allow-clock-skew)"
        )
    return moment


async def checked_now(
    sql: RawSql,
    now: datetime | None,
    *,
    allow_skew: bool = False,
    max_skew: timedelta = MAX_CLOCK_SKEW,
    name: str = "now",
) -> datetime:
    """The instant a job should use: the database's clock, or ``now`` if close enough to it.

    ``now=None`` returns the server's ``now()``. A given ``now`` must be timezone-aware and
    within ``max_skew`` of the server's clock, else :class:`InvalidInputError` (naming
    ``name``); ``allow_skew=True`` accepts any instant. Validation of ``now`` happens before
    the server is asked, so bad input never costs a round trip.
    """
    if now is not None:
        _aware(now, name)
    if not isinstance(allow_skew, bool):
        raise InvalidInputError("allow_skew must be True or False")
    if now is not None and allow_skew:
        return now.astimezone(UTC)
    reference = await database_now(sql)
    if now is None:
        return reference
    return check_skew(now, reference, allow_skew=allow_skew, max_skew=max_skew, name=name)
