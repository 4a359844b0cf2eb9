"""coach rules (003), table-tested: role determination, auth codes, rate-limit days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from domainlayer.coach.rules import (
    NaiveDatetimeError,
    archive_cutoff,
    auth_code_string,
    determine_user_role,
    rate_limit_day,
)

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
    with pytest.raises(ValueError, match="64 bits"):
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
