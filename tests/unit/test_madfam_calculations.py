"""madfam calculators, table-tested against hand-computed figures."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from domainlayer.errors import InvalidInputError
from domainlayer.madfam.calculations import (
    COMPLEXITY_FACTORS,
    PROJECT_TYPES,
    SERVICE_PRICES,
    RoiResult,
    project_estimate,
    roi_calculation,
)


def test_roi_follows_the_documented_formula() -> None:
    # 20 x 50,000 x 30% x 0.6 = 180,000 saved; (180,000 - 60,000) / 60,000 = 200%;
    # payback 60,000 / 15,000 a month = 4 months
    result = roi_calculation(
        employees=20,
        average_annual_salary=Decimal("50000"),
        inefficiency_percentage=Decimal("30"),
        investment=Decimal("60000"),
    )
    assert result.annual_savings == Decimal("180000.00")
    assert result.roi_percentage == Decimal("200.00")
    assert result.payback_months == 4


def test_no_savings_means_no_payback() -> None:
    result = roi_calculation(
        employees=5,
        average_annual_salary=Decimal("40000"),
        inefficiency_percentage=Decimal("0"),
        investment=Decimal("1000"),
    )
    assert result.payback_months is None and result.roi_percentage == Decimal("-100.00")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"employees": 0},
        {"investment": Decimal("0")},
        {"inefficiency_percentage": Decimal("101")},
        {"automation_rate": Decimal("0")},
    ],
)
def test_roi_refuses_bad_input(kwargs: dict[str, object]) -> None:
    base: dict[str, object] = {
        "employees": 10,
        "average_annual_salary": Decimal("1"),
        "inefficiency_percentage": Decimal("10"),
        "investment": Decimal("1"),
    }
    with pytest.raises(InvalidInputError, match=r"employees|investment|inefficiency|automation"):
        roi_calculation(**{**base, **kwargs})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "total"),
    [
        ({"project_type": "automation", "complexity": "medium", "timeline_weeks": 8}, "18000.00"),
        ({"project_type": "automation", "complexity": "high", "timeline_weeks": 8}, "27000.00"),
        # 4 of 8 weeks short: rush 1 + 0.5 x 4/8 = 1.25 -> 18,000 x 1.25
        ({"project_type": "automation", "complexity": "medium", "timeline_weeks": 4}, "22500.00"),
        (
            {
                "project_type": "workshop",
                "complexity": "low",
                "timeline_weeks": 3,
                "services": ["training", "training", "documentation"],
            },
            "8800.00",  # 6,000 x 0.8 + 2,500 + 1,500 (a service counts once)
        ),
    ],
)
def test_project_estimates_apply_the_price_table(kwargs: dict[str, object], total: str) -> None:
    assert project_estimate(**kwargs).total == Decimal(total)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"project_type": "moonshot", "complexity": "low", "timeline_weeks": 1},
        {"project_type": "automation", "complexity": "extreme", "timeline_weeks": 1},
        {"project_type": "automation", "complexity": "low", "timeline_weeks": 0},
        {"project_type": "automation", "complexity": "low", "timeline_weeks": 4, "services": ["x"]},
    ],
)
def test_project_estimates_refuse_bad_input(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError, match=r"project type|complexity|one week|services"):
        project_estimate(**kwargs)  # type: ignore[arg-type]


def _roi(**overrides: object) -> RoiResult:
    arguments: dict[str, object] = {
        "employees": 10,
        "average_annual_salary": Decimal("50000"),
        "inefficiency_percentage": Decimal("20"),
        "investment": Decimal("60000"),
    } | overrides
    return roi_calculation(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "savings", "roi", "payback"),
    [
        # 10 x 50,000 x 20 % x 0.6 = 60,000: ROI 0 %, paid back in exactly 12 months
        ({}, "60000.00", "0.00", 12),
        # 7,000 a year saved on 10,000: 10,000 / (7,000 / 12) = 17.14 -> 18 months
        (
            {
                "employees": 1,
                "average_annual_salary": Decimal("35000"),
                "inefficiency_percentage": Decimal("20"),
                "automation_rate": Decimal("1"),
                "investment": Decimal("10000"),
            },
            "7000.00",
            "-30.00",
            18,
        ),
        # 1 x 10.02 x 50 % x 0.5 = 2.505 -> 2.51 (half up); (2.51 - 1) / 1 = 151 %
        (
            {
                "employees": 1,
                "average_annual_salary": Decimal("10.02"),
                "inefficiency_percentage": Decimal("50"),
                "automation_rate": Decimal("0.5"),
                "investment": Decimal("1"),
            },
            "2.51",
            "151.00",
            5,
        ),
        # ROI to the cent, half up: (100 - 3) / 3 = 3233.333.. %
        (
            {
                "employees": 1,
                "average_annual_salary": Decimal("1000"),
                "inefficiency_percentage": Decimal("10"),
                "automation_rate": Decimal("1"),
                "investment": Decimal("3"),
            },
            "100.00",
            "3233.33",
            1,
        ),
        # 2 / 3 = 66.666.. % rounds up to 66.67
        (
            {
                "employees": 1,
                "average_annual_salary": Decimal("50"),
                "inefficiency_percentage": Decimal("10"),
                "automation_rate": Decimal("1"),
                "investment": Decimal("3"),
            },
            "5.00",
            "66.67",
            8,
        ),
    ],
)
def test_roi_figures_depend_on_every_constant(
    overrides: dict[str, object], savings: str, roi: str, payback: int
) -> None:
    result = _roi(**overrides)
    assert result.annual_savings == Decimal(savings)
    assert result.roi_percentage == Decimal(roi)
    assert result.payback_months == payback
    assert result.total_value == float(Decimal(savings))
    assert result.as_results() == {
        "annualSavings": savings,
        "roiPercentage": roi,
        "paybackMonths": payback,
    }


@pytest.mark.parametrize(
    "overrides",
    [
        {"employees": 1},
        {"average_annual_salary": Decimal("0.01")},
        {"inefficiency_percentage": Decimal("0")},
        {"inefficiency_percentage": Decimal("100")},
        {"automation_rate": Decimal("1")},
        {"automation_rate": Decimal("0.01")},
        {"investment": Decimal("0.01")},
    ],
)
def test_roi_accepts_every_limit_of_its_inputs(overrides: dict[str, object]) -> None:
    assert _roi(**overrides).annual_savings >= 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"employees": 0}, "employees"),
        ({"employees": True}, "employees"),
        ({"average_annual_salary": Decimal("0")}, "salary"),
        ({"average_annual_salary": Decimal("-1")}, "salary"),
        ({"inefficiency_percentage": Decimal("-0.01")}, "inefficiency"),
        ({"inefficiency_percentage": Decimal("100.01")}, "inefficiency"),
        ({"automation_rate": Decimal("0")}, "automation rate"),
        ({"automation_rate": Decimal("1.01")}, "automation rate"),
        ({"investment": Decimal("0")}, "investment"),
        ({"investment": Decimal("-5")}, "investment"),
    ],
)
def test_roi_refuses_each_input_just_past_its_limit(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        _roi(**overrides)


@pytest.mark.parametrize(
    ("project_type", "base", "weeks"),
    [
        ("3d_design", "5000", 4),
        ("parametric_design", "12000", 6),
        ("automation", "18000", 8),
        ("workshop", "6000", 2),
        ("platform", "45000", 16),
        ("strategy", "30000", 12),
    ],
)
def test_every_project_type_has_its_price_and_usual_weeks(
    project_type: str, base: str, weeks: int
) -> None:
    on_time = project_estimate(project_type=project_type, complexity="medium", timeline_weeks=weeks)
    assert on_time.total == Decimal(base) and on_time.rush_factor == Decimal("1.00")
    assert PROJECT_TYPES[project_type] == (Decimal(base), weeks)
    # a longer timeline costs no less and no more
    later = project_estimate(
        project_type=project_type, complexity="medium", timeline_weeks=weeks + 3
    )
    assert later.total == Decimal(base)
    # one week short: 1 + 0.5 x 1 / weeks
    rushed = project_estimate(
        project_type=project_type, complexity="medium", timeline_weeks=weeks - 1
    )
    factor = 1 + Decimal("0.5") / weeks
    assert rushed.total == (Decimal(base) * factor).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert rushed.rush_factor == factor.quantize(Decimal("0.01"), ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("complexity", "factor"), [("low", "0.8"), ("medium", "1.0"), ("high", "1.5")]
)
def test_every_complexity_has_its_factor(complexity: str, factor: str) -> None:
    estimate = project_estimate(project_type="platform", complexity=complexity, timeline_weeks=16)
    assert estimate.complexity_factor == Decimal(factor)
    assert estimate.total == Decimal("45000") * Decimal(factor)


@pytest.mark.parametrize(
    ("service", "price"),
    [("training", "2500"), ("support", "3000"), ("integration", "5000"), ("documentation", "1500")],
)
def test_every_service_adds_its_flat_price(service: str, price: str) -> None:
    estimate = project_estimate(
        project_type="workshop", complexity="medium", timeline_weeks=2, services=[service]
    )
    assert estimate.total == Decimal("6000") + Decimal(price)
    assert estimate.services == {service: Decimal(price)}
    assert SERVICE_PRICES[service] == Decimal(price)


def test_the_tables_have_exactly_the_documented_entries() -> None:
    assert set(PROJECT_TYPES) == {
        "3d_design",
        "parametric_design",
        "automation",
        "workshop",
        "platform",
        "strategy",
    }
    assert {
        "low": Decimal("0.8"),
        "medium": Decimal("1.0"),
        "high": Decimal("1.5"),
    } == COMPLEXITY_FACTORS
    assert set(SERVICE_PRICES) == {"training", "support", "integration", "documentation"}


def test_the_rush_factor_grows_in_proportion_up_to_half_again() -> None:
    # platform: 16 usual weeks; 1 week is 15 short: 1 + 0.5 x 15 / 16 = 1.46875
    estimate = project_estimate(
        project_type="platform", complexity="high", timeline_weeks=1, services=["support"]
    )
    assert estimate.rush_factor == Decimal("1.47")
    # 45,000 x 1.5 x 1.46875 = 99,140.625 -> 99,140.63 (half up), + 3,000
    assert estimate.total == Decimal("102140.63")
    assert estimate.timeline_weeks == 1
    assert estimate.total_value == 102140.63
    assert estimate.as_results() == {
        "base": "45000",
        "complexityFactor": "1.5",
        "rushFactor": "1.47",
        "services": {"support": "3000"},
        "total": "102140.63",
        "timelineWeeks": 1,
    }


def test_a_one_week_timeline_is_accepted_and_a_bool_is_not() -> None:
    assert project_estimate(project_type="workshop", complexity="low", timeline_weeks=1).total
    with pytest.raises(InvalidInputError, match="at least one week"):
        project_estimate(project_type="workshop", complexity="low", timeline_weeks=True)


def test_savings_under_one_dollar_still_pay_back() -> None:
    # 1 x 1.00 x 50 % x 1.0 = 0.50 a year; 1.00 / (0.50 / 12) = 24 months
    result = _roi(
        employees=1,
        average_annual_salary=Decimal("1"),
        inefficiency_percentage=Decimal("50"),
        automation_rate=Decimal("1"),
        investment=Decimal("1"),
    )
    assert result.annual_savings == Decimal("0.50")
    assert result.payback_months == 24
