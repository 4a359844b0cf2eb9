"""travel's CMS repositories: deals, destinations, email templates, search suggestions and
health checks, over the rules of :mod:`domainlayer.travel.cms`.

Counters change in single statements, so concurrent callers never lose an increment: a
deal's views / clicks / bookings in one ``UPDATE ... SET n = n + k``, a search's popularity
in one ``INSERT ... ON CONFLICT (query) DO UPDATE``, a destination's trending flags in one
``UPDATE`` over the ranking. Counters are not content: they leave ``updated_at`` alone.
An email template update writes version max + 1 and deactivates the others in a transaction
holding an advisory lock on the template's name, so concurrent updates get consecutive
versions. The client cannot express these statements (arithmetic updates that return the
new values, ``ON CONFLICT``, advisory locks, ``DISTINCT ON``), so they are raw SQL, here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from prisma import Json, Prisma
from prisma import errors as prisma_errors
from prisma.models import (
    TravelDeal,
    TravelDestination,
    TravelEmailTemplate,
    TravelHealthCheck,
    TravelSearchSuggestion,
)

from domainlayer.errors import InfrastructureError, InvalidInputError
from domainlayer.repository import translating_errors, unit_of_work
from domainlayer.travel.cms import (
    DealNotFound,
    DestinationNotFound,
    HealthStatus,
    InvalidTemplateValueError,
    RenderedEmail,
    SlugTaken,
    TemplateExists,
    TemplateNotFound,
    check_currency,
    check_deal_window,
    check_health_check,
    check_limit,
    check_seo,
    check_slug,
    check_suggestion_type,
    check_template,
    check_text,
    deal_pricing,
    engagement_rates,
    normalize_query,
    overall_status,
    render_email,
    slugify,
)
from domainlayer.travel.repositories._common import new_id, stamp
from domainlayer.validation import (
    boolean,
    ident,
    integer,
    json_object,
    moment,
    number,
    optional_moment,
    optional_text,
    refusing_as,
    strings,
    text,
)

__all__ = [
    "DealCounters",
    "DealRepository",
    "DestinationRepository",
    "EmailTemplateRepository",
    "HealthCheckRepository",
    "SearchSuggestionRepository",
    "SystemStatus",
]


def _count(value: int, name: str, maximum: int = 1_000_000) -> int:
    return integer(name, value, 0, maximum)


# Deals ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DealCounters:
    views: int
    clicks: int
    bookings: int
    click_through_rate: float | None
    booking_rate: float | None


_COUNT_ACTIVITY = """
UPDATE travel.deals
SET view_count = view_count + $2::text::int,
    click_count = click_count + $3::text::int,
    booking_count = booking_count + $4::text::int
WHERE id = $1
RETURNING view_count, click_count, booking_count
"""


class DealRepository:
    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def create(
        self,
        *,
        title: str,
        origin: str,
        destination: str,
        price: Decimal | int | str,
        original_price: Decimal | int | str | None = None,
        currency: str = "USD",
        slug: str | None = None,
        description: str | None = None,
        is_featured: bool = False,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        image_url: str | None = None,
        created_by: str | None = None,
    ) -> TravelDeal:
        """A deal; its slug is made from the title unless given (SlugTaken if in use)."""
        text("title", title, 200)
        text("origin", origin, 100)
        text("destination", destination, 100)
        optional_text("description", description, 10_000)
        optional_text("image_url", image_url, 2048)
        optional_text("created_by", created_by, 200)
        text("currency", currency, 10)
        optional_text("slug", slug, 200)
        valid_from = optional_moment("valid_from", valid_from)
        valid_until = optional_moment("valid_until", valid_until)
        check_text(title, "title", max_length=200)
        check_text(origin, "origin", max_length=100)
        check_text(destination, "destination", max_length=100)
        check_text(description, "description", max_length=10_000, required=False)
        check_text(image_url, "image_url", max_length=2048, required=False)
        check_text(created_by, "created_by", max_length=200, required=False)
        pricing = deal_pricing(price, original_price)
        check_currency(currency)
        check_deal_window(valid_from, valid_until)
        if not isinstance(is_featured, bool):
            raise InvalidInputError("is_featured is a bool")
        final_slug = slugify(title) if slug is None else check_slug(slug)
        with translating_errors():
            try:
                return await self._client.traveldeal.create(
                    data={
                        "slug": final_slug,
                        "title": title.strip(),
                        "description": description,
                        "origin": origin.strip(),
                        "destination": destination.strip(),
                        "price": pricing.price,
                        "originalPrice": pricing.original_price,
                        "currency": currency,
                        "discountPercentage": pricing.discount_percentage,
                        "isFeatured": is_featured,
                        "validFrom": valid_from,
                        "validUntil": valid_until,
                        "imageUrl": image_url,
                        "createdBy": created_by,
                    }
                )
            except prisma_errors.UniqueViolationError as exc:
                raise SlugTaken(f"a deal has the slug {final_slug!r}") from exc

    async def reprice(
        self,
        deal_id: str,
        price: Decimal | int | str,
        original_price: Decimal | int | str | None = None,
    ) -> TravelDeal:
        """New prices; the discount is recomputed (None without an original price)."""
        ident("deal_id", deal_id)
        pricing = deal_pricing(price, original_price)
        with translating_errors():
            deal = await self._client.traveldeal.update(
                where={"id": deal_id},
                data={
                    "price": pricing.price,
                    "originalPrice": pricing.original_price,
                    "discountPercentage": pricing.discount_percentage,
                },
            )
        if deal is None:
            raise DealNotFound(f"no deal {deal_id!r}")
        return deal

    async def set_featured(self, deal_id: str, featured: bool) -> TravelDeal:
        ident("deal_id", deal_id)
        boolean("featured", featured)
        with translating_errors():
            deal = await self._client.traveldeal.update(
                where={"id": deal_id}, data={"isFeatured": featured}
            )
        if deal is None:
            raise DealNotFound(f"no deal {deal_id!r}")
        return deal

    async def featured(self, now: datetime, *, limit: int = 10) -> list[TravelDeal]:
        """Featured, active deals valid at ``now``, newest first."""
        now = moment("now", now)
        check_limit(limit)
        with translating_errors():
            return await self._client.traveldeal.find_many(
                where={
                    "isFeatured": True,
                    "isActive": True,
                    "AND": [
                        {"OR": [{"validFrom": None}, {"validFrom": {"lte": now}}]},
                        {"OR": [{"validUntil": None}, {"validUntil": {"gt": now}}]},
                    ],
                },
                order=[{"createdAt": "desc"}, {"id": "asc"}],
                take=limit,
            )

    async def record_activity(
        self, deal_id: str, *, views: int = 0, clicks: int = 0, bookings: int = 0
    ) -> DealCounters:
        """Add to the deal's counters in one UPDATE; returns the new totals and rates."""
        ident("deal_id", deal_id)
        for value, name in ((views, "views"), (clicks, "clicks"), (bookings, "bookings")):
            _count(value, name, 10_000)
        if views == clicks == bookings == 0:
            raise InvalidInputError("record at least one view, click or booking")
        with translating_errors():
            row = await self._client.query_first(
                _COUNT_ACTIVITY, deal_id, str(views), str(clicks), str(bookings)
            )
        if not row:
            raise DealNotFound(f"no deal {deal_id!r}")
        totals = int(row["view_count"]), int(row["click_count"]), int(row["booking_count"])
        return DealCounters(*totals, *engagement_rates(*totals))


# Destinations -----------------------------------------------------------------------------

_REFRESH_TRENDING = """
WITH top AS (
    SELECT id FROM travel.destinations WHERE popularity_score > 0
    ORDER BY popularity_score DESC, slug LIMIT $1::text::int
), updated AS (
    UPDATE travel.destinations d SET is_trending = d.id IN (SELECT id FROM top)
    RETURNING d.is_trending
)
SELECT count(*) FILTER (WHERE is_trending) AS trending FROM updated
"""


class DestinationRepository:
    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def create(
        self,
        *,
        name: str,
        country: str,
        slug: str | None = None,
        description: str | None = None,
        seo_title: str | None = None,
        seo_description: str | None = None,
        seo_keywords: Sequence[str] = (),
        travel_info: Mapping[str, Any] | None = None,
        image_url: str | None = None,
    ) -> TravelDestination:
        """A destination; its slug is made from the name unless given (SlugTaken if used)."""
        text("name", name, 200)
        text("country", country, 100)
        optional_text("description", description, 20_000)
        optional_text("image_url", image_url, 2048)
        optional_text("slug", slug, 200)
        optional_text("seo_title", seo_title, 1000)
        optional_text("seo_description", seo_description, 10_000)
        seo_keywords = strings("seo_keywords", seo_keywords)
        if travel_info is not None:
            travel_info = json_object("travel_info", travel_info)
        check_text(name, "name", max_length=200)
        check_text(country, "country", max_length=100)
        check_text(description, "description", max_length=20_000, required=False)
        check_text(image_url, "image_url", max_length=2048, required=False)
        seo = check_seo(seo_title, seo_description, seo_keywords)
        if travel_info is not None and not isinstance(travel_info, Mapping):
            raise InvalidInputError("travel_info is a JSON object")
        final_slug = slugify(name) if slug is None else check_slug(slug)
        data: dict[str, Any] = {
            "slug": final_slug,
            "name": name.strip(),
            "country": country.strip(),
            "description": description,
            "seoTitle": seo.title,
            "seoDescription": seo.description,
            "seoKeywords": list(seo.keywords),
            "imageUrl": image_url,
        }
        if travel_info is not None:
            data["travelInfo"] = Json(dict(travel_info))
        with translating_errors():
            try:
                return await self._client.traveldestination.create(data=data)  # type: ignore[arg-type]
            except prisma_errors.UniqueViolationError as exc:
                raise SlugTaken(f"a destination has the slug {final_slug!r}") from exc

    async def get(self, slug: str) -> TravelDestination:
        text("slug", slug, 200)
        with translating_errors():
            found = await self._client.traveldestination.find_unique(
                where={"slug": check_slug(slug)}
            )
        if found is None:
            raise DestinationNotFound(f"no destination {slug!r}")
        return found

    async def update_seo(
        self,
        slug: str,
        *,
        title: str | None,
        description: str | None,
        keywords: Sequence[str] = (),
    ) -> TravelDestination:
        """Replace the meta title, description and keywords (None clears a field)."""
        text("slug", slug, 200)
        optional_text("title", title, 1000)
        optional_text("description", description, 10_000)
        keywords = strings("keywords", keywords)
        seo = check_seo(title, description, keywords)
        with translating_errors():
            updated = await self._client.traveldestination.update(
                where={"slug": check_slug(slug)},
                data={
                    "seoTitle": seo.title,
                    "seoDescription": seo.description,
                    "seoKeywords": list(seo.keywords),
                },
            )
        if updated is None:
            raise DestinationNotFound(f"no destination {slug!r}")
        return updated

    async def add_popularity(self, slug: str, amount: float) -> TravelDestination:
        """Add ``amount`` (> 0) to the popularity score, atomically (one UPDATE)."""
        text("slug", slug, 200)
        if number("amount", amount, 0, 1_000_000) == 0:
            raise InvalidInputError("amount must be in (0, 1e6]")
        with translating_errors():
            updated = await self._client.traveldestination.update(
                where={"slug": check_slug(slug)},
                data={"popularityScore": {"increment": float(amount)}},
            )
        if updated is None:
            raise DestinationNotFound(f"no destination {slug!r}")
        return updated

    async def set_trending(self, slug: str, trending: bool) -> TravelDestination:
        text("slug", slug, 200)
        boolean("trending", trending)
        with translating_errors():
            updated = await self._client.traveldestination.update(
                where={"slug": check_slug(slug)}, data={"isTrending": trending}
            )
        if updated is None:
            raise DestinationNotFound(f"no destination {slug!r}")
        return updated

    async def refresh_trending(self, top: int) -> int:
        """Mark the ``top`` most popular destinations (score > 0, ties by slug) trending
        and every other one not, in one statement; returns how many are trending."""
        check_limit(top, maximum=100)
        with translating_errors():
            row = await self._client.query_first(_REFRESH_TRENDING, str(top))
        if not row:  # an aggregate always yields one row
            raise InfrastructureError("refreshing trending destinations returned no row")
        return int(row["trending"])

    async def trending(self, *, limit: int = 10) -> list[TravelDestination]:
        """Trending destinations, most popular first."""
        check_limit(limit)
        with translating_errors():
            return await self._client.traveldestination.find_many(
                where={"isTrending": True},
                order=[{"popularityScore": "desc"}, {"slug": "asc"}],
                take=limit,
            )


# Email templates --------------------------------------------------------------------------

_TEMPLATE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")


def _template_name(name: str) -> str:
    if not isinstance(name, str) or not _TEMPLATE_NAME.fullmatch(name):
        raise InvalidInputError(f"a template name is 1..100 of a-z 0-9 _ . -: {name!r}")
    return name


def _declared(template: TravelEmailTemplate) -> list[str]:
    variables = template.variables
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise InfrastructureError(f"template {template.name} v{template.version}: bad variables")
    return [str(v) for v in variables]


class EmailTemplateRepository:
    """Versioned templates: one row per (name, version); the newest is the active one."""

    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def create(
        self,
        name: str,
        *,
        subject: str,
        html_body: str,
        text_body: str | None = None,
        variables: Sequence[str] = (),
    ) -> TravelEmailTemplate:
        """Version 1 of a new template (TemplateExists when the name is taken)."""
        _template_name(name)
        text("subject", subject, 1000)
        text("html_body", html_body, 1_000_000)
        optional_text("text_body", text_body, 1_000_000)
        variables = strings("variables", variables)
        declared = check_template(subject, html_body, text_body, variables)
        with translating_errors():
            try:
                return await self._client.travelemailtemplate.create(
                    data={
                        "name": name,
                        "version": 1,
                        "subject": subject,
                        "htmlBody": html_body,
                        "textBody": text_body,
                        "variables": Json(list(declared)),
                        "isActive": True,
                    }
                )
            except prisma_errors.UniqueViolationError as exc:
                raise TemplateExists(f"template {name!r} exists; update it") from exc

    async def update(
        self,
        name: str,
        *,
        subject: str | None = None,
        html_body: str | None = None,
        text_body: str | None = None,
        variables: Sequence[str] | None = None,
    ) -> TravelEmailTemplate:
        """A new version (latest + 1) with the given parts changed; it becomes the active
        one and the earlier versions inactive."""
        _template_name(name)
        optional_text("subject", subject, 1000)
        optional_text("html_body", html_body, 1_000_000)
        optional_text("text_body", text_body, 1_000_000)
        if variables is not None:
            variables = strings("variables", variables)
        if subject is None and html_body is None and text_body is None and variables is None:
            raise InvalidInputError("an update changes the subject, a body or the variables")
        async with unit_of_work(self._client) as tx:
            # Concurrent updates of one template take turns: each gets its own version.
            await tx.execute_raw(
                "SELECT pg_advisory_xact_lock(hashtext($1))", f"travel.email_templates:{name}"
            )
            latest = await tx.travelemailtemplate.find_first(
                where={"name": name}, order={"version": "desc"}
            )
            if latest is None:
                raise TemplateNotFound(f"no template {name!r}")
            new_subject = latest.subject if subject is None else subject
            new_html = latest.htmlBody if html_body is None else html_body
            new_text = latest.textBody if text_body is None else text_body
            declared = check_template(
                new_subject,
                new_html,
                new_text,
                _declared(latest) if variables is None else variables,
            )
            await tx.travelemailtemplate.update_many(
                where={"name": name, "isActive": True}, data={"isActive": False}
            )
            return await tx.travelemailtemplate.create(
                data={
                    "name": name,
                    "version": latest.version + 1,
                    "subject": new_subject,
                    "htmlBody": new_html,
                    "textBody": new_text,
                    "variables": Json(list(declared)),
                    "isActive": True,
                }
            )

    async def get(self, name: str, version: int | None = None) -> TravelEmailTemplate:
        """The active version, or the given one."""
        _template_name(name)
        where: dict[str, Any] = {"name": name}
        if version is None:
            where["isActive"] = True
        else:
            _count(version, "version", 2**31 - 1)
            where["version"] = version
        with translating_errors():
            found = await self._client.travelemailtemplate.find_first(
                where=where,  # type: ignore[arg-type]
                order={"version": "desc"},
            )
        if found is None:
            label = "active version" if version is None else f"version {version}"
            raise TemplateNotFound(f"no {label} of template {name!r}")
        return found

    async def render(
        self, name: str, values: Mapping[str, object], *, version: int | None = None
    ) -> RenderedEmail:
        """The template (active version unless given) rendered with ``values``."""
        with refusing_as(InvalidTemplateValueError):
            json_object("values", values, max_depth=1, decimals=True)
        template = await self.get(name, version)
        return render_email(
            template.subject, template.htmlBody, template.textBody, _declared(template), values
        )


# Search suggestions -----------------------------------------------------------------------

_SUGGESTION_COLUMNS = """id, query, type, popularity, result_count AS "resultCount",
    last_searched_at AS "lastSearchedAt", created_at AS "createdAt", updated_at AS "updatedAt"
"""

_RECORD_SEARCH = (
    """
INSERT INTO travel.search_suggestions AS s
    (id, query, type, popularity, result_count, last_searched_at, created_at, updated_at)
VALUES ($1, $2, $3, 1, $4::text::int, $5::text::timestamptz, $5::text::timestamptz,
        $5::text::timestamptz)
ON CONFLICT (query) DO UPDATE
    SET popularity = s.popularity + 1, result_count = EXCLUDED.result_count,
        last_searched_at = greatest(s.last_searched_at, EXCLUDED.last_searched_at),
        updated_at = EXCLUDED.updated_at
RETURNING """
    + _SUGGESTION_COLUMNS
)

# starts_with() rather than LIKE: a prefix holding % or _ is matched literally.
_SUGGEST = (
    "SELECT "
    + _SUGGESTION_COLUMNS
    + """
FROM travel.search_suggestions
WHERE starts_with(query, $1) AND ($2::text IS NULL OR type = $2::text)
ORDER BY popularity DESC, last_searched_at DESC, query
LIMIT $3::text::int
"""
)


class SearchSuggestionRepository:
    """Autocomplete: searches counted by normalised query, suggested by popularity."""

    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def record_search(
        self, query: str, *, now: datetime, type: str = "query", result_count: int = 0
    ) -> TravelSearchSuggestion:
        """Count one search of ``query`` (normalised) atomically; a new query starts at 1.
        The type of a known query stays what it was first recorded as."""
        text("query", query, 1000)
        text("type", type, 50)
        now = moment("now", now)
        normalized = normalize_query(query)
        check_suggestion_type(type)
        _count(result_count, "result_count", 2**31 - 1)
        with translating_errors():
            row = await self._client.query_first(
                _RECORD_SEARCH,
                new_id(),
                normalized,
                type,
                str(result_count),
                stamp(now),
                model=TravelSearchSuggestion,
            )
        if row is None:  # an upsert ... RETURNING yields its row
            raise InfrastructureError("recording the search returned no row")
        return row

    async def suggest(
        self, prefix: str, *, limit: int = 10, type: str | None = None
    ) -> list[TravelSearchSuggestion]:
        """Known queries starting with ``prefix`` (normalised), most popular first, then
        most recently searched."""
        text("prefix", prefix, 1000)
        integer("limit", limit, -(2**31), 2**31 - 1)
        optional_text("type", type, 50)
        normalized = normalize_query(prefix)
        check_limit(limit)
        if type is not None:
            check_suggestion_type(type)
        with translating_errors():
            return await self._client.query_raw(
                _SUGGEST, normalized, type, str(limit), model=TravelSearchSuggestion
            )


# Health checks ----------------------------------------------------------------------------

_LATEST_CHECKS = """
SELECT DISTINCT ON (service) id, service, status, response_time_ms AS "responseTimeMs",
       message, metadata, checked_at AS "checkedAt"
FROM travel.health_checks
ORDER BY service, checked_at DESC, id DESC
"""


@dataclass(frozen=True, slots=True)
class SystemStatus:
    overall: HealthStatus | None
    services: list[TravelHealthCheck]


class HealthCheckRepository:
    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def record(
        self,
        service: str,
        status: str,
        *,
        now: datetime,
        response_time_ms: int | None = None,
        message: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> TravelHealthCheck:
        """One check of ``service`` at ``now``."""
        text("service", service, 100)
        text("status", status, 50)
        if response_time_ms is not None:
            integer("response_time_ms", response_time_ms, -(2**31), 2**31 - 1)
        optional_text("message", message, 2000)
        # Datetimes and Decimals in metadata are kept as their text, as before.
        meta = (
            None
            if metadata is None
            else json_object("metadata", metadata, as_text=(datetime, Decimal))
        )
        health = check_health_check(service, status, response_time_ms)
        stamp(now)
        check_text(message, "message", max_length=2000, required=False)
        data: dict[str, Any] = {
            "service": service.strip(),
            "status": health.value,
            "responseTimeMs": response_time_ms,
            "message": message,
            "checkedAt": now,
        }
        if meta is not None:
            data["metadata"] = Json(meta)
        with translating_errors():
            return await self._client.travelhealthcheck.create(data=data)  # type: ignore[arg-type]

    async def latest(self) -> list[TravelHealthCheck]:
        """Each service's most recent check, by service name."""
        with translating_errors():
            return await self._client.query_raw(_LATEST_CHECKS, model=TravelHealthCheck)

    async def system_status(self) -> SystemStatus:
        """The latest check per service and the worst of their statuses (None: no checks)."""
        services = await self.latest()
        overall = overall_status(s.status for s in services) if services else None
        return SystemStatus(overall, services)
