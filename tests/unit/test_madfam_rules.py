"""madfam rules (004), table-tested: lead scoring, assessment scoring, tiers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domainlayer.errors import InvalidInputError
from domainlayer.madfam.rules import (
    ASSESSMENT_QUESTIONS,
    CATEGORY_WEIGHTS,
    COMPANY_SIZE_SCORES,
    ENVIRONMENTS,
    FREE_EMAIL_DOMAINS,
    INDUSTRY_SCORES,
    InvalidAnswersError,
    InvalidFlagError,
    InvalidLeadError,
    InvalidScoreError,
    ServiceTier,
    category_scores,
    check_environment,
    check_flag_key,
    flag_rule,
    is_business_email,
    score_assessment,
    score_lead,
    tier_for_score,
    user_groups,
)

FREE = "a@gmail.com"
LONG = "We want to automate our parametric design workflow end to end."  # 63 chars
assert len(LONG) > 50


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"email": "ana@gmail.com"}, 40, id="base score only, free mail"),
        pytest.param({"email": "ana@acme.mx"}, 60, id="business email adds 20"),
        pytest.param({"email": FREE, "company": "Acme"}, 55, id="company adds 15"),
        pytest.param({"email": FREE, "phone": "+52 55"}, 50, id="phone adds 10"),
        pytest.param({"email": FREE, "message": LONG}, 50, id="long message adds 10"),
        pytest.param({"email": FREE, "message": "x" * 50}, 40, id="exactly 50 is not longer"),
        pytest.param({"email": FREE, "message": "x" * 51}, 50, id="51 characters is longer"),
        pytest.param({"email": FREE, "tier": "L3_CONSULTING"}, 45, id="tier adds 5"),
        pytest.param({"email": FREE, "industry": "Manufacturing"}, 55, id="industry up to 15"),
        pytest.param({"email": FREE, "industry": "real estate"}, 45, id="industry normalised"),
        pytest.param({"email": FREE, "industry": "knitting"}, 40, id="unknown industry 0"),
        pytest.param({"email": FREE, "company_size": "201-500"}, 50, id="size up to 10"),
        pytest.param({"email": FREE, "company": "  "}, 40, id="blank company counts not"),
        pytest.param(
            {
                "email": "ceo@acme.com",
                "company": "Acme",
                "phone": "1",
                "message": LONG,
                "tier": ServiceTier.L5_STRATEGIC,
                "industry": "technology",
                "company_size": "1000+",
            },
            100,
            id="everything clamps to 100",
        ),
    ],
)
def test_score_lead_follows_the_documented_algorithm(kwargs: dict[str, str], expected: int) -> None:
    assert score_lead(**kwargs) == expected


@pytest.mark.parametrize(
    ("email", "business"),
    [
        ("a@acme.com", True),
        ("a@gmail.com", False),
        ("a@mail.yahoo.com", False),
        ("a@yahoo.com.mx", False),
        ("a@hotmail.es", False),
        ("a@outlook-partner.com", True),
        ("not-an-email", False),
    ],
)
def test_business_email_excludes_free_mail_providers(email: str, business: bool) -> None:
    assert is_business_email(email) is business


@pytest.mark.parametrize("kwargs", [{"email": "nope"}, {"email": "a@b.com", "tier": "L9"}])
def test_score_lead_refuses_bad_input(kwargs: dict[str, str]) -> None:
    with pytest.raises(InvalidLeadError):
        score_lead(**kwargs)


def test_there_are_ten_questions_covering_every_category() -> None:
    assert len(ASSESSMENT_QUESTIONS) == 10
    assert {q.category for q in ASSESSMENT_QUESTIONS} == set(CATEGORY_WEIGHTS)
    assert len({q.id for q in ASSESSMENT_QUESTIONS}) == 10


def _answers(default: int, **overrides: int) -> dict[str, int]:
    answers = {q.id: default for q in ASSESSMENT_QUESTIONS}
    answers.update(overrides)
    return answers


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        pytest.param(_answers(1), 0, id="all ones score 0"),
        pytest.param(_answers(5), 100, id="all fives score 100"),
        pytest.param(_answers(3), 50, id="all threes score 50"),
        # technology (3 answers of 5) = 100 * 0.30 = 30; the rest 0 -> 30
        pytest.param(
            _answers(1, tech_infrastructure=5, data_availability=5, tool_adoption=5),
            30,
            id="technology alone weighs 30 percent",
        ),
        # strategy: leadership 5 -> 100, investment 1 -> 0: mean 50 * 0.20 = 10
        pytest.param(_answers(1, leadership_vision=5), 10, id="one strategy answer"),
        # technology: one 2 -> 25/3 = 8.33.. * 0.30 = 2.5 -> rounds half up to 3
        pytest.param(_answers(1, tech_infrastructure=2), 3, id="2.5 rounds half up to 3"),
    ],
)
def test_score_assessment_weights_category_means(answers: dict[str, int], expected: int) -> None:
    assert score_assessment(answers) == expected


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({k: v for k, v in _answers(3).items() if k != "team_skills"}, id="missing"),
        pytest.param(_answers(3, unknown_question=3), id="unknown question"),
        pytest.param(_answers(3, team_skills=0), id="below 1"),
        pytest.param(_answers(3, team_skills=6), id="above 5"),
        pytest.param(_answers(3, team_skills=True), id="a bool is not an answer"),
    ],
)
def test_score_assessment_refuses_bad_answers(answers: dict[str, int]) -> None:
    with pytest.raises(InvalidAnswersError) as raised:
        score_assessment(answers)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("score", "tier"),
    [
        (0, "L1_ESSENTIALS"),
        (30, "L1_ESSENTIALS"),
        (31, "L2_ADVANCED"),
        (50, "L2_ADVANCED"),
        (51, "L3_CONSULTING"),
        (70, "L3_CONSULTING"),
        (71, "L4_PLATFORMS"),
        (85, "L4_PLATFORMS"),
        (86, "L5_STRATEGIC"),
        (100, "L5_STRATEGIC"),
    ],
)
def test_tier_for_score_uses_the_documented_ranges(score: int, tier: str) -> None:
    assert tier_for_score(score) == tier
    assert tier_for_score(score) is ServiceTier[tier]


@pytest.mark.parametrize("score", [-1, 101, 50.5, True])
def test_tier_for_score_refuses_scores_outside_0_to_100(score: int) -> None:
    with pytest.raises(InvalidScoreError):
        tier_for_score(score)
    assert issubclass(InvalidScoreError, InvalidInputError)


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("NEW_LEAD_SCORING", True),
        ("A11Y_IMPROVEMENTS", True),
        ("CHAT_SUPPORT", True),
        ("chat_support", False),
        ("CHAT-SUPPORT", False),
        ("1CHAT", False),
        ("C", False),
        ("", False),
    ],
)
def test_flag_keys_are_screaming_snake_case(key: str, valid: bool) -> None:
    if valid:
        assert check_flag_key(key) == key
    else:
        with pytest.raises(InvalidFlagError):
            check_flag_key(key)


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, frozenset()),
        ([], frozenset()),
        (["beta_users", "premium_customers"], frozenset({"beta_users", "premium_customers"})),
    ],
)
def test_user_groups_read_the_stored_json(stored: object, expected: frozenset[str]) -> None:
    assert user_groups(stored) == expected


@pytest.mark.parametrize("stored", ["beta_users", [1], [""], {"beta": True}])
def test_user_groups_refuse_anything_else(stored: object) -> None:
    with pytest.raises(InvalidFlagError):
        user_groups(stored)


@pytest.mark.parametrize(
    ("row", "environments", "percentage"),
    [
        ((True, False, False, 25), {"dev": True, "staging": False, "prod": False}, 25),
        ((False, True, True, None), {"dev": False, "staging": True, "prod": True}, 0),
    ],
)
def test_flag_rule_maps_the_row(
    row: tuple[bool, bool, bool, int | None], environments: dict[str, bool], percentage: int
) -> None:
    dev, staging, prod, rollout = row
    rule = flag_rule(
        key="CHAT_SUPPORT",
        enabled=True,
        enabled_dev=dev,
        enabled_staging=staging,
        enabled_prod=prod,
        rollout_percentage=rollout,
        groups=["beta_users"],
    )
    assert dict(rule.environments or {}) == environments
    assert rule.rollout_percentage == percentage
    assert rule.target_groups == frozenset({"beta_users"})


def test_flag_rule_refuses_a_bad_percentage_as_a_flag_error() -> None:
    with pytest.raises(InvalidFlagError):
        flag_rule(
            key="CHAT_SUPPORT",
            enabled=True,
            enabled_dev=True,
            enabled_staging=False,
            enabled_prod=False,
            rollout_percentage=120,
            groups=None,
        )


# The documented tables, entry by entry ------------------------------------------------------

#: 004: "Industry relevance (+15 max)"; the module's table, pinned entry by entry.
INDUSTRIES = {
    "technology": 15, "software": 15, "manufacturing": 15, "architecture": 15,
    "engineering": 15, "fintech": 15, "design": 10, "finance": 10, "healthcare": 10,
    "retail": 10, "ecommerce": 10, "logistics": 10, "construction": 10, "media": 10,
    "education": 5, "government": 5, "real_estate": 5, "hospitality": 5, "nonprofit": 5,
    "agriculture": 5, "other": 0,
}  # fmt: skip

#: 004: "Company size (+10 max)".
SIZES = {
    "1-10": 2, "11-50": 5, "51-200": 8, "201-500": 10, "501-1000": 10, "1000+": 10,
    "enterprise": 10,
}  # fmt: skip

FREE_MAIL = [
    "gmail.com", "googlemail.com", "hotmail.com", "outlook.com", "live.com", "msn.com",
    "yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me",
    "protonmail.com", "pm.me", "gmx.com", "gmx.net", "gmx.de", "mail.com", "yandex.com",
    "yandex.ru", "zoho.com", "tutanota.com", "fastmail.com", "hey.com", "qq.com",
    "163.com", "126.com", "web.de", "libero.it", "orange.fr", "wanadoo.fr",
]  # fmt: skip


def test_the_tables_are_the_documented_ones_and_keep_their_caps() -> None:
    assert dict(INDUSTRY_SCORES) == INDUSTRIES
    assert dict(COMPANY_SIZE_SCORES) == SIZES
    assert frozenset(FREE_MAIL) == FREE_EMAIL_DOMAINS
    assert max(INDUSTRY_SCORES.values()) == 15  # "+15 max"
    assert max(COMPANY_SIZE_SCORES.values()) == 10  # "+10 max"
    assert min(INDUSTRY_SCORES.values()) >= 0 and min(COMPANY_SIZE_SCORES.values()) >= 0


@pytest.mark.parametrize(("industry", "bonus"), sorted(INDUSTRIES.items()))
def test_every_industry_adds_its_relevance(industry: str, bonus: int) -> None:
    assert score_lead(email=FREE, industry=industry) == 40 + bonus
    # names are matched case- and separator-insensitively
    spelled = industry.replace("_", " ").upper()
    assert score_lead(email=FREE, industry=f"  {spelled} ") == 40 + bonus


@pytest.mark.parametrize(("size", "bonus"), sorted(SIZES.items()))
def test_every_company_size_adds_its_points(size: str, bonus: int) -> None:
    assert score_lead(email=FREE, company_size=size) == 40 + bonus
    assert (
        score_lead(email=FREE, company_size=f" {size.upper().replace('-', ' - ')} ") == 40 + bonus
    )


@pytest.mark.parametrize("size", ["", "huge", "10-1"])
def test_an_unknown_company_size_adds_nothing(size: str) -> None:
    assert score_lead(email=FREE, company_size=size) == 40


@pytest.mark.parametrize("industry", ["", "Real-Estate-Agency", "tech"])
def test_an_unknown_industry_adds_nothing(industry: str) -> None:
    assert score_lead(email=FREE, industry=industry) == 40


@pytest.mark.parametrize("domain", FREE_MAIL)
def test_every_free_mail_provider_is_not_a_business_email(domain: str) -> None:
    assert is_business_email(f"ana@{domain}") is False
    assert is_business_email(f"ana@mx.{domain}") is False  # and its subdomains
    assert is_business_email(f"ana@{domain.upper()}") is False
    # the same name under a business domain is business mail
    assert is_business_email(f"ana@{domain.replace('.', '-')}.example") is True
    assert score_lead(email=f"ana@{domain}") == 40


@pytest.mark.parametrize(
    ("email", "business"),
    [
        ("a@yahoo.co.uk", False),
        ("a@hotmail.fr", False),
        ("a@outlook.de", False),
        ("a@live.nl", False),
        ("a@gmx.at", False),
        ("a@yandex.kz", False),
        ("a@mail.hotmail.es", False),  # a family anywhere before the top-level domain
        ("a@acme.live", True),  # the top-level domain .live is not the provider
        ("a@acme.co.uk", True),
        ("  a@acme.com  ", True),
        ("a@localhost", False),
        ("a b@acme.com", False),
    ],
)
def test_free_mail_families_cover_every_country_domain(email: str, business: bool) -> None:
    assert is_business_email(email) is business


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"phone": ""}, 40, id="empty phone"),
        pytest.param({"phone": "   "}, 40, id="blank phone"),
        pytest.param({"company": None}, 40, id="no company"),
        pytest.param({"message": " " * 10 + "x" * 50 + " " * 10}, 40, id="50 after trimming"),
        pytest.param({"message": "x" * 49}, 40, id="49 characters"),
        pytest.param({"message": None}, 40, id="no message"),
        pytest.param({"tier": "L1_ESSENTIALS"}, 45, id="any tier adds 5"),
        pytest.param({"tier": None}, 40, id="no tier"),
        pytest.param(
            {"company": "Acme", "phone": "1", "message": "x" * 51, "tier": "L2_ADVANCED"},
            80,
            id="the bonuses add up",
        ),
        pytest.param(
            {"company": "Acme", "phone": "1", "industry": "software", "company_size": "1-10"},
            82,
            id="tables add to the bonuses",
        ),
    ],
)
def test_each_bonus_counts_only_when_present(kwargs: dict[str, str], expected: int) -> None:
    assert score_lead(email=FREE, **kwargs) == expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # 40 + 15 + 10 + 20 + 10 = 95: under the cap, unchanged
        ({"company": "A", "phone": "1", "message": "x" * 51}, 95),
        # + tier 5 = exactly 100
        ({"company": "A", "phone": "1", "message": "x" * 51, "tier": "L1_ESSENTIALS"}, 100),
        # + size 2 = 102: clamped
        (
            {
                "company": "A",
                "phone": "1",
                "message": "x" * 51,
                "tier": "L1_ESSENTIALS",
                "company_size": "1-10",
            },
            100,
        ),
    ],
)
def test_the_score_is_clamped_at_100(kwargs: dict[str, str], expected: int) -> None:
    assert score_lead(email="ceo@acme.com", **kwargs) == expected


# Assessment: category scores and weights -----------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {},
            {"technology": 50, "process": 50, "team": 50, "strategy": 50},
            id="all threes: 50 everywhere",
        ),
        pytest.param(
            {"tech_infrastructure": 1, "data_availability": 2, "tool_adoption": 3},
            {"technology": 25, "process": 50, "team": 50, "strategy": 50},
            id="technology: (0 + 25 + 50) / 3",
        ),
        pytest.param(
            {"process_documentation": 4, "automation_level": 5, "process_measurement": 5},
            {"technology": 50, "process": Decimal(275) / 3, "team": 50, "strategy": 50},
            id="process: (75 + 100 + 100) / 3",
        ),
        pytest.param(
            {"team_skills": 5, "change_readiness": 4},
            {"technology": 50, "process": 50, "team": Decimal("87.5"), "strategy": 50},
            id="team: (100 + 75) / 2",
        ),
        pytest.param(
            {"leadership_vision": 1, "investment_commitment": 2},
            {"technology": 50, "process": 50, "team": 50, "strategy": Decimal("12.5")},
            id="strategy: (0 + 25) / 2",
        ),
    ],
)
def test_category_scores_are_the_mean_of_mapped_answers(
    overrides: dict[str, int], expected: dict[str, Decimal]
) -> None:
    scores = category_scores(_answers(3, **overrides))
    assert scores == {k: Decimal(v) for k, v in expected.items()}
    assert list(scores) == ["technology", "process", "team", "strategy"]


@pytest.mark.parametrize(("answer", "mapped"), [(1, 0), (2, 25), (3, 50), (4, 75), (5, 100)])
def test_each_answer_maps_to_a_quarter_step(answer: int, mapped: int) -> None:
    assert category_scores(_answers(answer)) == dict.fromkeys(CATEGORY_WEIGHTS, Decimal(mapped))


def test_category_weights_are_the_documented_ones() -> None:
    assert {
        "technology": Decimal("0.30"),
        "process": Decimal("0.25"),
        "team": Decimal("0.25"),
        "strategy": Decimal("0.20"),
    } == CATEGORY_WEIGHTS


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # process alone at 100: 25; team alone: 25; strategy alone: 20
        ({"process_documentation": 5, "automation_level": 5, "process_measurement": 5}, 25),
        ({"team_skills": 5, "change_readiness": 5}, 25),
        ({"leadership_vision": 5, "investment_commitment": 5}, 20),
        # technology 100 (30) + team 50 (12.5) = 42.5 -> 43 half up
        (
            {
                "tech_infrastructure": 5,
                "data_availability": 5,
                "tool_adoption": 5,
                "team_skills": 5,
            },
            43,
        ),
        # team 25 * 0.25 = 6.25 -> 6
        ({"team_skills": 2, "change_readiness": 2}, 6),
        # strategy 37.5 * 0.20 = 7.5 -> 8; with process 8.33 * 0.25 = 2.08: 9.58 -> 10
        ({"leadership_vision": 3, "investment_commitment": 2}, 8),
        (
            {"leadership_vision": 3, "investment_commitment": 2, "process_documentation": 2},
            10,
        ),
    ],
)
def test_each_category_weighs_as_documented(overrides: dict[str, int], expected: int) -> None:
    assert score_assessment(_answers(1, **overrides)) == expected


def test_the_environments_are_dev_staging_prod() -> None:
    assert ENVIRONMENTS == ("dev", "staging", "prod")
    for environment in ENVIRONMENTS:
        assert check_environment(environment) == environment
    with pytest.raises(InvalidFlagError, match="not one of"):
        check_environment("qa")


def test_flag_rule_keeps_a_flag_error_and_converts_other_input_errors() -> None:
    with pytest.raises(InvalidFlagError, match="SCREAMING_SNAKE_CASE"):
        flag_rule(
            key="chat",
            enabled=True,
            enabled_dev=True,
            enabled_staging=True,
            enabled_prod=True,
            rollout_percentage=10,
            groups=None,
        )
    with pytest.raises(InvalidFlagError, match=r"not in 0\.\.100") as raised:
        flag_rule(
            key="CHAT",
            enabled=True,
            enabled_dev=True,
            enabled_staging=True,
            enabled_prod=True,
            rollout_percentage=-1,
            groups=None,
        )
    assert isinstance(raised.value.__cause__, InvalidInputError)


@pytest.mark.parametrize("bad", [{"tech_infrastructure": 2.0}, {"tech_infrastructure": "3"}])
def test_answers_must_be_whole_numbers(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidAnswersError, match=r"whole number 1\.\.5"):
        category_scores({**_answers(3), **bad})  # type: ignore[dict-item]
