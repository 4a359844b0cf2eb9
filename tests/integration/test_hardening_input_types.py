"""Issue 14, finding 11 (input side): what PostgreSQL, Python or the client cannot take is
refused at the edge as an InvalidInputError naming the argument, never escaping as
UnicodeEncodeError (a lone surrogate on the client path), OverflowError (year 9999 plus a
session's 30 days), RecursionError (JSON nested thousands deep), decimal.InvalidOperation
(Decimal NaN compared), TypeError or AttributeError (a wrong type) - and nothing is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.airbar.repository import AnalyticsRepository as AirbarAnalytics
from domainlayer.coach.repository import AuthRepository, CoachingRepository
from domainlayer.errors import InvalidInputError
from domainlayer.madfam.repository import LeadRepository
from domainlayer.travel.repositories.cms import SearchSuggestionRepository
from domainlayer.travel.repositories.error_logs import ErrorLogRepository
from domainlayer.travel.repositories.reporting import AnalyticsRepository as TravelAnalytics

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
Y9999 = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
DEVICE = {"ip_address": "203.0.113.7", "user_agent": "ua/1", "device_fingerprint": "fp-1"}


def _deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


Call = Callable[[Prisma, asyncpg.Pool], Awaitable[object]]

CASES: dict[str, tuple[str, Call]] = {
    "lone surrogate, client path": (
        "skool_username",
        lambda c, p: AuthRepository(c).issue_code("skool-1", "An\ud800a", NOW),
    ),
    "lone surrogate, pool path": (
        "skool_username",
        lambda c, p: AuthRepository(c, pool=p).issue_code("skool-1", "An\udfffa", NOW),
    ),
    "NUL in text": (
        "query",
        lambda c, p: SearchSuggestionRepository(c).record_search("lis\x00bon", now=NOW),
    ),
    "year 9999 plus 30 days": (
        "now",
        lambda c, p: AuthRepository(c).redeem_code("vgs-1-x", now=Y9999, **DEVICE),
    ),
    "year 9999 plus 30 minutes": (
        "now",
        lambda c, p: AuthRepository(c, pool=p).issue_code("skool-1", "Ana", Y9999),
    ),
    "JSON nested 5000 deep": (
        "event_data",
        lambda c, p: TravelAnalytics(c).record_event("s1", "page_view", _deep(5000), at=NOW),
    ),
    "NaN inside JSON": (
        "properties",
        lambda c, p: AirbarAnalytics(c).record(
            event_type="page_view", event_name="x", now=NOW, properties={"v": float("nan")}
        ),
    ),
    "Decimal NaN": (
        "revenue",
        lambda c, p: AirbarAnalytics(c).record(
            event_type="business", event_name="x", now=NOW, revenue=Decimal("NaN")
        ),
    ),
    "unhashable status": (
        "status",
        lambda c, p: LeadRepository(c).change_status("lead-1", ["NEW"]),  # type: ignore[arg-type]
    ),
    "int where text belongs": (
        "content",
        lambda c, p: LeadRepository(c).add_note("lead-1", 5),  # type: ignore[arg-type]
    ),
    "text where a datetime belongs": (
        "now",
        lambda c, p: AuthRepository(c).issue_code("skool-1", "Ana", "2026-11-25"),  # type: ignore[arg-type]
    ),
    "naive datetime": (
        "now",
        lambda c, p: ErrorLogRepository(c).record(
            error_type="E", message="m", now=datetime(2026, 11, 25)
        ),
    ),
    "a bare string where a list belongs": (
        "facts",
        lambda c, p: CoachingRepository(c).add_client_context("u1", facts="abc"),
    ),
    "unhashable metadata key": (
        "metadata",
        lambda c, p: ErrorLogRepository(c).record(
            error_type="E", message="m", now=NOW, metadata={"a": {1, 2}}
        ),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_hostile_input_is_an_invalid_input_error_naming_the_argument(
    case: str, client: Prisma, pool: asyncpg.Pool, db: asyncpg.Connection
) -> None:
    argument, call = CASES[case]
    with pytest.raises(InvalidInputError, match=argument):
        await call(client, pool)
    touched = await db.fetchval(
        'SELECT (SELECT count(*) FROM coach."RateLimit") + (SELECT count(*) FROM coach."AuthCode")'
        " + (SELECT count(*) FROM travel.search_suggestions)"
        " + (SELECT count(*) FROM travel.analytics_events)"
        " + (SELECT count(*) FROM travel.error_logs) + (SELECT count(*) FROM airbar.user_analytics)"
    )
    assert touched == 0
