"""madfam's calculators (004's Calculation types `roi` and `project_estimate`). Pure.

ROI (the calculator's inputs: employee count, salaries, inefficiency percentage):
    annual savings = employees x average annual salary x inefficiency % x automation rate
    ROI %          = (annual savings - investment) / investment x 100
    payback months = ceil(investment / (annual savings / 12))
Project estimate: a base price per project type, times a complexity factor, times a rush
factor when the timeline is shorter than the type's usual weeks, plus each added service.
Money is Decimal, quantised to cents half up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from domainlayer.errors import InvalidInputError
from domainlayer.typed_rules import rule

__all__ = [
    "COMPLEXITY_FACTORS",
    "PROJECT_TYPES",
    "SERVICE_PRICES",
    "ProjectEstimate",
    "RoiResult",
    "project_estimate",
    "roi_calculation",
]

CENT: Final = Decimal("0.01")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class RoiResult:
    annual_savings: Decimal
    roi_percentage: Decimal
    payback_months: int | None

    @property
    def total_value(self) -> float:
        return float(self.annual_savings)

    def as_results(self) -> dict[str, Any]:
        return {
            "annualSavings": str(self.annual_savings),
            "roiPercentage": str(self.roi_percentage),
            "paybackMonths": self.payback_months,
        }


@rule
def roi_calculation(
    *,
    employees: int,
    average_annual_salary: Decimal,
    inefficiency_percentage: Decimal,
    investment: Decimal,
    automation_rate: Decimal = Decimal("0.6"),
) -> RoiResult:
    """Savings from automating inefficient work, the ROI and the payback period."""
    if isinstance(employees, bool) or employees < 1:
        raise InvalidInputError("employees must be at least 1")
    if average_annual_salary <= 0:
        raise InvalidInputError("the average salary must be positive")
    if not 0 <= inefficiency_percentage <= 100:
        raise InvalidInputError("the inefficiency percentage is 0..100")
    if not 0 < automation_rate <= 1:
        raise InvalidInputError("the automation rate is in (0, 1]")
    if investment <= 0:
        raise InvalidInputError("the investment must be positive")
    savings = _money(
        Decimal(employees) * average_annual_salary * inefficiency_percentage / 100 * automation_rate
    )
    roi = _money((savings - investment) / investment * 100)
    payback = math.ceil(investment / (savings / 12)) if savings > 0 else None
    return RoiResult(savings, roi, payback)


#: Base price (USD) and usual duration (weeks) per project type.
PROJECT_TYPES: Final[Mapping[str, tuple[Decimal, int]]] = {
    "3d_design": (Decimal("5000"), 4),
    "parametric_design": (Decimal("12000"), 6),
    "automation": (Decimal("18000"), 8),
    "workshop": (Decimal("6000"), 2),
    "platform": (Decimal("45000"), 16),
    "strategy": (Decimal("30000"), 12),
}
COMPLEXITY_FACTORS: Final[Mapping[str, Decimal]] = {
    "low": Decimal("0.8"),
    "medium": Decimal("1.0"),
    "high": Decimal("1.5"),
}
#: Added services, priced flat.
SERVICE_PRICES: Final[Mapping[str, Decimal]] = {
    "training": Decimal("2500"),
    "support": Decimal("3000"),
    "integration": Decimal("5000"),
    "documentation": Decimal("1500"),
}
#: A timeline shorter than the usual weeks costs up to 50% more, in proportion.
MAX_RUSH: Final = Decimal("0.5")


@dataclass(frozen=True, slots=True)
class ProjectEstimate:
    base: Decimal
    complexity_factor: Decimal
    rush_factor: Decimal
    services: Mapping[str, Decimal]
    total: Decimal
    timeline_weeks: int

    @property
    def total_value(self) -> float:
        return float(self.total)

    def as_results(self) -> dict[str, Any]:
        return {
            "base": str(self.base),
            "complexityFactor": str(self.complexity_factor),
            "rushFactor": str(self.rush_factor),
            "services": {k: str(v) for k, v in self.services.items()},
            "total": str(self.total),
            "timelineWeeks": self.timeline_weeks,
        }


@rule
def project_estimate(
    *, project_type: str, complexity: str, timeline_weeks: int, services: Sequence[str] = ()
) -> ProjectEstimate:
    """The documented price table applied to one project."""
    if project_type not in PROJECT_TYPES:
        raise InvalidInputError(f"unknown project type: {project_type!r}")
    if complexity not in COMPLEXITY_FACTORS:
        raise InvalidInputError(f"complexity is low, medium or high: {complexity!r}")
    if isinstance(timeline_weeks, bool) or timeline_weeks < 1:
        raise InvalidInputError("the timeline is at least one week")
    unknown = sorted(set(services) - set(SERVICE_PRICES))
    if unknown:
        raise InvalidInputError(f"unknown services: {', '.join(unknown)}")
    base, usual_weeks = PROJECT_TYPES[project_type]
    factor = COMPLEXITY_FACTORS[complexity]
    shortfall = max(0, usual_weeks - timeline_weeks)
    rush = Decimal(1) + MAX_RUSH * Decimal(shortfall) / Decimal(usual_weeks)
    added = {name: SERVICE_PRICES[name] for name in dict.fromkeys(services)}
    total = _money(base * factor * rush + sum(added.values(), Decimal(0)))
    return ProjectEstimate(base, factor, _money(rush), added, total, timeline_weeks)
