"""madfam rules (004), table-tested: lead scoring, assessment scoring, tiers."""

from __future__ import annotations

import pytest

from domainlayer.errors import InvalidInputError
from domainlayer.madfam.rules import (
    ASSESSMENT_QUESTIONS,
    CATEGORY_WEIGHTS,
    InvalidAnswersError,
    InvalidFlagError,
    InvalidLeadError,
    InvalidScoreError,
    ServiceTier,
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
