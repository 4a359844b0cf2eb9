"""travel's CMS rules (002, phase 9) at each documented edge and one step either side.

Deals are ``DECIMAL(10, 2)``: 0.01 .. 99,999,999.99, two decimals, the discount rounded
down; slugs at most 100 characters, cut at a word; SEO: meta title 60, description 160, 10
keywords of at most 50 characters; template subjects at most 200 characters and bodies
500,000; a service name at most 100 characters and a response time up to 2**31 - 1 ms.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest

from domainlayer.errors import InvalidInputError
from domainlayer.travel.cms import (
    MAX_PRICE,
    SEO_DESCRIPTION_MAX,
    SEO_KEYWORDS_MAX,
    SEO_TITLE_MAX,
    SLUG_MAX,
    DealPricing,
    HealthStatus,
    InvalidPriceError,
    InvalidSlugError,
    InvalidTemplateError,
    InvalidTemplateValueError,
    MissingTemplateVariableError,
    RenderedEmail,
    SeoFields,
    SeoLimitError,
    check_health_check,
    check_limit,
    check_seo,
    check_slug,
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


def test_the_documented_limits() -> None:
    assert (SLUG_MAX, SEO_TITLE_MAX, SEO_DESCRIPTION_MAX, SEO_KEYWORDS_MAX) == (100, 60, 160, 10)
    assert Decimal("99999999.99") == MAX_PRICE


# Deals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "price", "percent"),
    [
        # every percent is floor((original - price) / original * 100)
        ("100", "1", 99),
        ("100", "50.5", 49),
        ("100", "49.5", 50),
        ("200", "101", 49),
        ("1000", "999", 0),
        ("1000", "990", 1),
        ("1000", "989.99", 1),
        ("7", "1", 85),  # 85.71
        ("9", "1", 88),  # 88.88
    ],
)
def test_discounts(original: str, price: str, percent: int) -> None:
    assert discount_percentage(original, price) == percent


@pytest.mark.parametrize("price", ["0.01", "1", "99999999.99", Decimal("5.10"), 7])
def test_prices_from_one_cent_to_the_column_maximum(price: Decimal | int | str) -> None:
    pricing = deal_pricing(price)
    assert pricing == DealPricing(Decimal(price).quantize(Decimal("0.01")), None, None)


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("0", r"must be in 0\.01\.\.99999999\.99"),
        ("-0.01", r"must be in 0\.01\.\.99999999\.99"),
        ("100000000.00", r"must be in 0\.01\.\.99999999\.99"),
        ("1.005", "has at most 2 decimals"),
        ("x", "is not an amount"),
        (1.5, "must be a Decimal, int or str amount"),
    ],
)
def test_prices_out_of_range(price: object, message: str) -> None:
    with pytest.raises(InvalidPriceError, match=message):
        deal_pricing(price)  # type: ignore[arg-type]


def test_an_original_price_one_cent_above_is_a_deal() -> None:
    assert deal_pricing("99.99", "100.00") == DealPricing(Decimal("99.99"), Decimal("100.00"), 0)
    with pytest.raises(InvalidPriceError, match="must be above the price"):
        deal_pricing("100.00", "100.00")
    with pytest.raises(InvalidPriceError, match="must be above the price"):
        deal_pricing("100.01", "100.00")


def test_engagement_rates_at_zero_and_one() -> None:
    assert engagement_rates(0, 0, 0) == (None, None)
    assert engagement_rates(1, 0, 0) == (0.0, None)
    assert engagement_rates(4, 2, 1) == (0.5, 0.5)
    assert engagement_rates(10, 4, 1) == (0.4, 0.25)


# Generic checks ---------------------------------------------------------------------------


def test_optional_text() -> None:
    assert check_text(None, "note", max_length=5, required=False) is None
    assert check_text(" ab ", "note", max_length=5, required=False) == "ab"
    with pytest.raises(InvalidInputError, match="note must be non-blank text"):
        check_text(None, "note", max_length=5)
    with pytest.raises(InvalidInputError, match="note must be non-blank text"):
        check_text("  ", "note", max_length=5, required=False)
    with pytest.raises(InvalidInputError, match="note is at most 5 characters"):
        check_text("abcdef", "note", max_length=5, required=False)


def test_limits() -> None:
    assert [check_limit(n) for n in (1, 2, 49, 50)] == [1, 2, 49, 50]
    assert check_limit(10, maximum=10) == 10
    with pytest.raises(InvalidInputError, match=r"limit must be 1\.\.10: 11"):
        check_limit(11, maximum=10)
    with pytest.raises(InvalidInputError, match=r"limit must be 1\.\.50: 0"):
        check_limit(0)


# Slugs ------------------------------------------------------------------------------------


def test_a_slug_of_exactly_100_characters() -> None:
    words = "-".join(["abcd"] * 20) + "e"  # 100 characters, hyphens inside
    assert len(words) == SLUG_MAX
    assert check_slug(words) == words
    assert slugify(words) == words
    assert slugify(words.replace("-", " ")) == words
    with pytest.raises(InvalidSlugError, match="a slug is lowercase words"):
        check_slug(words + "x")


def test_a_long_title_is_cut_at_the_last_whole_word() -> None:
    # 50 a's, 50 b's, then a short word: the 101st character is a hyphen-free 'b'
    title = "a" * 50 + " " + "b" * 50 + " c"
    assert slugify(title) == "a" * 50
    # the 101st character is the hyphen after a 100-character prefix of whole words
    title = "a" * 49 + " " + "b" * 50 + " cc"
    assert slugify(title) == "a" * 49 + "-" + "b" * 50
    # a word ends at 99 characters: it stays, the next word goes
    title = "a" * 48 + " " + "b" * 50 + " cc dd"
    assert slugify(title) == "a" * 48 + "-" + "b" * 50


def test_a_slug_of_101_characters_is_refused() -> None:
    with pytest.raises(InvalidSlugError, match="a slug is lowercase words"):
        check_slug("a" * 101)


# SEO --------------------------------------------------------------------------------------


def test_seo_limits_count_characters_after_collapsing_spaces() -> None:
    title = " ".join(["abcd"] * 12)  # 59 characters
    assert check_seo(title.replace(" ", "   "), None).title == title
    description = "d" * 80 + "     " + "e" * 79  # 160 once the spaces collapse
    assert check_seo(None, description).description == "d" * 80 + " " + "e" * 79


@pytest.mark.parametrize(
    ("title", "description", "message"),
    [
        ("t" * 61, None, "the SEO title is at most 60 characters, not 61"),
        (None, "d" * 161, "the SEO description is at most 160 characters, not 161"),
        ("", None, "the SEO title must be non-blank"),
        (None, "  ", "the SEO description must be non-blank"),
        (7, None, "the SEO title must be non-blank"),
    ],
)
def test_seo_text_limits(title: object, description: object, message: str) -> None:
    with pytest.raises(SeoLimitError, match=message):
        check_seo(title, description)  # type: ignore[arg-type]


def test_ten_keywords_and_the_eleventh() -> None:
    ten = [f"word{n}" for n in range(10)]
    assert check_seo(None, None, ten) == SeoFields(None, None, tuple(ten))
    assert check_seo(None, None, (" City   Break ", "city break")).keywords == ("city break",)
    with pytest.raises(SeoLimitError, match="at most 10 SEO keywords"):
        check_seo(None, None, [*ten, "word10"])
    with pytest.raises(SeoLimitError, match=r"an SEO keyword is 1\.\.50 characters"):
        check_seo(None, None, ["k" * 51])
    with pytest.raises(SeoLimitError, match="SEO keywords are a list of words"):
        check_seo(None, None, {"lisbon"})  # type: ignore[arg-type]


# Templates --------------------------------------------------------------------------------


def test_a_malformed_placeholder_is_named_with_its_position_and_20_characters() -> None:
    with pytest.raises(
        InvalidTemplateError, match=r"^malformed placeholder at 3: '\{\{ 12345678901234567'$"
    ):
        placeholders("Hi {{ 1234567890123456789 }}")
    # a second, malformed placeholder after a good one
    with pytest.raises(InvalidTemplateError, match=r"^malformed placeholder at 11: '\{\{ x'$"):
        placeholders("{{ name }} {{ x")


def test_placeholder_names_up_to_64_characters() -> None:
    name = "n" * 64
    assert placeholders("{{ " + name + " }}") == (name,)
    with pytest.raises(InvalidTemplateError, match="malformed placeholder"):
        placeholders("{{ " + name + "n }}")


def test_template_part_limits() -> None:
    assert check_template("s" * 200, "b" * 500_000, "t" * 500_000, []) == ()
    with pytest.raises(InvalidInputError, match="subject is at most 200 characters"):
        check_template("s" * 201, "b", None, [])
    with pytest.raises(InvalidInputError, match="html_body is at most 500000 characters"):
        check_template("s", "b" * 500_001, None, [])
    with pytest.raises(InvalidInputError, match="text_body is at most 500000 characters"):
        check_template("s", "b", "t" * 500_001, [])
    with pytest.raises(InvalidInputError, match="text_body must be non-blank text"):
        check_template("s", "b", " ", [])


def test_placeholders_are_checked_in_every_part() -> None:
    assert check_template("{{ a }}", "{{ b }}", "{{ c }}", ["a", "b", "c"]) == ("a", "b", "c")
    parts: list[tuple[str, str, str | None]] = [
        ("{{ a }}", "b", None),
        ("s", "{{ a }}", None),
        ("s", "b", "{{ a }}"),
    ]
    for subject, html_body, text_body in parts:
        with pytest.raises(InvalidTemplateError, match=r"not among the variables: \['a'\]"):
            check_template(subject, html_body, text_body, ["b"])


def test_a_value_for_an_unused_variable_is_fine_and_none_only_matters_where_used() -> None:
    rendered = render_email("Hi", "<p>{{ a }}</p>", None, ["a", "b"], {"a": "x", "b": None})
    assert rendered == RenderedEmail("Hi", "<p>x</p>", None)
    with pytest.raises(MissingTemplateVariableError, match=r"no value for \['a'\]"):
        render_email("Hi", "<p>{{ a }}</p>", None, ["a", "b"], {"a": None, "b": "y"})


def test_a_line_break_is_refused_only_in_values_used_by_the_subject() -> None:
    rendered = render_email(
        "Hi {{ a }}", "<p>{{ b }}</p>", "{{ b }}", ["a", "b"], {"a": "Ana", "b": "x\r\ny"}
    )
    assert rendered == RenderedEmail("Hi Ana", "<p>x\r\ny</p>", "x\r\ny")
    for value in ("x\ry", "x\ny"):
        with pytest.raises(InvalidTemplateValueError, match="a has a line break"):
            render_email("Hi {{ a }}", "<p>b</p>", None, ["a"], {"a": value})


def test_numbers_are_rendered_as_written() -> None:
    rendered = render_email(
        "{{ a }} {{ b }}", "<p>{{ c }}</p>", None, ["a", "b", "c"], {"a": 3, "b": 2.5, "c": "<"}
    )
    assert rendered == RenderedEmail("3 2.5", "<p>&lt;</p>", None)


# Search and health ------------------------------------------------------------------------


def test_a_query_of_200_characters_and_one_more() -> None:
    assert normalize_query("Q" * 200) == "q" * 200
    with pytest.raises(InvalidInputError, match=r"a search query is 1\.\.200 characters"):
        normalize_query("q" * 201)
    with pytest.raises(InvalidInputError, match=r"a search query is 1\.\.200 characters"):
        normalize_query("   ")


@pytest.mark.parametrize("time_ms", [None, 0, 1, 2**31 - 2, 2**31 - 1])
def test_response_times_from_0_to_the_int_column_maximum(time_ms: int | None) -> None:
    assert check_health_check("s" * 100, "degraded", time_ms) is HealthStatus.DEGRADED


@pytest.mark.parametrize("time_ms", [-1, 2**31, 2**32])
def test_response_times_outside_the_int_column(time_ms: int) -> None:
    with pytest.raises(InvalidInputError, match="response_time_ms must be an int >= 0"):
        check_health_check("api", "healthy", time_ms)


def test_a_service_name_of_101_characters_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="service is at most 100 characters"):
        check_health_check("s" * 101, "healthy", 1)


@pytest.mark.parametrize(
    ("statuses", "overall"),
    [
        (["healthy", "degraded"], HealthStatus.DEGRADED),
        (["degraded", "healthy"], HealthStatus.DEGRADED),
        (["down", "healthy"], HealthStatus.DOWN),
        (["healthy", "down"], HealthStatus.DOWN),
        (["degraded", "down"], HealthStatus.DOWN),
        (["down", "degraded"], HealthStatus.DOWN),
        (["down"], HealthStatus.DOWN),
    ],
)
def test_the_system_is_as_bad_as_its_worst_service(
    statuses: list[str], overall: HealthStatus
) -> None:
    assert overall_status(statuses) is overall


# Values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (DealPricing(Decimal("1.00"), None, None), "price"),
        (SeoFields(None, None, ()), "title"),
        (RenderedEmail("s", "h", None), "subject"),
    ],
)
def test_results_are_frozen_slotted_values(value: object, field: str) -> None:
    with pytest.raises(FrozenInstanceError):
        setattr(value, field, None)
    assert not hasattr(value, "__dict__")


def test_limits_are_keyword_arguments() -> None:
    # every argument may be named; the limits can only be named
    assert check_text(value=" x ", name="note", max_length=5) == "x"
    assert check_limit(limit=3) == 3
    assert normalize_query(text="Lisbon") == "lisbon"
    for call in (
        lambda: check_text("x", "note", 5),  # type: ignore[call-arg]
        lambda: check_limit(3, 10),  # type: ignore[call-arg]
        lambda: normalize_query("Lisbon", 10),  # type: ignore[call-arg]
    ):
        with pytest.raises(InvalidInputError, match="too many positional arguments"):
            call()
