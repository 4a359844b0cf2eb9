"""travel CMS repositories on the real database: deals, destinations, email templates,
search suggestions and health checks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.errors import ConflictError, DomainError, InvalidInputError, NotFoundError
from domainlayer.travel.cms import (
    DealNotFound,
    DestinationNotFound,
    HealthStatus,
    InvalidPriceError,
    InvalidSlugError,
    InvalidTemplateValueError,
    MissingTemplateVariableError,
    RenderedEmail,
    SeoLimitError,
    SlugTaken,
    TemplateExists,
    TemplateNotFound,
    UnknownPlaceholderError,
    UnknownTemplateVariableError,
)
from domainlayer.travel.repositories.cms import (
    DealCounters,
    DealRepository,
    DestinationRepository,
    EmailTemplateRepository,
    HealthCheckRepository,
    SearchSuggestionRepository,
)

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


async def _count(db: asyncpg.Connection, table: str) -> int:
    return int(await db.fetchval(f"SELECT count(*) FROM travel.{table}"))


async def _deal(deals: DealRepository, title: str = "Lisbon in spring", **kw: object) -> str:
    arguments: dict[str, object] = {
        "title": title,
        "origin": "JFK",
        "destination": "LIS",
        "price": "399.00",
        "original_price": "599.00",
    } | kw
    deal = await deals.create(**arguments)  # type: ignore[arg-type]
    return deal.id


# Deals ------------------------------------------------------------------------------------


async def test_a_deal_is_stored_with_its_discount_and_slug(
    client: Prisma, db: asyncpg.Connection
) -> None:
    deals = DealRepository(client)
    deal = await deals.create(
        title="  São Paulo: 5 nights ",
        origin="MIA",
        destination="GRU",
        price="299.99",
        original_price=Decimal("449.99"),
        currency="BRL",
        valid_from=NOW,
        valid_until=NOW + timedelta(days=14),
        created_by="editor_1",
    )
    assert deal.slug == "sao-paulo-5-nights"
    assert deal.title == "São Paulo: 5 nights"
    assert deal.price == Decimal("299.99") and deal.originalPrice == Decimal("449.99")
    assert deal.discountPercentage == 33  # 33.33% rounded down
    assert (deal.viewCount, deal.clickCount, deal.bookingCount) == (0, 0, 0)
    row = await db.fetchrow(
        "SELECT price, original_price, discount_percentage, currency, valid_until"
        " FROM travel.deals WHERE id = $1",
        deal.id,
    )
    assert row is not None
    assert row["price"] == Decimal("299.99") and row["original_price"] == Decimal("449.99")
    assert row["discount_percentage"] == 33 and row["currency"] == "BRL"
    assert row["valid_until"] == NOW + timedelta(days=14)


async def test_a_taken_deal_slug_is_a_conflict(client: Prisma, db: asyncpg.Connection) -> None:
    deals = DealRepository(client)
    await _deal(deals, "Lisbon in spring")
    with pytest.raises(SlugTaken) as caught:
        await _deal(deals, "LISBON in Spring!")
    assert isinstance(caught.value, ConflictError)
    with pytest.raises(SlugTaken):
        await _deal(deals, "Another title", slug="lisbon-in-spring")
    assert await _count(db, "deals") == 1
    assert (
        await deals.create(
            title="Lisbon in spring", origin="JFK", destination="LIS", price=1, slug="lisbon-2"
        )
    ).slug == "lisbon-2"


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"price": "0"}, InvalidPriceError, r"price must be in 0\.01\.\.99999999\.99: '0'"),
        ({"price": 399.0}, InvalidPriceError, "price must be a Decimal, int or str amount"),
        ({"price": "399.001"}, InvalidPriceError, "price has at most 2 decimals"),
        (
            {"original_price": "399.00"},
            InvalidPriceError,
            "the original price 399.00 must be above the price 399.00",
        ),
        (
            {"original_price": "100"},
            InvalidPriceError,
            "the original price 100.00 must be above the price 399.00",
        ),
        ({"currency": "usd"}, InvalidInputError, r"a currency is three capital letters"),
        (
            {"valid_from": NOW, "valid_until": NOW},
            InvalidInputError,
            "valid_until must be after valid_from",
        ),
        (
            {"valid_from": datetime(2026, 11, 30)},
            InvalidInputError,
            "valid_from must be a timezone-aware datetime",
        ),
        ({"title": "   "}, InvalidInputError, "title is required"),
        ({"title": "東京"}, InvalidSlugError, "slug"),  # no slug can be made
        ({"slug": "Not A Slug"}, InvalidSlugError, "slug"),
        ({"origin": ""}, InvalidInputError, "origin is required"),
        ({"is_featured": "yes"}, InvalidInputError, "is_featured is a bool"),
    ],
)
async def test_a_bad_deal_writes_nothing(
    client: Prisma,
    db: asyncpg.Connection,
    overrides: dict[str, object],
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match) as caught:
        await _deal(DealRepository(client), **overrides)
    assert isinstance(caught.value, InvalidInputError)
    assert await _count(db, "deals") == 0


async def test_repricing_recomputes_the_discount(client: Prisma, db: asyncpg.Connection) -> None:
    deals = DealRepository(client)
    deal_id = await _deal(deals)
    repriced = await deals.reprice(deal_id, "300", "400")
    assert (repriced.price, repriced.originalPrice, repriced.discountPercentage) == (
        Decimal("300.00"),
        Decimal("400.00"),
        25,
    )
    plain = await deals.reprice(deal_id, Decimal("350.50"))
    assert (plain.price, plain.originalPrice, plain.discountPercentage) == (
        Decimal("350.50"),
        None,
        None,
    )
    with pytest.raises(InvalidPriceError):
        await deals.reprice(deal_id, "500", "400")
    with pytest.raises(DealNotFound):
        await deals.reprice("nope", "10")
    # the refused repricing changed nothing
    row = await db.fetchrow(
        "SELECT price, original_price, discount_percentage FROM travel.deals WHERE id = $1",
        deal_id,
    )
    assert row is not None and tuple(row) == (Decimal("350.50"), None, None)


async def test_featured_deals_are_active_and_valid_now(client: Prisma) -> None:
    deals = DealRepository(client)
    live = await _deal(deals, "Live", is_featured=True)
    windowed = await _deal(
        deals, "Windowed", is_featured=True, valid_from=NOW, valid_until=NOW + timedelta(days=1)
    )
    await _deal(deals, "Not featured")
    await _deal(deals, "Expired", is_featured=True, valid_until=NOW)  # ends exactly now
    await _deal(deals, "Future", is_featured=True, valid_from=NOW + timedelta(seconds=1))
    inactive = await _deal(deals, "Inactive", is_featured=True)
    await client.traveldeal.update(where={"id": inactive}, data={"isActive": False})
    later = await _deal(deals, "Later")
    featured = await deals.set_featured(later, True)
    assert featured.isFeatured
    assert {d.id for d in await deals.featured(NOW)} == {live, windowed, later}
    assert len(await deals.featured(NOW, limit=1)) == 1
    await deals.set_featured(later, False)
    assert {d.id for d in await deals.featured(NOW)} == {live, windowed}
    with pytest.raises(DealNotFound):
        await deals.set_featured("nope", True)
    with pytest.raises(InvalidInputError, match="now must be a timezone-aware datetime"):
        await deals.featured(datetime(2026, 11, 30))
    with pytest.raises(InvalidInputError, match=r"limit must be 1\.\.50: 0"):
        await deals.featured(NOW, limit=0)


async def test_concurrent_activity_is_counted_exactly(
    client: Prisma, db: asyncpg.Connection
) -> None:
    deals = DealRepository(client)
    deal_id = await _deal(deals)
    before = await db.fetchval("SELECT updated_at FROM travel.deals WHERE id = $1", deal_id)
    results = await asyncio.gather(
        *(
            deals.record_activity(deal_id, views=1, clicks=n % 2, bookings=int(n % 10 == 0))
            for n in range(50)
        )
    )
    row = await db.fetchrow(
        "SELECT view_count, click_count, booking_count, updated_at FROM travel.deals WHERE id = $1",
        deal_id,
    )
    assert row is not None
    assert (row["view_count"], row["click_count"], row["booking_count"]) == (50, 25, 5)
    # counters are not content
    assert row["updated_at"] == before
    # every caller saw a distinct running total
    assert sorted(r.views for r in results) == list(range(1, 51))
    assert max(results, key=lambda r: r.views) == DealCounters(50, 25, 5, 0.5, 0.2)


async def test_bad_activity_writes_nothing(client: Prisma, db: asyncpg.Connection) -> None:
    deals = DealRepository(client)
    deal_id = await _deal(deals)
    for bad in ({"views": -1}, {"clicks": 10_001}, {"bookings": True}, {}):
        with pytest.raises(
            InvalidInputError,
            match=r"(views|clicks|bookings) must be an int in 0\.\.10000|record at least one view",
        ):
            await deals.record_activity(deal_id, **bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="deal_id is required"):
        await deals.record_activity("", views=1)
    with pytest.raises(DealNotFound):
        await deals.record_activity("nope", views=1)
    assert tuple(
        await db.fetchrow("SELECT view_count, click_count, booking_count FROM travel.deals")
    ) == (0, 0, 0)


# Destinations -----------------------------------------------------------------------------


async def test_a_destination_with_seo_fields(client: Prisma, db: asyncpg.Connection) -> None:
    places = DestinationRepository(client)
    lisbon = await places.create(
        name="Lisboa ",
        country="Portugal",
        seo_title=" Lisbon  travel guide ",
        seo_description="Where to eat, sleep and wander.",
        seo_keywords=["Lisbon", "lisbon ", "Portugal"],
        travel_info={"bestTimeToVisit": "spring", "currency": "EUR"},
    )
    assert lisbon.slug == "lisboa" and lisbon.name == "Lisboa"
    assert lisbon.seoTitle == "Lisbon travel guide"
    assert lisbon.seoKeywords == ["lisbon", "portugal"]
    assert (await places.get("lisboa")).id == lisbon.id
    stored = await db.fetchrow(
        "SELECT seo_keywords, travel_info->>'currency' AS currency FROM travel.destinations"
    )
    assert stored is not None
    assert stored["seo_keywords"] == ["lisbon", "portugal"] and stored["currency"] == "EUR"
    updated = await places.update_seo("lisboa", title="Lisbon", description=None, keywords=[])
    assert (updated.seoTitle, updated.seoDescription, updated.seoKeywords) == ("Lisbon", None, [])
    with pytest.raises(SeoLimitError):
        await places.update_seo("lisboa", title="t" * 61, description=None)
    assert await db.fetchval("SELECT seo_title FROM travel.destinations") == "Lisbon"
    with pytest.raises(DestinationNotFound):
        await places.get("porto")
    with pytest.raises(DestinationNotFound):
        await places.update_seo("porto", title="Porto", description=None)


async def test_a_taken_destination_slug_is_a_typed_conflict(
    client: Prisma, db: asyncpg.Connection
) -> None:
    places = DestinationRepository(client)
    await places.create(name="Paris", country="France")
    with pytest.raises(SlugTaken) as caught:
        await places.create(name="PARIS", country="France")
    assert isinstance(caught.value, ConflictError) and isinstance(caught.value, DomainError)
    with pytest.raises(SlugTaken):
        await places.create(name="Paris, Texas", country="USA", slug="paris")
    assert await _count(db, "destinations") == 1
    # concurrent creations of one slug: one wins, the others get the typed conflict
    results = await asyncio.gather(
        *(places.create(name="Rome", country="Italy") for _ in range(6)), return_exceptions=True
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, SlugTaken) for r in results if isinstance(r, BaseException))
    assert await _count(db, "destinations") == 2


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"seo_title": "t" * 61}, "the SEO title is at most 60 characters, not 61"),
        ({"seo_description": "d" * 161}, "the SEO description is at most 160 characters"),
        ({"seo_keywords": [f"k{n}" for n in range(11)]}, "at most 10 SEO keywords"),
        ({"slug": "-bad"}, "a slug is lowercase words joined by hyphens"),
        ({"name": "!!!"}, "no slug can be made from '!!!'"),
        ({"country": ""}, "country is required"),
        ({"travel_info": ["not", "an", "object"]}, "travel_info must be a JSON object"),
    ],
)
async def test_a_bad_destination_writes_nothing(
    client: Prisma, db: asyncpg.Connection, overrides: dict[str, object], match: str
) -> None:
    arguments: dict[str, object] = {"name": "Kyoto", "country": "Japan"} | overrides
    with pytest.raises(InvalidInputError, match=match):
        await DestinationRepository(client).create(**arguments)  # type: ignore[arg-type]
    assert await _count(db, "destinations") == 0


async def test_popularity_and_trending(client: Prisma, db: asyncpg.Connection) -> None:
    places = DestinationRepository(client)
    for name in ("Lisbon", "Porto", "Madrid", "Quiet"):
        await places.create(name=name, country="Iberia")
    await asyncio.gather(*(places.add_popularity("porto", 1) for _ in range(20)))
    await places.add_popularity("lisbon", 12.5)
    await places.add_popularity("madrid", 12.5)
    assert await db.fetchval(
        "SELECT popularity_score FROM travel.destinations WHERE slug = 'porto'"
    ) == pytest.approx(20.0)
    # top 2: porto (20), then lisbon/madrid tie at 12.5 broken by slug
    assert await places.refresh_trending(2) == 2
    assert [d.slug for d in await places.trending()] == ["porto", "lisbon"]
    # score 0 is never trending, however large the top
    assert await places.refresh_trending(10) == 3
    assert [d.slug for d in await places.trending()] == ["porto", "lisbon", "madrid"]
    assert [d.slug for d in await places.trending(limit=1)] == ["porto"]
    await places.set_trending("quiet", True)
    assert "quiet" in [d.slug for d in await places.trending()]
    for amount in (0, -1, True, 1_000_001, "5"):
        with pytest.raises(InvalidInputError, match="amount must be"):
            await places.add_popularity("porto", amount)  # type: ignore[arg-type]
    with pytest.raises(DestinationNotFound):
        await places.add_popularity("nowhere", 1)
    with pytest.raises(InvalidInputError, match=r"limit must be 1\.\.100: 0"):
        await places.refresh_trending(0)
    assert await db.fetchval(
        "SELECT popularity_score FROM travel.destinations WHERE slug = 'porto'"
    ) == pytest.approx(20.0)


# Email templates --------------------------------------------------------------------------


async def test_templates_are_versioned_and_rendered(client: Prisma, db: asyncpg.Connection) -> None:
    templates = EmailTemplateRepository(client)
    first = await templates.create(
        "deal-alert",
        subject="{{ name }}, a deal to {{ city }}",
        html_body="<p>Hi {{ name }}: <b>{{ city }}</b></p>",
        text_body="Hi {{ name }}: {{ city }}",
        variables=["name", "city"],
    )
    assert (first.version, first.isActive, first.variables) == (1, True, ["name", "city"])
    with pytest.raises(TemplateExists):
        await templates.create("deal-alert", subject="x", html_body="<p>x</p>")
    second = await templates.update(
        "deal-alert",
        html_body="<p>Hello {{ name }}, {{ city }} from {{ price }}</p>",
        variables=["name", "city", "price"],
    )
    assert (second.version, second.isActive) == (2, True)
    assert second.subject == first.subject and second.textBody == first.textBody
    rows = await db.fetch(
        "SELECT version, is_active FROM travel.email_templates WHERE name = 'deal-alert'"
        " ORDER BY version"
    )
    assert [tuple(r) for r in rows] == [(1, False), (2, True)]
    assert (await templates.get("deal-alert")).version == 2
    assert (await templates.get("deal-alert", 1)).version == 1

    values = {"name": "<Ana>", "city": "Lisbon", "price": Decimal("199.00")}
    assert await templates.render("deal-alert", values) == RenderedEmail(
        "<Ana>, a deal to Lisbon",
        "<p>Hello &lt;Ana&gt;, Lisbon from 199.00</p>",
        "Hi <Ana>: Lisbon",
    )
    # version 1 does not declare price
    with pytest.raises(UnknownTemplateVariableError):
        await templates.render("deal-alert", values, version=1)
    assert (await templates.render("deal-alert", {"name": "A", "city": "B"}, version=1)).html == (
        "<p>Hi A: <b>B</b></p>"
    )
    with pytest.raises(MissingTemplateVariableError):
        await templates.render("deal-alert", {"name": "Ana", "city": "Lisbon"})
    with pytest.raises(InvalidTemplateValueError):
        await templates.render("deal-alert", {"name": "Ana\r\nBcc: x@y.z", "city": "L", "price": 1})
    with pytest.raises(TemplateNotFound):
        await templates.get("deal-alert", 3)
    with pytest.raises(TemplateNotFound):
        await templates.render("welcome", {})
    with pytest.raises(TemplateNotFound):
        await templates.update("welcome", subject="Hi")


async def test_bad_template_changes_write_nothing(client: Prisma, db: asyncpg.Connection) -> None:
    templates = EmailTemplateRepository(client)
    with pytest.raises(UnknownPlaceholderError):
        await templates.create("welcome", subject="Hi {{ name }}", html_body="<p>x</p>")
    with pytest.raises(InvalidInputError, match=r"a template name is 1\.\.100 of a-z 0-9"):
        await templates.create("Welcome!", subject="Hi", html_body="<p>x</p>")
    with pytest.raises(InvalidInputError, match="malformed placeholder at 3"):
        await templates.create("welcome", subject="Hi {{", html_body="<p>x</p>")
    assert await _count(db, "email_templates") == 0
    await templates.create(
        "welcome", subject="Hi {{ name }}", html_body="<p>x</p>", variables=["name"]
    )
    # dropping a variable still used by the subject is refused, inside the transaction
    with pytest.raises(UnknownPlaceholderError):
        await templates.update("welcome", variables=[])
    with pytest.raises(InvalidInputError, match="an update changes the subject, a body"):
        await templates.update("welcome")
    rows = await db.fetch("SELECT version, is_active FROM travel.email_templates")
    assert [tuple(r) for r in rows] == [(1, True)]


async def test_concurrent_updates_get_consecutive_versions(
    client: Prisma, db: asyncpg.Connection
) -> None:
    templates = EmailTemplateRepository(client)
    await templates.create("digest", subject="Digest", html_body="<p>v1</p>")
    updated = await asyncio.gather(
        *(templates.update("digest", html_body=f"<p>edit {n}</p>") for n in range(6))
    )
    assert sorted(t.version for t in updated) == [2, 3, 4, 5, 6, 7]
    assert await db.fetchval("SELECT count(*) FROM travel.email_templates WHERE is_active") == 1
    assert (await templates.get("digest")).version == 7


# Search suggestions -----------------------------------------------------------------------


async def test_searches_are_counted_and_suggested_by_popularity(
    client: Prisma, db: asyncpg.Connection
) -> None:
    search = SearchSuggestionRepository(client)
    for _ in range(3):
        await search.record_search("Lisbon", now=NOW, type="destination", result_count=12)
    first = await search.record_search("  LISBON  ", now=NOW - timedelta(hours=1), type="query")
    assert (first.query, first.popularity, first.type) == ("lisbon", 4, "destination")
    assert first.lastSearchedAt == NOW  # an older search does not move it back
    assert first.resultCount == 0
    await asyncio.gather(*(search.record_search("Lisbon cheap flights", now=NOW) for _ in range(7)))
    await search.record_search("lisbon airport", now=NOW, type="airport")
    await search.record_search("lisbon hotels", now=NOW + timedelta(minutes=5))
    await search.record_search("madrid", now=NOW)
    assert await _count(db, "search_suggestions") == 5
    suggested = await search.suggest("LIS")
    assert [(s.query, s.popularity) for s in suggested] == [
        ("lisbon cheap flights", 7),
        ("lisbon", 4),
        ("lisbon hotels", 1),  # ties: most recently searched first
        ("lisbon airport", 1),
    ]
    assert [s.query for s in await search.suggest("lis", limit=2)] == [
        "lisbon cheap flights",
        "lisbon",
    ]
    assert [s.query for s in await search.suggest("lis", type="airport")] == ["lisbon airport"]
    assert await search.suggest("porto") == []


async def test_suggestion_prefixes_are_literal(client: Prisma) -> None:
    search = SearchSuggestionRepository(client)
    await search.record_search("100% beach", now=NOW)
    await search.record_search("1000 miles", now=NOW)
    await search.record_search("a_b", now=NOW)
    await search.record_search("axb", now=NOW)
    assert [s.query for s in await search.suggest("100%")] == ["100% beach"]
    assert [s.query for s in await search.suggest("a_")] == ["a_b"]


async def test_bad_searches_write_nothing(client: Prisma, db: asyncpg.Connection) -> None:
    search = SearchSuggestionRepository(client)
    with pytest.raises(InvalidInputError, match="query is required"):
        await search.record_search("   ", now=NOW)
    with pytest.raises(InvalidInputError, match="a suggestion type is one of"):
        await search.record_search("lisbon", now=NOW, type="city")
    with pytest.raises(InvalidInputError, match="result_count"):
        await search.record_search("lisbon", now=NOW, result_count=-1)
    with pytest.raises(InvalidInputError, match="now must be a timezone-aware datetime"):
        await search.record_search("lisbon", now=datetime(2026, 11, 30))
    with pytest.raises(InvalidInputError, match="a suggestion type is one of"):
        await search.suggest("lis", type="city")
    with pytest.raises(InvalidInputError, match=r"limit must be 1\.\.50: 51"):
        await search.suggest("lis", limit=51)
    assert await _count(db, "search_suggestions") == 0


# Health checks ----------------------------------------------------------------------------


async def test_system_status_is_the_worst_latest_check(
    client: Prisma, db: asyncpg.Connection
) -> None:
    health = HealthCheckRepository(client)
    assert (await health.system_status()).overall is None
    await health.record("database", "down", now=NOW - timedelta(minutes=5), message="timeout")
    await health.record("database", "healthy", now=NOW, response_time_ms=4)
    await health.record("search", "healthy", now=NOW, response_time_ms=80)
    status = await health.system_status()
    assert status.overall is HealthStatus.HEALTHY
    assert [(s.service, s.status) for s in status.services] == [
        ("database", "healthy"),
        ("search", "healthy"),
    ]
    await health.record(
        "payments",
        "degraded",
        now=NOW + timedelta(minutes=1),
        response_time_ms=2500,
        metadata={"region": "eu", "since": NOW},
    )
    status = await health.system_status()
    assert status.overall is HealthStatus.DEGRADED
    payments = next(s for s in status.services if s.service == "payments")
    assert payments.responseTimeMs == 2500
    assert payments.metadata == {"region": "eu", "since": str(NOW)}
    await health.record("search", "down", now=NOW + timedelta(minutes=2))
    assert (await health.system_status()).overall is HealthStatus.DOWN
    assert await _count(db, "health_checks") == 5
    assert len(await health.latest()) == 3


@pytest.mark.parametrize(
    ("service", "status", "extra", "match"),
    [
        ("database", "ok", {}, "a status is healthy, degraded or down: 'ok'"),
        ("", "healthy", {}, "service is required"),
        ("database", "healthy", {"response_time_ms": -1}, "response_time_ms"),
        ("database", "healthy", {"message": "m" * 2001}, "message is longer than 2000"),
        ("database", "healthy", {"metadata": ["x"]}, "metadata must be a JSON object"),
        (
            "database",
            "healthy",
            {"now": datetime(2026, 11, 30)},
            "now must be a timezone-aware datetime",
        ),
    ],
)
async def test_bad_health_checks_write_nothing(
    client: Prisma,
    db: asyncpg.Connection,
    service: str,
    status: str,
    extra: dict[str, object],
    match: str,
) -> None:
    arguments: dict[str, object] = {"now": NOW} | extra
    with pytest.raises(InvalidInputError, match=match):
        await HealthCheckRepository(client).record(service, status, **arguments)  # type: ignore[arg-type]
    assert await _count(db, "health_checks") == 0


async def test_not_found_errors_are_lookup_errors(client: Prisma) -> None:
    with pytest.raises(NotFoundError, match="no deal 'missing'"):
        await DealRepository(client).reprice("missing", "10")
    with pytest.raises(LookupError, match="no destination 'missing'"):
        await DestinationRepository(client).get("missing")
