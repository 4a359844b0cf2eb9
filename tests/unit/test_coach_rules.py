"""coach rules (003), table-tested: role determination, auth codes, rate-limit days."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from domainlayer.coach.rules import (
    ADMIN,
    AUTH_CODE_TTL,
    CLIENT,
    COACH,
    MAX_CODES_PER_DAY,
    SESSION_TTL,
    VALID_TIPS,
    NaiveDatetimeError,
    archive_cutoff,
    auth_code_string,
    build_client_context,
    check_rating,
    determine_user_role,
    rate_limit_day,
)
from domainlayer.errors import InvalidInputError

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass
class User:
    role: str = "client"
    ultraSubscriptionStatus: str | None = None
    vagusSubscriptionStatus: str | None = None
    membershipEndDate: datetime | None = None


@pytest.mark.parametrize(
    ("user", "role"),
    [
        pytest.param(User(ultraSubscriptionStatus="active"), "coach", id="active ultra -> coach"),
        pytest.param(
            User(ultraSubscriptionStatus="cancelled", membershipEndDate=NOW + timedelta(days=1)),
            "coach",
            id="cancelled ultra in grace period -> coach",
        ),
        pytest.param(
            User(ultraSubscriptionStatus="cancelled", membershipEndDate=NOW),
            "client",
            id="grace period ending exactly now -> not coach",
        ),
        pytest.param(
            User(ultraSubscriptionStatus="cancelled", membershipEndDate=NOW - timedelta(days=1)),
            "client",
            id="cancelled ultra past grace -> client",
        ),
        pytest.param(
            User(ultraSubscriptionStatus="cancelled"), "client", id="cancelled, no end date"
        ),
        pytest.param(User(vagusSubscriptionStatus="active"), "client", id="active vagus -> client"),
        pytest.param(
            User(ultraSubscriptionStatus="active", vagusSubscriptionStatus="active"),
            "coach",
            id="ultra outranks vagus",
        ),
        pytest.param(User(), "client", id="no membership -> client"),
        pytest.param(User(role="coach"), "client", id="a lapsed coach becomes a client"),
        pytest.param(
            User(role="admin", ultraSubscriptionStatus="active"), "admin", id="admin stays admin"
        ),
        pytest.param(
            User(
                ultraSubscriptionStatus="cancelled",
                membershipEndDate=datetime(2026, 11, 26),  # naive: read as UTC
            ),
            "coach",
            id="a naive end date is read as UTC",
        ),
    ],
)
def test_determine_user_role_follows_the_documented_priorities(user: User, role: str) -> None:
    assert determine_user_role(user, NOW) == role


def test_determine_user_role_needs_an_aware_now() -> None:
    with pytest.raises(NaiveDatetimeError):
        determine_user_role(User(), datetime(2026, 11, 25))


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 11, 25, 23, 59, tzinfo=UTC), "2026-11-25"),
        (datetime(2026, 11, 26, 0, 0, tzinfo=UTC), "2026-11-26"),
        (datetime(2026, 11, 25, 20, 0, tzinfo=timezone(timedelta(hours=-5))), "2026-11-26"),
    ],
)
def test_rate_limits_count_per_utc_day(moment: datetime, day: str) -> None:
    assert rate_limit_day(moment).isoformat() == day


def test_an_auth_code_carries_unix_milliseconds_and_the_random_part() -> None:
    assert auth_code_string(NOW, "AbCdEfGhIjK") == f"vgs-{int(NOW.timestamp() * 1000)}-AbCdEfGhIjK"
    with pytest.raises(InvalidInputError, match="64 bits"):
        auth_code_string(NOW, "short")


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        (datetime(2026, 11, 25, 12, tzinfo=UTC), datetime(2026, 5, 25, 12, tzinfo=UTC)),
        (datetime(2026, 3, 15, tzinfo=UTC), datetime(2025, 9, 15, tzinfo=UTC)),
        (datetime(2026, 8, 31, tzinfo=UTC), datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2028, 8, 31, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC)),
    ],
)
def test_sessions_archive_after_six_calendar_months(now: datetime, cutoff: datetime) -> None:
    assert archive_cutoff(now) == cutoff


def test_the_documented_terms() -> None:
    assert MAX_CODES_PER_DAY == 5  # "at most 5 per Skool user per UTC day"
    assert timedelta(minutes=30) == AUTH_CODE_TTL
    assert timedelta(days=30) == SESSION_TTL
    assert (COACH, CLIENT, ADMIN) == ("coach", "client", "admin")


def test_an_aware_end_date_in_another_zone_is_compared_as_an_instant() -> None:
    # 10:00 at UTC-5 is 15:00 UTC, after NOW (12:00 UTC): still in the grace period
    end = datetime(2026, 11, 25, 10, tzinfo=timezone(timedelta(hours=-5)))
    user = User(ultraSubscriptionStatus="cancelled", membershipEndDate=end)
    assert determine_user_role(user, NOW) == "coach"
    assert determine_user_role(user, NOW + timedelta(hours=3)) == "client"


def test_a_cancelled_vagus_membership_leaves_a_client() -> None:
    assert determine_user_role(User(vagusSubscriptionStatus="cancelled"), NOW) == "client"
    assert determine_user_role(User(role="coach", ultraSubscriptionStatus="past_due"), NOW) == (
        "client"
    )


# Auth codes: "vgs-{unix ms}-{random}", the random part at least 64 bits -------------------

#: 2026-11-25 12:00 UTC in Unix milliseconds.
NOW_MS = 1_795_608_000_000


@pytest.mark.parametrize(
    ("moment", "millis"),
    [
        (NOW, NOW_MS),
        (NOW + timedelta(milliseconds=1), NOW_MS + 1),
        (NOW + timedelta(microseconds=999), NOW_MS),  # truncated to the millisecond
        (datetime(2026, 11, 25, 7, tzinfo=timezone(timedelta(hours=-5))), NOW_MS),
    ],
)
def test_an_auth_code_carries_the_unix_milliseconds(moment: datetime, millis: int) -> None:
    assert auth_code_string(moment, "A" * 11) == f"vgs-{millis}-AAAAAAAAAAA"


def test_a_random_part_of_64_bits_is_accepted_and_a_shorter_one_is_not() -> None:
    # 8 random bytes (64 bits) are 11 base64url characters
    token = secrets.token_urlsafe(8)
    assert len(token) == 11
    assert auth_code_string(NOW, token).endswith(f"-{token}")
    assert auth_code_string(NOW, "a" * 12).endswith("-" + "a" * 12)
    with pytest.raises(InvalidInputError, match="64 bits"):
        auth_code_string(NOW, "a" * 10)


def test_an_auth_code_needs_an_aware_now() -> None:
    with pytest.raises(NaiveDatetimeError, match="timezone-aware"):
        auth_code_string(datetime(2026, 11, 25), "a" * 11)
    with pytest.raises(NaiveDatetimeError):
        rate_limit_day(datetime(2026, 11, 25))
    with pytest.raises(NaiveDatetimeError):
        archive_cutoff(datetime(2026, 11, 25))


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        (datetime(2026, 6, 15, 8, 30, tzinfo=UTC), datetime(2025, 12, 15, 8, 30, tzinfo=UTC)),
        (datetime(2026, 7, 31, tzinfo=UTC), datetime(2026, 1, 31, tzinfo=UTC)),
        (datetime(2026, 12, 31, tzinfo=UTC), datetime(2026, 6, 30, tzinfo=UTC)),
        (datetime(2026, 1, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)),
        (datetime(2027, 8, 29, tzinfo=UTC), datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2028, 8, 30, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 4, 30, tzinfo=UTC)),
    ],
)
def test_the_archive_cutoff_clamps_the_day_to_the_month(now: datetime, cutoff: datetime) -> None:
    assert archive_cutoff(now) == cutoff


# Ratings: 1..5 stars; a tip of $1, $3 or $5 -----------------------------------------------


@pytest.mark.parametrize("rating", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("tip", [None, 1, 3, 5, 3.0])
def test_every_rating_from_one_to_five_with_a_valid_tip_is_accepted(
    rating: int, tip: float | None
) -> None:
    assert check_rating(rating, tip) is None
    assert VALID_TIPS == (1, 3, 5)


@pytest.mark.parametrize("rating", [0, 6, -1, True, 4.5, "5"])
def test_a_rating_outside_one_to_five_is_refused(rating: object) -> None:
    with pytest.raises(InvalidInputError, match=r"1\.\.5 stars"):
        check_rating(rating, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("tip", [0, 2, 4, 6, 10, -1])
def test_a_tip_other_than_one_three_or_five_dollars_is_refused(tip: float) -> None:
    with pytest.raises(InvalidInputError, match=r"\$1, \$3 or \$5"):
        check_rating(5, tip)


@dataclass
class Profile:
    clientFacts: list[str]
    challenges: list[str]
    intakeCoachingGoals: str | None = None
    intakeSymptoms: str | None = None


@pytest.mark.parametrize(
    ("profile", "text"),
    [
        (
            Profile(["runner", "vegan"], ["sleep"], "run a marathon", "fatigue"),
            "Client Facts: runner, vegan\nChallenges: sleep\nGoals: run a marathon\n"
            "Symptoms: fatigue",
        ),
        (Profile([], ["stress"], None, "headaches"), "Challenges: stress\nSymptoms: headaches"),
        (Profile([], [], "", None), ""),
    ],
)
def test_the_client_context_lists_the_parts_it_has(profile: Profile, text: str) -> None:
    assert build_client_context(profile) == text


# The archive cutoff at the start of the calendar ------------------------------------------


def test_six_months_into_year_one_the_cutoff_is_its_first_day() -> None:
    assert archive_cutoff(datetime(1, 7, 1, tzinfo=UTC)) == datetime(1, 1, 1, tzinfo=UTC)
    assert archive_cutoff(datetime(2, 1, 1, tzinfo=UTC)) == datetime(1, 7, 1, tzinfo=UTC)


@pytest.mark.parametrize("now", [datetime(1, 6, 30, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)])
def test_less_than_six_months_into_year_one_has_no_cutoff(now: datetime) -> None:
    with pytest.raises(InvalidInputError, match="less than six months after the start of year 1"):
        archive_cutoff(now)
