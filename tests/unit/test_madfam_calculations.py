"""madfam calculators, table-tested against hand-computed figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domainlayer.errors import InvalidInputError
from domainlayer.madfam.calculations import project_estimate, roi_calculation


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
    with pytest.raises(InvalidInputError):
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
    with pytest.raises(InvalidInputError):
        project_estimate(**kwargs)  # type: ignore[arg-type]
