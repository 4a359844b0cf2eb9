"""coach's business rules, as document 003 states them. Pure: `now` is always a parameter.

Role determination (userService.determineUserRole), in priority order:
  1. an active Ultra Skool membership -> coach;
  2. a cancelled Ultra membership still in its grace period (membershipEndDate after now)
     -> coach;
  3. an active Vagus Skool membership -> client;
  4. otherwise -> client.
An admin stays admin: roles the memberships do not grant are never taken away by them.
Auth codes: `vgs-{unix ms}-{random}`, valid 30 minutes, at most 5 per Skool user per UTC
day. Sessions opened with a code last 30 days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final, Protocol

from domainlayer.errors import InvalidInputError
from domainlayer.typed_rules import rule

__all__ = [
    "ADMIN",
    "AUTH_CODE_TTL",
    "CLIENT",
    "COACH",
    "MAX_CODES_PER_DAY",
    "SESSION_TTL",
    "VALID_TIPS",
    "MembershipHolder",
    "NaiveDatetimeError",
    "archive_cutoff",
    "auth_code_string",
    "build_client_context",
    "check_rating",
    "determine_user_role",
    "rate_limit_day",
]

COACH: Final = "coach"
CLIENT: Final = "client"
ADMIN: Final = "admin"

AUTH_CODE_TTL: Final = timedelta(minutes=30)
SESSION_TTL: Final = timedelta(days=30)
MAX_CODES_PER_DAY: Final = 5


class NaiveDatetimeError(InvalidInputError):
    """A datetime without a timezone where the rules compare instants."""


class MembershipHolder(Protocol):
    """The User fields role determination reads (the generated model has them)."""

    @property
    def role(self) -> str: ...
    @property
    def ultraSubscriptionStatus(self) -> str | None: ...
    @property
    def vagusSubscriptionStatus(self) -> str | None: ...
    @property
    def membershipEndDate(self) -> datetime | None: ...


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise NaiveDatetimeError(f"{name} must be timezone-aware")
    return moment


@rule
def determine_user_role(user: MembershipHolder, now: datetime) -> str:
    """The user's role by the document's priorities; an admin stays admin."""
    now = _aware(now, "now")
    if user.role == ADMIN:
        return ADMIN
    if user.ultraSubscriptionStatus == "active":
        return COACH
    end = user.membershipEndDate
    if user.ultraSubscriptionStatus == "cancelled" and end is not None:
        # The client returns aware datetimes; a naive one is read as UTC.
        if end.tzinfo is None:
            end = end.replace(tzinfo=UTC)
        if end > now:
            return COACH
    if user.vagusSubscriptionStatus == "active":
        return CLIENT
    return CLIENT


@rule
def rate_limit_day(now: datetime) -> date:
    """The UTC day a request at `now` counts against."""
    return _aware(now, "now").astimezone(UTC).date()


@rule
def auth_code_string(now: datetime, random_part: str) -> str:
    """`vgs-{unix ms}-{random}`; the random part comes from `secrets` (at least 64 bits)."""
    if len(random_part) < 11:  # 64 bits are 11 base64url or 16 hex characters
        raise InvalidInputError("the random part of an auth code needs at least 64 bits")
    millis = int(_aware(now, "now").timestamp() * 1000)
    return f"vgs-{millis}-{random_part}"


@rule
def archive_cutoff(now: datetime) -> datetime:
    """Six calendar months before `now` (the day clamped: 31 Aug -> 28/29 Feb)."""
    now = _aware(now, "now")
    month = now.month - 6
    year = now.year
    if month <= 0:
        month += 12
        year -= 1
    if year < 1:
        raise InvalidInputError("now is less than six months after the start of year 1")
    for day in (now.day, 30, 29, 28):
        try:
            return now.replace(year=year, month=month, day=min(now.day, day))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


#: Tips a client may leave after a session, in dollars.
VALID_TIPS: Final = (1, 3, 5)


@rule
def check_rating(rating: int, tip: float | None) -> None:
    """A rating is 1..5 stars; a tip, when given, is $1, $3 or $5."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInputError(f"a rating is 1..5 stars: {rating!r}")
    if tip is not None and tip not in VALID_TIPS:
        raise InvalidInputError(f"a tip is $1, $3 or $5: {tip!r}")


class ClientContext(Protocol):
    @property
    def clientFacts(self) -> list[str]: ...
    @property
    def challenges(self) -> list[str]: ...
    @property
    def intakeCoachingGoals(self) -> str | None: ...
    @property
    def intakeSymptoms(self) -> str | None: ...


@rule
def build_client_context(profile: ClientContext) -> str:
    """003's AI context text: facts, challenges, goals, symptoms (empty parts left out)."""
    parts = [
        ("Client Facts", ", ".join(profile.clientFacts)),
        ("Challenges", ", ".join(profile.challenges)),
        ("Goals", profile.intakeCoachingGoals or ""),
        ("Symptoms", profile.intakeSymptoms or ""),
    ]
    return "\n".join(f"{label}: {text}" for label, text in parts if text)
