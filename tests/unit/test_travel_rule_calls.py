"""Every public travel rule answers a call it cannot take with the tree's error.

The rules are public (a service may call ``can`` or ``fingerprint`` directly), so a call
with more arguments than the rule has, or without one it needs, is bad input like any
other: ``InvalidInputError`` naming the rule, never a bare ``TypeError``
(``domainlayer.typed_rules.rule``). The list names each rule on purpose: a rule that loses
its ``@rule`` must fail here, not drop out of the list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domainlayer.errors import InvalidInputError
from domainlayer.travel import admin, cms, error_logs, experiments, migration, reporting

RULES: list[Callable[..., Any]] = [
    admin.check_role,
    admin.check_permissions,
    admin.default_permissions,
    admin.can,
    admin.may_manage,
    admin.check_action,
    cms.check_text,
    cms.check_limit,
    cms.discount_percentage,
    cms.deal_pricing,
    cms.check_currency,
    cms.check_deal_window,
    cms.engagement_rates,
    cms.check_slug,
    cms.check_seo,
    cms.check_template,
    cms.render_email,
    cms.normalize_query,
    cms.check_suggestion_type,
    cms.check_health_check,
    cms.overall_status,
    error_logs.check_severity,
    error_logs.worse_severity,
    error_logs.fingerprint,
    experiments.check_flag_key,
    experiments.flag_rule,
    experiments.variant_stats,
    reporting.period_bounds,
    reporting.snapshot_metrics,
    reporting.cohort_period,
    reporting.cohort_type,
    reporting.cohort_report,
    reporting.check_vital,
    reporting.rate,
    reporting.summarise_vital,
    reporting.passes_core_web_vitals,
    migration.check_tables,
]


def _where(function: Callable[..., Any]) -> str:
    return f"{function.__module__.removeprefix('domainlayer.')}.{function.__qualname__}"


@pytest.mark.parametrize("function", RULES, ids=_where)
def test_too_many_arguments_are_bad_input(function: Callable[..., Any]) -> None:
    with pytest.raises(InvalidInputError, match=rf"^{_where(function)}: too many positional"):
        function(*range(10))


@pytest.mark.parametrize("function", RULES, ids=_where)
def test_a_missing_argument_is_bad_input(function: Callable[..., Any]) -> None:
    with pytest.raises(InvalidInputError, match=rf"^{_where(function)}: missing a required"):
        function()
