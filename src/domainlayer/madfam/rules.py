"""madfam's business rules, as document 004 states them. Pure: no I/O, no clock.

Lead scoring: base 40; +15 company; +10 phone; +20 business email domain; +10 message
longer than 50 characters; +5 tier selected; industry relevance up to +15; company size up
to +10; clamped to 0..100.

Assessment: 10 questions in 4 categories, answers 1..5. Each answer maps to
(v - 1) / 4 * 100; a category scores the mean of its answers; the total is the weighted sum
(technology 0.30, process 0.25, team 0.25, strategy 0.20), rounded half up. Tiers by score:
0-30 L1_ESSENTIALS, 31-50 L2_ADVANCED, 51-70 L3_CONSULTING, 71-85 L4_PLATFORMS,
86-100 L5_STRATEGIC.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final

from domainlayer.errors import InvalidInputError
from domainlayer.flags import FlagRule
from domainlayer.typed_rules import rule

__all__ = [
    "ASSESSMENT_QUESTIONS",
    "CATEGORY_WEIGHTS",
    "COMPANY_SIZE_SCORES",
    "ENVIRONMENTS",
    "FREE_EMAIL_DOMAINS",
    "INDUSTRY_SCORES",
    "AssessmentQuestion",
    "InvalidAnswersError",
    "InvalidFlagError",
    "InvalidLeadError",
    "InvalidScoreError",
    "ServiceTier",
    "category_scores",
    "check_environment",
    "check_flag_key",
    "flag_rule",
    "is_business_email",
    "score_assessment",
    "score_lead",
    "tier_for_score",
    "user_groups",
]


class InvalidLeadError(InvalidInputError):
    """A lead's fields break the scoring rules' expectations (e.g. no valid email)."""


class InvalidAnswersError(InvalidInputError):
    """Assessment answers are missing, unknown or outside 1..5."""


class InvalidScoreError(InvalidInputError):
    """A score outside 0..100 (or not a whole number)."""


class ServiceTier(StrEnum):
    """The schema's ServiceTier: equal by value to the generated client's enum."""

    L1_ESSENTIALS = "L1_ESSENTIALS"
    L2_ADVANCED = "L2_ADVANCED"
    L3_CONSULTING = "L3_CONSULTING"
    L4_PLATFORMS = "L4_PLATFORMS"
    L5_STRATEGIC = "L5_STRATEGIC"


# --- Lead scoring -----------------------------------------------------------------------

BASE_SCORE: Final = 40

#: Free-mail providers: an address at one of these is not a business email. A domain also
#: matches its subdomains (mail.yahoo.com); "yahoo.*"-style families are matched by label.
FREE_EMAIL_DOMAINS: Final[frozenset[str]] = frozenset(
    {
        "gmail.com", "googlemail.com", "hotmail.com", "outlook.com", "live.com", "msn.com",
        "yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me",
        "protonmail.com", "pm.me", "gmx.com", "gmx.net", "gmx.de", "mail.com", "yandex.com",
        "yandex.ru", "zoho.com", "tutanota.com", "fastmail.com", "hey.com", "qq.com",
        "163.com", "126.com", "web.de", "libero.it", "orange.fr", "wanadoo.fr",
    }
)  # fmt: skip
#: Providers whose every country domain is free mail (yahoo.com.mx, hotmail.es, ...).
FREE_EMAIL_FAMILIES: Final[frozenset[str]] = frozenset(
    {"yahoo", "hotmail", "outlook", "live", "gmx", "yandex"}
)

#: Industry relevance for an AI consultancy doing 3D and parametric design, automation and
#: platforms (up to +15). Unknown or missing industries score 0.
INDUSTRY_SCORES: Final[Mapping[str, int]] = {
    "technology": 15, "software": 15, "manufacturing": 15, "architecture": 15,
    "engineering": 15, "fintech": 15, "design": 10, "finance": 10, "healthcare": 10,
    "retail": 10, "ecommerce": 10, "logistics": 10, "construction": 10, "media": 10,
    "education": 5, "government": 5, "real_estate": 5, "hospitality": 5, "nonprofit": 5,
    "agriculture": 5, "other": 0,
}  # fmt: skip

#: Company size (up to +10): mid-size and larger companies buy consulting and platforms.
COMPANY_SIZE_SCORES: Final[Mapping[str, int]] = {
    "1-10": 2, "11-50": 5, "51-200": 8, "201-500": 10, "501-1000": 10, "1000+": 10,
    "enterprise": 10,
}  # fmt: skip

_EMAIL = re.compile(r"^[^@\s]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$")


def _normalise_key(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


@rule
def is_business_email(email: str) -> bool:
    """True unless the address is at a free-mail provider (or is not an address)."""
    match = _EMAIL.match(email.strip())
    if match is None:
        return False
    domain = match.group(1).lower()
    labels = domain.split(".")
    suffixes = {".".join(labels[i:]) for i in range(len(labels) - 1)}
    if suffixes & FREE_EMAIL_DOMAINS:
        return False
    return not any(label in FREE_EMAIL_FAMILIES for label in labels[:-1])


def _present(value: str | None) -> bool:
    return value is not None and value.strip() != ""


@rule
def score_lead(
    *,
    email: str,
    company: str | None = None,
    phone: str | None = None,
    message: str | None = None,
    tier: str | None = None,
    industry: str | None = None,
    company_size: str | None = None,
) -> int:
    """The lead score 0..100, exactly the document's algorithm (see the module docstring).

    ``message`` counts when longer than 50 characters after trimming whitespace. ``tier``
    may be a ServiceTier, the generated enum or its name.
    """
    if _EMAIL.match(email.strip()) is None:
        raise InvalidLeadError(f"not an email address: {email!r}")
    if tier is not None and tier not in ServiceTier.__members__:
        raise InvalidLeadError(f"unknown service tier: {tier!r}")
    score = BASE_SCORE
    if _present(company):
        score += 15
    if _present(phone):
        score += 10
    if is_business_email(email):
        score += 20
    if message is not None and len(message.strip()) > 50:
        score += 10
    if tier is not None:
        score += 5
    if industry is not None:
        score += INDUSTRY_SCORES.get(_normalise_key(industry), 0)
    if company_size is not None:
        score += COMPANY_SIZE_SCORES.get(company_size.strip().lower().replace(" ", ""), 0)
    return max(0, min(100, score))


# --- Assessment -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssessmentQuestion:
    id: str
    text: str
    category: str


CATEGORY_WEIGHTS: Final[Mapping[str, Decimal]] = {
    "technology": Decimal("0.30"),
    "process": Decimal("0.25"),
    "team": Decimal("0.25"),
    "strategy": Decimal("0.20"),
}

ASSESSMENT_QUESTIONS: Final[tuple[AssessmentQuestion, ...]] = (
    AssessmentQuestion(
        "tech_infrastructure", "How modern is your software and data infrastructure?", "technology"
    ),
    AssessmentQuestion(
        "data_availability", "How accessible and well organised is your data?", "technology"
    ),
    AssessmentQuestion(
        "tool_adoption", "How readily do you adopt new digital and AI tools?", "technology"
    ),
    AssessmentQuestion(
        "process_documentation", "How well documented are your core processes?", "process"
    ),
    AssessmentQuestion(
        "automation_level", "How much of your repetitive work is already automated?", "process"
    ),
    AssessmentQuestion(
        "process_measurement", "How consistently do you measure process performance?", "process"
    ),
    AssessmentQuestion(
        "team_skills", "How strong are your team's digital and data skills?", "team"
    ),
    AssessmentQuestion(
        "change_readiness", "How open is your team to changing how it works?", "team"
    ),
    AssessmentQuestion(
        "leadership_vision", "How clearly has leadership defined goals for AI?", "strategy"
    ),
    AssessmentQuestion(
        "investment_commitment", "How committed are you to investing in AI this year?", "strategy"
    ),
)

_QUESTIONS_BY_ID: Final = {q.id: q for q in ASSESSMENT_QUESTIONS}


def _checked_answers(answers: Mapping[str, int]) -> dict[str, int]:
    unknown = sorted(set(answers) - set(_QUESTIONS_BY_ID))
    missing = sorted(set(_QUESTIONS_BY_ID) - set(answers))
    if unknown:
        raise InvalidAnswersError(f"unknown questions: {', '.join(unknown)}")
    if missing:
        raise InvalidAnswersError(f"unanswered questions: {', '.join(missing)}")
    checked: dict[str, int] = {}
    for qid, value in answers.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidAnswersError(f"answer to {qid} must be a whole number 1..5: {value!r}")
        checked[qid] = value
    return checked


@rule
def category_scores(answers: Mapping[str, int]) -> dict[str, Decimal]:
    """Each category's score 0..100: the mean of its answers mapped to (v - 1) / 4 * 100."""
    checked = _checked_answers(answers)
    totals: dict[str, list[Decimal]] = {category: [] for category in CATEGORY_WEIGHTS}
    for qid, value in checked.items():
        totals[_QUESTIONS_BY_ID[qid].category].append(Decimal(value - 1) / 4 * 100)
    return {category: sum(v, Decimal(0)) / len(v) for category, v in totals.items()}


@rule
def score_assessment(answers: Mapping[str, int]) -> int:
    """The weighted assessment score 0..100, rounded half up."""
    scores = category_scores(answers)
    total = sum((scores[c] * w for c, w in CATEGORY_WEIGHTS.items()), Decimal(0))
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


_TIER_BOUNDS: Final[tuple[tuple[int, ServiceTier], ...]] = (
    (30, ServiceTier.L1_ESSENTIALS),
    (50, ServiceTier.L2_ADVANCED),
    (70, ServiceTier.L3_CONSULTING),
    (85, ServiceTier.L4_PLATFORMS),
    (100, ServiceTier.L5_STRATEGIC),
)


@rule
def tier_for_score(score: int) -> ServiceTier:
    """The recommended tier for an assessment score 0..100."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise InvalidScoreError(f"score must be a whole number 0..100: {score!r}")
    for upper, tier in _TIER_BOUNDS:
        if score <= upper:
            return tier
    raise AssertionError("unreachable: bounds cover 0..100")


# Feature flags ---------------------------------------------------------------------------

#: madfam's per-environment switches, as its FeatureFlag columns name them.
ENVIRONMENTS: Final = ("dev", "staging", "prod")

_FLAG_KEY = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")


class InvalidFlagError(InvalidInputError):
    """A feature flag definition the rules refuse (key, percentage, groups, environment)."""


@rule
def check_flag_key(key: str) -> str:
    """madfam flag keys are SCREAMING_SNAKE_CASE (NEW_LEAD_SCORING, CHAT_SUPPORT, ...)."""
    if not isinstance(key, str) or not _FLAG_KEY.match(key):
        raise InvalidFlagError(f"flag key {key!r} must be SCREAMING_SNAKE_CASE, 2..64 chars")
    return key


@rule
def user_groups(value: object) -> frozenset[str]:
    """The stored `userGroups` JSON (a list of group names, or null for everyone)."""
    if value is None:
        return frozenset()
    if not isinstance(value, list | tuple) or not all(
        isinstance(group, str) and group.strip() for group in value
    ):
        raise InvalidFlagError(
            f"userGroups must be a list of group names, not {type(value).__name__}"
        )
    return frozenset(value)


@rule
def flag_rule(
    *,
    key: str,
    enabled: bool,
    enabled_dev: bool,
    enabled_staging: bool,
    enabled_prod: bool,
    rollout_percentage: int | None,
    groups: object,
) -> FlagRule:
    """A madfam FeatureFlag row as the shared evaluation's rule.

    A null `rolloutPercentage` counts as the column's default, 0: a flag reaches users only
    through an explicit percentage.
    """
    try:
        return FlagRule(
            key=check_flag_key(key),
            enabled=enabled,
            rollout_percentage=0 if rollout_percentage is None else rollout_percentage,
            target_groups=user_groups(groups),
            environments={"dev": enabled_dev, "staging": enabled_staging, "prod": enabled_prod},
        )
    except InvalidFlagError:
        raise
    except InvalidInputError as exc:
        raise InvalidFlagError(str(exc)) from exc


@rule
def check_environment(environment: str) -> str:
    if environment not in ENVIRONMENTS:
        raise InvalidFlagError(f"environment {environment!r} is not one of {ENVIRONMENTS}")
    return environment
