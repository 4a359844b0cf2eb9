"""travel's CMS rules (002, phase 9): deals, destinations, email templates, search
suggestions and health checks. Pure: no I/O, no clock.

Deals: prices are Decimal amounts > 0 with at most 2 decimals (the columns are
``DECIMAL(10, 2)``); an original price, when given, is above the deal price, and the discount
is ``floor((original - price) / original * 100)`` percent, rounded down so that a deal never
advertises more than it gives. Currencies are ISO 4217 codes (three capitals).

Slugs: lowercase ASCII letters and digits in hyphen-separated words, at most 100 characters;
generated from a title by dropping accents. SEO: a meta title of at most 60 characters, a
meta description of at most 160 (what search engines show before truncating), 10 keywords.

Email templates use ``{{ name }}`` placeholders. Every placeholder must be one of the
template's declared variables; rendering HTML-escapes values in the HTML body, refuses line
breaks in the subject (header injection), replaces in one pass (a value that looks like a
placeholder stays text), and raises for a missing value or a value for an undeclared name.

Search suggestions are stored normalised (NFKC, trimmed, single spaces, case-folded).
Health: a service is healthy, degraded or down; the system is as bad as its worst service.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from enum import StrEnum
from typing import Final

from domainlayer.errors import ConflictError, InvalidInputError, NotFoundError
from domainlayer.typed_rules import rule

__all__ = [
    "MAX_PRICE",
    "SEO_DESCRIPTION_MAX",
    "SEO_KEYWORDS_MAX",
    "SEO_TITLE_MAX",
    "SLUG_MAX",
    "SUGGESTION_TYPES",
    "DealNotFound",
    "DealPricing",
    "DestinationNotFound",
    "HealthStatus",
    "InvalidPriceError",
    "InvalidSlugError",
    "InvalidTemplateError",
    "InvalidTemplateValueError",
    "MissingTemplateVariableError",
    "RenderedEmail",
    "SeoFields",
    "SeoLimitError",
    "SlugTaken",
    "TemplateExists",
    "TemplateNotFound",
    "UnknownPlaceholderError",
    "UnknownTemplateVariableError",
    "check_currency",
    "check_deal_window",
    "check_health_check",
    "check_limit",
    "check_seo",
    "check_slug",
    "check_suggestion_type",
    "check_template",
    "check_text",
    "deal_pricing",
    "discount_percentage",
    "engagement_rates",
    "normalize_query",
    "overall_status",
    "placeholders",
    "render_email",
    "slugify",
]


# Errors -----------------------------------------------------------------------------------


class InvalidPriceError(InvalidInputError):
    """A price that is not an amount > 0 with 2 decimals, or an original price not above it."""


class InvalidSlugError(InvalidInputError):
    """A slug that is not lowercase hyphenated words of at most 100 characters."""


class SeoLimitError(InvalidInputError):
    """A meta title, description or keyword list over its limit (or blank)."""


class InvalidTemplateError(InvalidInputError):
    """A template with a malformed placeholder or badly declared variables."""


class UnknownPlaceholderError(InvalidTemplateError):
    """The template uses a placeholder that is not one of its declared variables."""


class MissingTemplateVariableError(InvalidInputError):
    """Rendering lacks a value for a variable the template uses."""


class UnknownTemplateVariableError(InvalidInputError):
    """Rendering was given a value for a name the template does not declare."""


class InvalidTemplateValueError(InvalidInputError):
    """A value that is not text or a number, or a line break in the subject."""


class SlugTaken(ConflictError):
    """Another deal or destination already has this slug; nothing was written."""


class TemplateExists(ConflictError):
    """An email template of this name exists already (update it to version it)."""


class DealNotFound(NotFoundError):
    """No deal has this id."""


class DestinationNotFound(NotFoundError):
    """No destination has this slug."""


class TemplateNotFound(NotFoundError):
    """No (active) email template has this name and version."""


@rule
def check_text(
    value: str | None, name: str, *, max_length: int, required: bool = True
) -> str | None:
    """Non-blank text of at most ``max_length`` characters (None allowed unless required)."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{name} must be non-blank text")
    if len(value) > max_length:
        raise InvalidInputError(f"{name} is at most {max_length} characters")
    return value.strip()


@rule
def check_limit(limit: int, *, maximum: int = 50) -> int:
    """How many rows a listing returns: 1..maximum."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= maximum:
        raise InvalidInputError(f"limit must be 1..{maximum}: {limit!r}")
    return limit


# Deals ------------------------------------------------------------------------------------

#: The largest amount ``DECIMAL(10, 2)`` holds.
MAX_PRICE: Final = Decimal("99999999.99")
_CENT: Final = Decimal("0.01")


def _price(value: Decimal | int | str, name: str) -> Decimal:
    # Floats are refused: 19.99 is not exactly representable in binary.
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidPriceError(f"{name} must be a Decimal, int or str amount: {value!r}")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidPriceError(f"{name} is not an amount: {value!r}") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_PRICE:
        raise InvalidPriceError(f"{name} must be in 0.01..{MAX_PRICE}: {value!r}")
    if amount != amount.quantize(_CENT):
        raise InvalidPriceError(f"{name} has at most 2 decimals: {value!r}")
    return amount.quantize(_CENT)


@rule
def discount_percentage(original_price: Decimal | int | str, price: Decimal | int | str) -> int:
    """Whole percent off, rounded down: floor((original - price) / original * 100)."""
    original = _price(original_price, "original_price")
    deal = _price(price, "price")
    if original <= deal:
        raise InvalidPriceError(f"the original price {original} must be above the price {deal}")
    return int(((original - deal) * 100 / original).to_integral_value(ROUND_FLOOR))


@dataclass(frozen=True, slots=True)
class DealPricing:
    price: Decimal
    original_price: Decimal | None
    discount_percentage: int | None


@rule
def deal_pricing(
    price: Decimal | int | str, original_price: Decimal | int | str | None = None
) -> DealPricing:
    """A deal's stored prices and discount (None without an original price)."""
    deal = _price(price, "price")
    if original_price is None:
        return DealPricing(deal, None, None)
    return DealPricing(
        deal, _price(original_price, "original_price"), discount_percentage(original_price, deal)
    )


@rule
def check_currency(code: str) -> str:
    """An ISO 4217 code: three capital letters."""
    if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{3}", code):
        raise InvalidInputError(f"a currency is three capital letters (ISO 4217): {code!r}")
    return code


@rule
def check_deal_window(valid_from: datetime | None, valid_until: datetime | None) -> None:
    """Aware instants, and a window that ends after it starts."""
    for moment, name in ((valid_from, "valid_from"), (valid_until, "valid_until")):
        if moment is not None and (not isinstance(moment, datetime) or moment.tzinfo is None):
            raise InvalidInputError(f"{name} must be a timezone-aware datetime")
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise InvalidInputError("valid_until must be after valid_from")


@rule
def engagement_rates(views: int, clicks: int, bookings: int) -> tuple[float | None, float | None]:
    """(click-through rate = clicks / views, booking rate = bookings / clicks); None on 0."""
    for value, name in ((views, "views"), (clicks, "clicks"), (bookings, "bookings")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInputError(f"{name} must be a count >= 0: {value!r}")
    return (clicks / views if views else None, bookings / clicks if clicks else None)


# Slugs and SEO ----------------------------------------------------------------------------

SLUG_MAX: Final = 100
SEO_TITLE_MAX: Final = 60
SEO_DESCRIPTION_MAX: Final = 160
SEO_KEYWORDS_MAX: Final = 10
_SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@rule
def check_slug(slug: str) -> str:
    """Lowercase ASCII words joined by single hyphens, 1..100 characters."""
    if not isinstance(slug, str) or len(slug) > SLUG_MAX or not _SLUG.fullmatch(slug):
        raise InvalidSlugError(f"a slug is lowercase words joined by hyphens: {slug!r}")
    return slug


def slugify(text: str) -> str:
    """The slug of a title: accents dropped, other characters as hyphens, cut at a word."""
    if not isinstance(text, str):
        raise InvalidSlugError("a slug is made from text")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        cut = slug[: SLUG_MAX + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else slug[:SLUG_MAX]
    if not slug:
        raise InvalidSlugError(f"no slug can be made from {text!r}")
    return check_slug(slug)


@dataclass(frozen=True, slots=True)
class SeoFields:
    title: str | None
    description: str | None
    keywords: tuple[str, ...]


@rule
def check_seo(
    title: str | None, description: str | None, keywords: Sequence[str] = ()
) -> SeoFields:
    """Meta title <= 60, description <= 160 characters (trimmed, non-blank when given);
    at most 10 keywords, trimmed, case-folded and without duplicates."""
    fields: list[str | None] = []
    for value, name, limit in (
        (title, "SEO title", SEO_TITLE_MAX),
        (description, "SEO description", SEO_DESCRIPTION_MAX),
    ):
        if value is None:
            fields.append(None)
            continue
        if not isinstance(value, str) or not value.strip():
            raise SeoLimitError(f"the {name} must be non-blank text when given")
        text = " ".join(value.split())
        if len(text) > limit:
            raise SeoLimitError(f"the {name} is at most {limit} characters, not {len(text)}")
        fields.append(text)
    if isinstance(keywords, str) or not isinstance(keywords, Sequence):
        raise SeoLimitError("SEO keywords are a list of words")
    words: list[str] = []
    for keyword in keywords:
        if not isinstance(keyword, str) or not keyword.strip() or len(keyword) > 50:
            raise SeoLimitError(f"an SEO keyword is 1..50 characters: {keyword!r}")
        word = " ".join(keyword.split()).casefold()
        if word not in words:
            words.append(word)
    if len(words) > SEO_KEYWORDS_MAX:
        raise SeoLimitError(f"at most {SEO_KEYWORDS_MAX} SEO keywords")
    return SeoFields(fields[0], fields[1], tuple(words))


# Email templates --------------------------------------------------------------------------

_NAME: Final = r"[A-Za-z_][A-Za-z0-9_]{0,63}"
_PLACEHOLDER: Final = re.compile(r"\{\{\s*(" + _NAME + r")\s*\}\}")


def placeholders(text: str) -> tuple[str, ...]:
    """The variable names ``text`` uses, in first-use order; a ``{{`` that does not open a
    ``{{ name }}`` placeholder is malformed."""
    if not isinstance(text, str):
        raise InvalidTemplateError("a template part is text")
    names: list[str] = []
    position = 0
    while (opening := text.find("{{", position)) != -1:
        match = _PLACEHOLDER.match(text, opening)
        if match is None:
            raise InvalidTemplateError(
                f"malformed placeholder at {opening}: {text[opening : opening + 20]!r}"
            )
        if match.group(1) not in names:
            names.append(match.group(1))
        position = match.end()
    return tuple(names)


@rule
def check_template(
    subject: str, html_body: str, text_body: str | None, variables: Iterable[str]
) -> tuple[str, ...]:
    """The declared variables, once each; every placeholder of the parts must be one."""
    if isinstance(variables, str):
        raise InvalidTemplateError("variables are a list of names")
    declared = tuple(variables)
    if any(not isinstance(name, str) or not re.fullmatch(_NAME, name) for name in declared):
        raise InvalidTemplateError(f"variable names are identifiers: {declared}")
    if len(set(declared)) != len(declared):
        raise InvalidTemplateError(f"variables are declared once each: {declared}")
    check_text(subject, "subject", max_length=200)
    check_text(html_body, "html_body", max_length=500_000)
    check_text(text_body, "text_body", max_length=500_000, required=False)
    for part in (subject, html_body, text_body or ""):
        unknown = [name for name in placeholders(part) if name not in declared]
        if unknown:
            raise UnknownPlaceholderError(f"placeholders not among the variables: {unknown}")
    return declared


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    html: str
    text: str | None


def _value_text(name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise InvalidTemplateValueError(f"{name} must be text or a number: {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidTemplateValueError(f"{name} must be a finite number")
    return str(value)


@rule
def render_email(
    subject: str,
    html_body: str,
    text_body: str | None,
    variables: Iterable[str],
    values: Mapping[str, object],
) -> RenderedEmail:
    """The template with ``values`` in place of its placeholders (see the module doc)."""
    declared = check_template(subject, html_body, text_body, variables)
    if not isinstance(values, Mapping):
        raise InvalidTemplateValueError("values are a mapping of variable names")
    unknown = sorted(str(name) for name in values if name not in declared)
    if unknown:
        raise UnknownTemplateVariableError(f"not variables of this template: {unknown}")
    used = {name for part in (subject, html_body, text_body or "") for name in placeholders(part)}
    missing = sorted(name for name in used if values.get(name) is None)
    if missing:
        raise MissingTemplateVariableError(f"no value for {missing}")
    texts = {name: _value_text(name, values[name]) for name in used}
    for name in placeholders(subject):
        if "\r" in texts[name] or "\n" in texts[name]:
            raise InvalidTemplateValueError(f"{name} has a line break and is used in the subject")

    def fill(part: str, escape: bool) -> str:
        # One pass over the template: replaced text is never scanned again.
        return _PLACEHOLDER.sub(
            lambda match: (
                html.escape(texts[match.group(1)], quote=True) if escape else texts[match.group(1)]
            ),
            part,
        )

    return RenderedEmail(
        fill(subject, escape=False),
        fill(html_body, escape=True),
        None if text_body is None else fill(text_body, escape=False),
    )


# Search suggestions -----------------------------------------------------------------------

#: `search_suggestions.type`.
SUGGESTION_TYPES: Final = frozenset({"destination", "airport", "deal", "query"})


@rule
def normalize_query(text: str, *, max_length: int = 200) -> str:
    """A search as stored and matched: NFKC, trimmed, single spaces, case-folded."""
    if not isinstance(text, str):
        raise InvalidInputError("a search query is text")
    query = " ".join(unicodedata.normalize("NFKC", text).split()).casefold()
    if not query or len(query) > max_length:
        raise InvalidInputError(f"a search query is 1..{max_length} characters: {text!r}")
    return query


@rule
def check_suggestion_type(kind: str) -> str:
    if kind not in SUGGESTION_TYPES:
        raise InvalidInputError(f"a suggestion type is one of {sorted(SUGGESTION_TYPES)}: {kind!r}")
    return kind


# Health checks ----------------------------------------------------------------------------


class HealthStatus(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    DOWN = "down"


_SEVERITY: Final = (HealthStatus.HEALTHY, HealthStatus.DEGRADED, HealthStatus.DOWN)


@rule
def check_health_check(service: str, status: str, response_time_ms: int | None) -> HealthStatus:
    """A service name (1..100 characters), a known status and a response time >= 0 ms."""
    check_text(service, "service", max_length=100)
    try:
        health = HealthStatus(status)
    except ValueError:
        raise InvalidInputError(f"a status is healthy, degraded or down: {status!r}") from None
    if response_time_ms is not None and (
        isinstance(response_time_ms, bool)
        or not isinstance(response_time_ms, int)
        or not 0 <= response_time_ms <= 2**31 - 1
    ):
        raise InvalidInputError(f"response_time_ms must be an int >= 0: {response_time_ms!r}")
    return health


@rule
def overall_status(statuses: Iterable[HealthStatus | str]) -> HealthStatus:
    """The worst of the services' statuses (down > degraded > healthy)."""
    try:
        levels = [HealthStatus(status) for status in statuses]
    except ValueError:
        raise InvalidInputError("a status is healthy, degraded or down") from None
    if not levels:
        raise InvalidInputError("the overall status needs at least one service")
    return max(levels, key=_SEVERITY.index)
