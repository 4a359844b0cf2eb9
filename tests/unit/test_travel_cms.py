"""travel's CMS rules (002, phase 9): deals, slugs, SEO, email templates, search, health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domainlayer.errors import ConflictError, DomainError, InvalidInputError, NotFoundError
from domainlayer.travel.cms import (
    MAX_PRICE,
    SEO_DESCRIPTION_MAX,
    SEO_KEYWORDS_MAX,
    SEO_TITLE_MAX,
    SLUG_MAX,
    SUGGESTION_TYPES,
    DealNotFound,
    DealPricing,
    DestinationNotFound,
    HealthStatus,
    InvalidPriceError,
    InvalidSlugError,
    InvalidTemplateError,
    InvalidTemplateValueError,
    MissingTemplateVariableError,
    RenderedEmail,
    SeoFields,
    SeoLimitError,
    SlugTaken,
    TemplateExists,
    TemplateNotFound,
    UnknownPlaceholderError,
    UnknownTemplateVariableError,
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
    discount_percentage,
    engagement_rates,
    normalize_query,
    overall_status,
    placeholders,
    render_email,
    slugify,
)

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_the_errors_sit_in_the_domain_hierarchy() -> None:
    for error in (
        InvalidPriceError,
        InvalidSlugError,
        SeoLimitError,
        InvalidTemplateError,
        MissingTemplateVariableError,
        UnknownTemplateVariableError,
        InvalidTemplateValueError,
    ):
        assert issubclass(error, InvalidInputError)
    assert issubclass(UnknownPlaceholderError, InvalidTemplateError)
    assert issubclass(SlugTaken, ConflictError) and issubclass(TemplateExists, ConflictError)
    for missing in (DealNotFound, DestinationNotFound, TemplateNotFound):
        assert issubclass(missing, NotFoundError) and issubclass(missing, DomainError)


# Deals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "price", "percent"),
    [
        (Decimal("100.00"), Decimal("50.00"), 50),
        # 33.33...% is advertised as 33, never rounded up
        ("300", "200", 33),
        ("3", "2", 33),
        # 66.67% -> 66
        ("300", "100", 66),
        ("100", "99.99", 0),
        ("100", "0.01", 99),
        ("0.03", "0.02", 33),
        (200, 150, 25),
        ("999.99", "899.99", 10),
        (MAX_PRICE, "0.01", 99),
    ],
)
def test_the_discount_is_rounded_down(
    original: Decimal | int | str, price: Decimal | int | str, percent: int
) -> None:
    assert discount_percentage(original, price) == percent


@pytest.mark.parametrize(
    ("original", "price"),
    [
        ("100", "100"),  # no discount: the original is not above the price
        ("100", "150"),
        ("0", "10"),
        ("-5", "1"),
    ],
)
def test_the_original_price_must_be_above_the_price(
    original: Decimal | int | str, price: Decimal | int | str
) -> None:
    with pytest.raises(InvalidPriceError):
        discount_percentage(original, price)


@pytest.mark.parametrize(
    "price",
    [
        0,
        "0.00",
        "-1",
        "0.001",  # 3 decimals
        "19.999",
        19.99,  # floats are refused
        True,
        None,
        "abc",
        "NaN",
        "Infinity",
        MAX_PRICE + Decimal("0.01"),
        "100000000",
        [],
    ],
)
def test_bad_prices_are_refused(price: object) -> None:
    with pytest.raises(InvalidPriceError):
        deal_pricing(price)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("price", "original", "expected"),
    [
        ("19.99", None, DealPricing(Decimal("19.99"), None, None)),
        (20, None, DealPricing(Decimal("20.00"), None, None)),
        ("0.01", None, DealPricing(Decimal("0.01"), None, None)),
        (MAX_PRICE, None, DealPricing(MAX_PRICE, None, None)),
        ("19.9", "40", DealPricing(Decimal("19.90"), Decimal("40.00"), 50)),
        (Decimal("450.00"), Decimal("600.00"), DealPricing(Decimal("450.00"), Decimal("600"), 25)),
    ],
)
def test_deal_pricing(
    price: Decimal | int | str, original: Decimal | int | str | None, expected: DealPricing
) -> None:
    pricing = deal_pricing(price, original)
    assert pricing == expected
    # stored to the cent, as DECIMAL(10, 2)
    assert pricing.price.as_tuple().exponent == -2
    if pricing.original_price is not None:
        assert pricing.original_price.as_tuple().exponent == -2


def test_a_deal_cannot_be_priced_at_or_above_its_original() -> None:
    with pytest.raises(InvalidPriceError):
        deal_pricing("100", "100")
    with pytest.raises(InvalidPriceError):
        deal_pricing("100", "0.001")


@pytest.mark.parametrize("code", ["USD", "EUR", "JPY", "MXN"])
def test_currencies_are_iso_codes(code: str) -> None:
    assert check_currency(code) == code


@pytest.mark.parametrize("code", ["usd", "US", "USDD", "", "U$D", " USD", "USD\n", None, 840])
def test_bad_currencies_are_refused(code: object) -> None:
    with pytest.raises(InvalidInputError, match=r"a currency is three capital letters \(ISO"):
        check_currency(code)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [
        (None, None),
        (NOW, None),
        (None, NOW),
        (NOW, NOW + timedelta(microseconds=1)),
        (NOW, NOW + timedelta(days=30)),
    ],
)
def test_good_deal_windows(valid_from: datetime | None, valid_until: datetime | None) -> None:
    check_deal_window(valid_from, valid_until)


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [
        (NOW, NOW),  # empty window
        (NOW, NOW - timedelta(seconds=1)),
        (datetime(2026, 11, 30, 12), None),  # naive
        (None, datetime(2026, 12, 30, 12)),
        ("2026-11-30", None),
    ],
)
def test_bad_deal_windows(valid_from: object, valid_until: object) -> None:
    with pytest.raises(
        InvalidInputError, match=r"must be a timezone-aware datetime|valid_until must be after"
    ):
        check_deal_window(valid_from, valid_until)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("views", "clicks", "bookings", "ctr", "booking_rate"),
    [
        (0, 0, 0, None, None),
        (100, 0, 0, 0.0, None),
        (100, 25, 5, 0.25, 0.2),
        (3, 1, 1, 1 / 3, 1.0),
        (1, 1, 0, 1.0, 0.0),
    ],
)
def test_engagement_rates(
    views: int, clicks: int, bookings: int, ctr: float | None, booking_rate: float | None
) -> None:
    assert engagement_rates(views, clicks, bookings) == (ctr, booking_rate)


@pytest.mark.parametrize("counts", [(-1, 0, 0), (0, -1, 0), (0, 0, -1), (True, 0, 0), (1.0, 0, 0)])
def test_engagement_counts_are_non_negative_ints(counts: tuple[object, object, object]) -> None:
    with pytest.raises(InvalidInputError, match=r"(views|clicks|bookings) must be a count >= 0"):
        engagement_rates(*counts)  # type: ignore[arg-type]


# Slugs and SEO ----------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["a", "lisbon", "new-york-2027", "x" * SLUG_MAX, "a1-b2-c3"])
def test_good_slugs(slug: str) -> None:
    assert check_slug(slug) == slug


@pytest.mark.parametrize(
    "slug",
    [
        "",
        "Lisbon",
        "new york",
        "new--york",
        "-lisbon",
        "lisbon-",
        "são-paulo",
        "x" * (SLUG_MAX + 1),
        "lisbon\n",
        "a_b",
        None,
    ],
)
def test_bad_slugs(slug: object) -> None:
    with pytest.raises(InvalidSlugError):
        check_slug(slug)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Lisbon", "lisbon"),
        ("  New York  City ", "new-york-city"),
        ("São Paulo", "sao-paulo"),
        ("Zürich & Genève!", "zurich-geneve"),
        ("Cancún: 7 nights -- all inclusive", "cancun-7-nights-all-inclusive"),
        ("Ærø", "r"),  # Æ and ø have no ASCII decomposition: dropped
        ("2027", "2027"),
        ("Tokyo 東京", "tokyo"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugify_cuts_long_titles_at_a_word() -> None:
    long_title = " ".join(["paris"] * 30)  # 179 characters as a slug
    slug = slugify(long_title)
    assert len(slug) <= SLUG_MAX
    assert slug == "-".join(["paris"] * 16)  # 16 * 6 - 1 = 95 characters, whole words
    # a title whose 100th character ends a word keeps exactly 100
    exact = "-".join(["abcd"] * 20)  # 99 characters
    assert slugify(exact + "e extra") == exact + "e"
    # one word longer than the limit is cut at the limit
    assert slugify("a" * 150) == "a" * SLUG_MAX
    # the cut lands right after a word: no trailing hyphen
    assert slugify("b" * SLUG_MAX + " tail") == "b" * SLUG_MAX


@pytest.mark.parametrize("text", ["", "   ", "!!!", "東京", "---", None])
def test_slugify_needs_some_ascii(text: object) -> None:
    with pytest.raises(InvalidSlugError):
        slugify(text)  # type: ignore[arg-type]


def test_seo_fields_are_trimmed_and_keywords_deduplicated() -> None:
    seo = check_seo(
        "  Lisbon   travel  guide ",
        "Where to eat, sleep and wander.",
        [" Lisbon ", "lisbon", "PORTUGAL", "city  break"],
    )
    assert seo == SeoFields(
        "Lisbon travel guide",
        "Where to eat, sleep and wander.",
        ("lisbon", "portugal", "city break"),
    )
    assert check_seo(None, None) == SeoFields(None, None, ())


@pytest.mark.parametrize(
    ("title", "description", "keywords", "ok"),
    [
        ("t" * SEO_TITLE_MAX, None, (), True),
        ("t" * (SEO_TITLE_MAX + 1), None, (), False),
        (None, "d" * SEO_DESCRIPTION_MAX, (), True),
        (None, "d" * (SEO_DESCRIPTION_MAX + 1), (), False),
        (None, None, [f"k{n}" for n in range(SEO_KEYWORDS_MAX)], True),
        (None, None, [f"k{n}" for n in range(SEO_KEYWORDS_MAX + 1)], False),
        # duplicates count once
        (None, None, [f"k{n}" for n in range(SEO_KEYWORDS_MAX)] + ["K0"], True),
        ("   ", None, (), False),
        (None, "", (), False),
        (None, None, ["ok", " "], False),
        (None, None, ["x" * 50], True),
        (None, None, ["x" * 51], False),
        (None, None, "lisbon", False),  # a string is not a keyword list
        (None, None, [3], False),
    ],
)
def test_seo_limits(title: str | None, description: str | None, keywords: object, ok: bool) -> None:
    if ok:
        check_seo(title, description, keywords)  # type: ignore[arg-type]
    else:
        with pytest.raises(SeoLimitError):
            check_seo(title, description, keywords)  # type: ignore[arg-type]


# Generic checks ---------------------------------------------------------------------------


def test_check_text_and_limit() -> None:
    assert check_text("  Lisbon ", "name", max_length=10) == "Lisbon"
    assert check_text(None, "name", max_length=10, required=False) is None
    assert check_text("x" * 10, "name", max_length=10) == "x" * 10
    for bad in (None, "", "  ", "x" * 11, 5):
        with pytest.raises(
            InvalidInputError, match=r"name (must be non-blank text|is at most 10 characters)"
        ):
            check_text(bad, "name", max_length=10)  # type: ignore[arg-type]
    assert check_limit(1) == 1 and check_limit(50) == 50 and check_limit(100, maximum=100) == 100
    for bad_limit in (0, 51, -1, True, 1.0, "5"):
        with pytest.raises(InvalidInputError, match=r"limit must be 1\.\.50"):
            check_limit(bad_limit)  # type: ignore[arg-type]


# Email templates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Hello", ()),
        ("Hi {{name}}", ("name",)),
        ("Hi {{  name  }}, {{ deal_title }} for {{name}}", ("name", "deal_title")),
        ("{{a}}{{b}}{{a}}", ("a", "b")),
        ("{ single } braces } }} are text", ()),
        ("{{_private1}}", ("_private1",)),
    ],
)
def test_placeholders(text: str, names: tuple[str, ...]) -> None:
    assert placeholders(text) == names


@pytest.mark.parametrize(
    "text", ["{{", "Hi {{ name }", "{{ 1name }}", "{{ first name }}", "{{}}", "{{ a.b }}"]
)
def test_malformed_placeholders(text: str) -> None:
    with pytest.raises(InvalidTemplateError):
        placeholders(text)


def test_check_template() -> None:
    assert check_template("Hi {{name}}", "<p>{{ name }}</p>", None, ["name", "unused"]) == (
        "name",
        "unused",
    )
    with pytest.raises(UnknownPlaceholderError):
        check_template("Hi {{name}}", "<p>{{ deal }}</p>", None, ["name"])
    with pytest.raises(UnknownPlaceholderError):
        check_template("Hi", "<p>x</p>", "text {{ secret }}", [])
    with pytest.raises(InvalidTemplateError):
        check_template("Hi", "<p>x</p>", None, ["name", "name"])
    with pytest.raises(InvalidTemplateError):
        check_template("Hi", "<p>x</p>", None, ["not a name"])
    with pytest.raises(InvalidTemplateError):
        check_template("Hi", "<p>x</p>", None, "name")
    with pytest.raises(InvalidTemplateError):
        check_template("Hi {{", "<p>x</p>", None, [])
    for subject, body in (("", "<p>x</p>"), ("Hi", "  "), ("s" * 201, "<p>x</p>")):
        with pytest.raises(
            InvalidInputError, match=r"(subject|html_body) (must be non-blank|is at most 200)"
        ):
            check_template(subject, body, None, [])


WELCOME = (
    "Hello {{ name }}: {{ deal }}",
    "<p>Hi {{ name }}, see <b>{{ deal }}</b> from {{ price }}</p>",
    "Hi {{name}}, {{deal}} from {{price}}",
    ["name", "deal", "price", "coupon"],
)


def test_render_email_fills_every_part() -> None:
    rendered = render_email(*WELCOME, {"name": "Ana", "deal": "Lisbon", "price": Decimal("199.00")})
    assert rendered == RenderedEmail(
        "Hello Ana: Lisbon",
        "<p>Hi Ana, see <b>Lisbon</b> from 199.00</p>",
        "Hi Ana, Lisbon from 199.00",
    )
    only_html = render_email("Hi", "<p>{{ n }}</p>", None, ["n"], {"n": 7})
    assert only_html == RenderedEmail("Hi", "<p>7</p>", None)


def test_render_email_escapes_html_only_in_the_html_body() -> None:
    evil = "<script>alert(\"x\")</script> & 'co'"
    rendered = render_email(*WELCOME, {"name": evil, "deal": "A&B", "price": 1})
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;co&#x27;" in rendered.html
    assert "<b>A&amp;B</b>" in rendered.html
    # the subject and the text part are not HTML: no entities there
    assert rendered.subject == f"Hello {evil}: A&B"
    assert rendered.text == f"Hi {evil}, A&B from 1"


@pytest.mark.parametrize("value", ["Ana\r\nBcc: victim@example.com", "line\nbreak", "cr\r"])
def test_a_line_break_in_the_subject_is_refused(value: str) -> None:
    with pytest.raises(InvalidTemplateValueError):
        render_email(*WELCOME, {"name": value, "deal": "Lisbon", "price": 1})


def test_a_line_break_is_fine_outside_the_subject() -> None:
    rendered = render_email("Hi", "<p>{{ note }}</p>", "{{ note }}", ["note"], {"note": "a\nb"})
    assert rendered.html == "<p>a\nb</p>" and rendered.text == "a\nb"


def test_replacement_is_single_pass() -> None:
    # a value that looks like a placeholder stays text, even one of a declared variable
    rendered = render_email(*WELCOME, {"name": "{{ deal }}", "deal": "{{ name }}", "price": 2})
    assert rendered.subject == "Hello {{ deal }}: {{ name }}"
    assert rendered.text == "Hi {{ deal }}, {{ name }} from 2"
    assert rendered.html == "<p>Hi {{ deal }}, see <b>{{ name }}</b> from 2</p>"


def test_missing_and_undeclared_values() -> None:
    with pytest.raises(MissingTemplateVariableError, match=r"price"):
        render_email(*WELCOME, {"name": "Ana", "deal": "Lisbon"})
    with pytest.raises(MissingTemplateVariableError):
        render_email(*WELCOME, {"name": "Ana", "deal": "Lisbon", "price": None})
    with pytest.raises(UnknownTemplateVariableError, match=r"hacker"):
        render_email(*WELCOME, {"name": "Ana", "deal": "L", "price": 1, "hacker": "x"})
    # a declared but unused variable may be given or left out
    rendered = render_email(*WELCOME, {"name": "A", "deal": "L", "price": 1, "coupon": "X"})
    assert "X" not in rendered.html


@pytest.mark.parametrize("value", [True, None, ["a"], {"a": 1}, float("nan"), float("inf"), b"x"])
def test_values_are_text_or_finite_numbers(value: object) -> None:
    with pytest.raises(
        (MissingTemplateVariableError, InvalidTemplateValueError),
        match=r"no value for \['v'\]|v must be (text or a number|a finite number)",
    ):
        render_email("Hi", "<p>{{ v }}</p>", None, ["v"], {"v": value})


def test_values_must_be_a_mapping() -> None:
    with pytest.raises(InvalidTemplateValueError):
        render_email("Hi", "<p>x</p>", None, [], [("v", 1)])  # type: ignore[arg-type]


def test_rendering_checks_the_template_itself() -> None:
    with pytest.raises(UnknownPlaceholderError):
        render_email("Hi {{ who }}", "<p>x</p>", None, [], {})


# Search suggestions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("Lisbon", "lisbon"),
        ("  New   York\tCity ", "new york city"),
        ("\uff2c\uff29\uff33\uff22\uff2f\uff2e", "lisbon"),  # full-width LISBON: NFKC
        ("Straße", "strasse"),  # case-folded, not just lowered
        ("São Paulo", "são paulo"),  # accents are kept
        ("ﬂights", "flights"),  # the ligature decomposes
    ],
)
def test_normalize_query(text: str, query: str) -> None:
    assert normalize_query(text) == query


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "x" * 201, None, 5])
def test_bad_queries(text: object) -> None:
    with pytest.raises(InvalidInputError, match=r"a search query is (text|1\.\.200 characters)"):
        normalize_query(text)  # type: ignore[arg-type]


def test_query_length_is_checked_after_normalising() -> None:
    assert normalize_query("  " + "x" * 200 + "  ") == "x" * 200
    assert normalize_query("abc", max_length=3) == "abc"
    with pytest.raises(InvalidInputError, match=r"a search query is 1\.\.3 characters"):
        normalize_query("abcd", max_length=3)


@pytest.mark.parametrize("kind", sorted(SUGGESTION_TYPES))
def test_suggestion_types(kind: str) -> None:
    assert check_suggestion_type(kind) == kind


@pytest.mark.parametrize("kind", ["city", "", "Destination", None])
def test_bad_suggestion_types(kind: object) -> None:
    with pytest.raises(InvalidInputError, match=r"a suggestion type is one of"):
        check_suggestion_type(kind)  # type: ignore[arg-type]


def test_suggestion_types_are_the_schema_ones() -> None:
    assert frozenset({"destination", "airport", "deal", "query"}) == SUGGESTION_TYPES


# Health -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "response_time", "expected"),
    [
        ("healthy", 12, HealthStatus.HEALTHY),
        ("degraded", None, HealthStatus.DEGRADED),
        ("down", 0, HealthStatus.DOWN),
        (HealthStatus.DOWN, 2**31 - 1, HealthStatus.DOWN),
    ],
)
def test_health_checks(status: str, response_time: int | None, expected: HealthStatus) -> None:
    assert check_health_check("database", status, response_time) is expected


@pytest.mark.parametrize(
    ("service", "status", "response_time"),
    [
        ("database", "ok", 1),
        ("database", "HEALTHY", 1),
        ("database", "healthy", -1),
        ("database", "healthy", 2**31),
        ("database", "healthy", 1.5),
        ("database", "healthy", True),
        ("", "healthy", 1),
        ("   ", "healthy", 1),
        ("s" * 101, "healthy", 1),
    ],
)
def test_bad_health_checks(service: str, status: str, response_time: object) -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"service (must be non-blank|is at most 100)|a status is healthy|response_time_ms",
    ):
        check_health_check(service, status, response_time)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("statuses", "overall"),
    [
        (["healthy"], HealthStatus.HEALTHY),
        (["healthy", "healthy"], HealthStatus.HEALTHY),
        (["healthy", "degraded", "healthy"], HealthStatus.DEGRADED),
        (["degraded", "down", "healthy"], HealthStatus.DOWN),
        (["down", "degraded"], HealthStatus.DOWN),
        ([HealthStatus.DEGRADED], HealthStatus.DEGRADED),
    ],
)
def test_overall_status_is_the_worst(statuses: list[str], overall: HealthStatus) -> None:
    assert overall_status(statuses) is overall
    assert overall_status(reversed(statuses)) is overall


@pytest.mark.parametrize("statuses", [[], ["healthy", "unknown"], "healthy"])
def test_overall_status_needs_known_statuses(statuses: object) -> None:
    with pytest.raises(InvalidInputError, match=r"a status is healthy|needs at least one service"):
        overall_status(statuses)  # type: ignore[arg-type]
