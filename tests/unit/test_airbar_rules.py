"""airbar's rules, from document 000: sessions, the funnel, system health, flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domainlayer.airbar.rules import (
    DEFAULT_MAX_SESSIONS,
    DEVICE_TYPES,
    ERROR_BUDGETS,
    FUNNEL_STEPS,
    KPI_BASELINES,
    KPI_DOWN_MARGIN,
    REMEMBER_ME_TTL,
    SERVICES,
    STANDARD_SESSION_TTL,
    FunnelEvent,
    HealthReading,
    HealthThresholds,
    InvalidAirbarInput,
    PastSession,
    Status,
    check_device_type,
    check_flag_key,
    flag_rule,
    funnel_report,
    kpi_status,
    service_summary,
    session_state,
    session_terms,
    sessions_to_revoke,
    snapshot_status,
    thresholds_for,
    user_journey,
    worst_status,
)
from domainlayer.errors import InvalidInputError

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
LAPTOP = PastSession("fp-laptop", "US", is_suspicious=False)
SHADY = PastSession("fp-shady", "US", is_suspicious=True)


def terms(**overrides: object) -> object:
    arguments: dict[str, object] = {
        "now": NOW,
        "device_fingerprint": "fp-laptop",
        "country": "US",
        "is_vpn": False,
        "remember_me": True,
        "history": [LAPTOP],
    } | overrides
    return session_terms(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "trusted", "remembered", "lifetime"),
    [
        # remember-me on a trusted device: 30 days
        ({}, True, True, timedelta(days=30)),
        # a standard session: 7 days
        ({"remember_me": False}, True, False, timedelta(days=7)),
        # remember-me asked on an unknown device: not granted
        ({"device_fingerprint": "fp-new"}, False, False, timedelta(days=7)),
        # the first session ever: nothing is trusted yet
        ({"history": []}, False, False, timedelta(days=7)),
        # a device seen only in a suspicious session is not trusted
        ({"device_fingerprint": "fp-shady", "history": [SHADY]}, False, False, timedelta(days=7)),
    ],
)
def test_session_lifetime_depends_on_trust_and_remember_me(
    overrides: dict[str, object], trusted: bool, remembered: bool, lifetime: timedelta
) -> None:
    t = terms(**overrides)
    assert t.trusted_device is trusted  # type: ignore[attr-defined]
    assert t.remember_me is remembered  # type: ignore[attr-defined]
    ends = t.remember_me_expires_at or t.expires_at  # type: ignore[attr-defined]
    assert ends - NOW == lifetime
    assert t.expires_at - NOW == timedelta(days=7)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({}, None),
        ({"is_vpn": True}, "vpn"),
        ({"country": "SG"}, "new_country:SG"),
        ({"country": "AU", "is_vpn": True}, "vpn, new_country:AU"),
        ({"country": "GB", "history": []}, None),  # a first session sets the first country
    ],
)
def test_vpn_and_unseen_countries_are_suspicious(
    overrides: dict[str, object], reason: str | None
) -> None:
    t = terms(**overrides)
    assert t.suspicious_reason == reason  # type: ignore[attr-defined]
    assert t.is_suspicious is (reason is not None)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "overrides",
    [
        {"country": "usa"},
        {"country": ""},
        {"device_fingerprint": " "},
        {"now": datetime(2026, 1, 1)},
    ],
)
def test_bad_session_input_is_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(InvalidAirbarInput):
        terms(**overrides)


@pytest.mark.parametrize(
    ("active", "limit", "revoked"),
    [
        (0, 5, []),
        (3, 5, []),
        (4, 5, []),  # the new one is the 5th: it fits
        (5, 5, ["s0"]),
        (7, 5, ["s0", "s1", "s2"]),
        (1, 1, ["s0"]),
    ],
)
def test_the_oldest_sessions_make_room_for_a_new_one(
    active: int, limit: int, revoked: list[str]
) -> None:
    sessions = [(f"s{n}", NOW - timedelta(hours=active - n)) for n in range(active)]
    assert sessions_to_revoke(list(reversed(sessions)), max_sessions=limit) == revoked


def test_a_session_limit_below_one_is_refused() -> None:
    with pytest.raises(InvalidAirbarInput):
        sessions_to_revoke([], max_sessions=0)


@pytest.mark.parametrize(
    ("is_active", "expires_in", "remember_in", "state"),
    [
        (True, timedelta(seconds=1), None, "active"),
        (True, timedelta(0), None, "expired"),
        (True, timedelta(days=-1), timedelta(days=20), "active"),
        (True, timedelta(days=-23), timedelta(0), "expired"),
        (False, timedelta(days=5), None, "revoked"),
    ],
)
def test_session_state(
    is_active: bool, expires_in: timedelta, remember_in: timedelta | None, state: str
) -> None:
    assert (
        session_state(
            is_active=is_active,
            expires_at=NOW + expires_in,
            remember_me_expires_at=NOW + remember_in if remember_in is not None else None,
            now=NOW,
        )
        == state
    )


def _journey(user: str, steps: list[str], source: str | None) -> list[FunnelEvent]:
    return [FunnelEvent(user, s, NOW + timedelta(minutes=i), source) for i, s in enumerate(steps)]


def test_the_funnel_counts_ordered_steps_and_rates_per_source() -> None:
    events = [
        *_journey("sarah", ["landing", "registration", "first_booking", "payment"], "organic"),
        *_journey("marcus", ["landing", "registration", "first_booking"], "linkedin"),
        *_journey("elena", ["landing", "registration"], "facebook"),
        *_journey("dan", ["landing"], "organic"),
        # skipped registration: counts for landing only (the funnel is ordered)
        *_journey("eve", ["landing", "payment"], None),
    ]
    report = funnel_report(events)
    assert [(s.step, s.users) for s in report.steps] == [
        ("landing", 5),
        ("registration", 3),
        ("first_booking", 2),
        ("payment", 1),
    ]
    assert [round(s.conversion_rate, 4) for s in report.steps] == [1.0, 0.6, 0.6667, 0.5]
    assert [s.overall_rate for s in report.steps] == [1.0, 0.6, 0.4, 0.2]
    assert sorted(report.by_source) == ["direct", "facebook", "linkedin", "organic"]
    organic = report.by_source["organic"]
    assert [(s.users, s.conversion_rate) for s in organic] == [
        (2, 1.0),
        (1, 0.5),
        (1, 1.0),
        (1, 1.0),
    ]


def test_an_empty_funnel_has_zero_rates_and_a_bad_step_is_refused() -> None:
    assert [s.users for s in funnel_report([]).steps] == [0, 0, 0, 0]
    assert all(s.conversion_rate == 0 for s in funnel_report([]).steps)
    with pytest.raises(InvalidAirbarInput):
        funnel_report([FunnelEvent("u", "checkout", NOW, None)])


@pytest.mark.parametrize(
    ("service", "uptime", "ms", "errors", "status"),
    [
        ("auth", 99.95, 120, 0.001, "healthy"),
        ("auth", 99.9, 199, 0.0099, "healthy"),
        ("auth", 99.89, 120, 0.001, "degraded"),
        ("auth", 98.99, 120, 0.001, "down"),
        ("trips", 99.95, 200, 0.001, "degraded"),
        ("trips", 99.95, 1001, 0.001, "down"),
        ("payments", 99.99, 150, 0.01, "degraded"),  # payments: under 1 % errors
        ("notifications", 99.99, 150, 0.029, "healthy"),  # notifications: under 3 %
        ("notifications", 99.99, 150, 0.03, "degraded"),
        ("stripe", None, None, 0.2, "down"),
        ("redis", None, 3, None, "healthy"),
    ],
)
def test_snapshot_status_uses_the_documented_thresholds(
    service: str, uptime: float | None, ms: int | None, errors: float | None, status: str
) -> None:
    assert (
        snapshot_status(service, uptime_percentage=uptime, response_time_ms=ms, error_rate=errors)
        == status
    )


@pytest.mark.parametrize(
    ("service", "uptime", "ms", "errors"),
    [
        ("billing", 99.9, 100, 0.0),
        ("auth", 101, 100, 0.0),
        ("auth", 99, -1, 0.0),
        ("auth", 99, 1, 2),
    ],
)
def test_bad_snapshots_are_refused(service: str, uptime: float, ms: int, errors: float) -> None:
    with pytest.raises(InvalidAirbarInput):
        snapshot_status(service, uptime_percentage=uptime, response_time_ms=ms, error_rate=errors)


@pytest.mark.parametrize(
    ("name", "value", "status"),
    [
        ("booking_completion_rate", 87.3, "healthy"),
        ("booking_completion_rate", 87.2, "degraded"),
        ("booking_completion_rate", 77.3, "degraded"),
        ("booking_completion_rate", 77.2, "down"),
        ("registration_completion_rate", 76.4, "healthy"),
        ("registration_completion_rate", 60, "down"),
    ],
)
def test_kpis_are_judged_against_the_document_baselines(
    name: str, value: float, status: str
) -> None:
    assert kpi_status(name, value) == status


def test_a_service_summary_averages_its_readings() -> None:
    summary = service_summary(
        "matching",
        [
            HealthReading(100.0, 100, 0.0),
            HealthReading(99.9, 180, 0.01),
            HealthReading(99.95, 150, None),
        ],
    )
    assert summary.readings == 3 and summary.service_type == "api"
    assert summary.uptime_percentage == pytest.approx(99.95)
    assert summary.error_rate == pytest.approx(0.005)
    assert summary.response_time_p50_ms == 150
    assert summary.status == "healthy"
    with pytest.raises(InvalidAirbarInput):
        service_summary("matching", [])


@pytest.mark.parametrize(
    ("key", "ok"),
    [("enhanced_kyc", True), ("q4_holiday_boost", True), ("Video-Chat", False), ("x", False)],
)
def test_airbar_flag_keys_are_snake_case(key: str, ok: bool) -> None:
    if ok:
        assert check_flag_key(key) == key
    else:
        with pytest.raises(InvalidAirbarInput):
            check_flag_key(key)


def test_a_flag_rule_carries_segments_and_season() -> None:
    rule = flag_rule(
        key="q4_holiday_boost",
        enabled=True,
        rollout_percentage=100,
        target_segments=["business", "premium"],
        starts_at=datetime(2026, 10, 1, tzinfo=UTC),
        ends_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert rule.target_groups == frozenset({"business", "premium"})
    with pytest.raises(InvalidAirbarInput):
        flag_rule(
            key="video_chat",
            enabled=True,
            rollout_percentage=105,
            target_segments=[],
            starts_at=None,
            ends_at=None,
        )


def test_a_user_journey_stops_at_the_first_missing_step() -> None:
    events = [
        *_journey("sarah", ["landing", "registration", "payment"], "google"),
        FunnelEvent("sarah", "landing", NOW - timedelta(days=1), "linkedin"),
        *_journey("marcus", ["landing"], None),
    ]
    journey = user_journey("sarah", events)
    # Payment without a first booking does not count: the funnel is ordered.
    assert [step for step, _ in journey.reached] == ["landing", "registration"]
    assert journey.reached[0][1] == NOW - timedelta(days=1)
    assert journey.next_step == "first_booking"
    assert journey.traffic_source == "linkedin"
    assert not journey.converted
    done = user_journey("u", _journey("u", list(FUNNEL_STEPS), None))
    assert done.converted and done.next_step is None and done.traffic_source == "direct"
    nobody = user_journey("ghost", events)
    assert nobody.reached == () and nobody.next_step == "landing"
    assert nobody.traffic_source is None


@pytest.mark.parametrize("user_id", ["", "  "])
def test_a_journey_needs_a_user(user_id: str) -> None:
    with pytest.raises(InvalidAirbarInput, match="user_id"):
        user_journey(user_id, [])


def test_a_journey_refuses_unknown_steps() -> None:
    with pytest.raises(InvalidAirbarInput):
        user_journey("u", [FunnelEvent("u", "checkout", NOW, None)])


@pytest.mark.parametrize(
    ("device", "ok"),
    [("desktop", True), ("mobile", True), ("tablet", True), ("Mobile", False), ("tv", False)],
)
def test_device_types(device: str, ok: bool) -> None:
    if ok:
        assert check_device_type(device) == device
    else:
        with pytest.raises(InvalidAirbarInput):
            check_device_type(device)


@pytest.mark.parametrize(
    ("statuses", "worst"),
    [
        ([], "healthy"),
        (["healthy", "healthy"], "healthy"),
        (["healthy", "degraded"], "degraded"),
        (["down", "degraded", "healthy"], "down"),
    ],
)
def test_worst_status(statuses: list[Status], worst: str) -> None:
    assert worst_status(statuses) == worst


def test_worst_status_refuses_unknown_statuses() -> None:
    with pytest.raises(InvalidAirbarInput):
        worst_status(["fine"])  # type: ignore[list-item]


# Sessions: the oldest by age, not by id -------------------------------------------------


def test_the_oldest_session_by_age_is_revoked_whatever_its_id() -> None:
    # ids sort the other way round from ages: "z" is the oldest
    active = [
        ("a", NOW - timedelta(minutes=1)),
        ("m", NOW - timedelta(days=2)),
        ("z", NOW - timedelta(days=9)),
        ("b", NOW - timedelta(hours=5)),
        ("c", NOW - timedelta(hours=1)),
    ]
    assert sessions_to_revoke(active, max_sessions=5) == ["z"]
    assert sessions_to_revoke(active, max_sessions=3) == ["z", "m", "b"]
    assert sessions_to_revoke(active, max_sessions=6) == []
    # opened at the same instant: the smaller id goes first, so the choice is stable
    tied = [("s2", NOW), ("s1", NOW)]
    assert sessions_to_revoke(tied, max_sessions=2) == ["s1"]


def test_session_terms_are_7_and_30_days_and_5_sessions() -> None:
    assert timedelta(days=7) == STANDARD_SESSION_TTL
    assert timedelta(days=30) == REMEMBER_ME_TTL
    assert DEFAULT_MAX_SESSIONS == 5
    assert {"desktop", "mobile", "tablet"} == DEVICE_TYPES


def test_a_session_stays_active_until_the_later_of_its_two_ends() -> None:
    # remember-me that ended before the standard end does not cut the session short
    state = session_state(
        is_active=True,
        expires_at=NOW + timedelta(days=2),
        remember_me_expires_at=NOW - timedelta(days=1),
        now=NOW,
    )
    assert state == "active"


@pytest.mark.parametrize("overrides", [{"is_vpn": 1}, {"remember_me": None}])
def test_vpn_and_remember_me_must_be_booleans(overrides: dict[str, object]) -> None:
    with pytest.raises(InvalidAirbarInput, match="booleans"):
        terms(**overrides)


def test_trust_needs_the_same_fingerprint_and_a_clean_session() -> None:
    history = [SHADY, PastSession("fp-laptop", "GB", is_suspicious=False)]
    t = terms(device_fingerprint="fp-laptop", country="GB", history=history)
    assert t.trusted_device is True and t.remember_me is True  # type: ignore[attr-defined]
    assert t.suspicious_reason is None  # type: ignore[attr-defined]
    assert t.remember_me_expires_at == NOW + timedelta(days=30)  # type: ignore[attr-defined]
    untrusted = terms(device_fingerprint="fp-shady", history=history)
    assert untrusted.trusted_device is False  # type: ignore[attr-defined]
    assert untrusted.remember_me_expires_at is None  # type: ignore[attr-defined]


# The funnel: the traffic source of the FIRST landing ------------------------------------


def test_the_funnel_source_comes_from_the_first_landing_not_the_latest() -> None:
    events = [
        # listed newest first: the latest landing (linkedin) comes before the first (google)
        FunnelEvent("sarah", "landing", NOW + timedelta(days=3), "linkedin"),
        FunnelEvent("sarah", "registration", NOW + timedelta(days=3, minutes=5), None),
        FunnelEvent("sarah", "landing", NOW, "google"),
        FunnelEvent("marcus", "landing", NOW, "organic"),
        FunnelEvent("marcus", "landing", NOW + timedelta(hours=1), "google"),
    ]
    report = funnel_report(events)
    assert sorted(report.by_source) == ["google", "organic"]
    assert [s.users for s in report.by_source["google"]] == [1, 1, 0, 0]
    assert [s.users for s in report.by_source["organic"]] == [1, 0, 0, 0]
    assert user_journey("sarah", events).traffic_source == "google"
    assert user_journey("marcus", events).traffic_source == "organic"


def test_at_the_same_instant_the_landing_recorded_first_gives_the_source() -> None:
    events = [
        FunnelEvent("u", "landing", NOW, "google"),
        FunnelEvent("u", "landing", NOW, "linkedin"),
    ]
    assert list(funnel_report(events).by_source) == ["google"]
    assert user_journey("u", events).traffic_source == "google"


def test_a_step_counts_only_after_every_earlier_step_and_rates_follow() -> None:
    events = [
        *_journey("a", ["landing", "registration", "first_booking", "payment"], "x"),
        *_journey("b", ["landing", "registration", "first_booking", "payment"], "x"),
        *_journey("c", ["landing", "registration", "first_booking"], "x"),
        *_journey("d", ["landing", "first_booking", "payment"], "x"),
    ]
    steps = funnel_report(events).steps
    assert [s.step for s in steps] == list(FUNNEL_STEPS)
    assert [s.users for s in steps] == [4, 3, 3, 2]
    assert [s.conversion_rate for s in steps] == [1.0, 0.75, 1.0, 2 / 3]
    assert [s.overall_rate for s in steps] == [1.0, 0.75, 0.75, 0.5]
    assert FUNNEL_STEPS == ("landing", "registration", "first_booking", "payment")


def test_a_funnel_without_landings_has_zero_rates() -> None:
    steps = funnel_report([FunnelEvent("u", "registration", NOW, None)]).steps
    assert [(s.users, s.conversion_rate, s.overall_rate) for s in steps] == [(0, 0.0, 0.0)] * 4


def test_a_journey_keeps_the_first_time_of_each_step() -> None:
    events = [
        FunnelEvent("u", "registration", NOW + timedelta(hours=2), None),
        FunnelEvent("u", "landing", NOW + timedelta(hours=1), "ads"),
        FunnelEvent("u", "registration", NOW + timedelta(hours=1, minutes=30), None),
    ]
    journey = user_journey("u", events)
    assert journey.reached == (
        ("landing", NOW + timedelta(hours=1)),
        ("registration", NOW + timedelta(hours=1, minutes=30)),
    )
    assert journey.next_step == "first_booking"


# System health: the documented edges ----------------------------------------------------


@pytest.mark.parametrize(
    ("uptime", "status"),
    [(100.0, "healthy"), (99.9, "healthy"), (99.89, "degraded"), (99.0, "degraded"),
     (98.99, "down"), (0.0, "down")],
)  # fmt: skip
def test_uptime_is_healthy_from_99_9_and_degraded_down_to_99_0(uptime: float, status: str) -> None:
    assert (
        snapshot_status("auth", uptime_percentage=uptime, response_time_ms=None, error_rate=None)
        == status
    )


@pytest.mark.parametrize(
    ("ms", "status"),
    [(0, "healthy"), (199.9, "healthy"), (200, "degraded"), (1000, "degraded"),
     (1000.1, "down")],
)  # fmt: skip
def test_response_time_is_healthy_under_200_ms_and_degraded_up_to_1000(
    ms: float, status: str
) -> None:
    assert (
        snapshot_status("trips", uptime_percentage=None, response_time_ms=ms, error_rate=None)
        == status
    )


@pytest.mark.parametrize(
    ("service", "rate", "status"),
    [
        ("auth", 0.0, "healthy"),
        ("auth", 0.0099, "healthy"),
        ("auth", 0.01, "degraded"),
        ("auth", 0.10, "degraded"),
        ("auth", 0.1001, "down"),
        ("payments", 0.0099, "healthy"),
        ("payments", 0.01, "degraded"),
        ("payments", 0.1001, "down"),
        ("notifications", 0.0299, "healthy"),
        ("notifications", 0.05, "degraded"),
        ("notifications", 0.10, "degraded"),
        ("notifications", 0.11, "down"),
        ("sendgrid", 1.0, "down"),
    ],
)
def test_the_error_rate_is_judged_against_the_service_budget(
    service: str, rate: float, status: str
) -> None:
    assert (
        snapshot_status(service, uptime_percentage=None, response_time_ms=None, error_rate=rate)
        == status
    )


def test_the_documented_services_budgets_and_default_thresholds() -> None:
    assert dict(SERVICES) == {
        "auth": "api",
        "trips": "api",
        "matching": "api",
        "payments": "api",
        "notifications": "api",
        "database": "infrastructure",
        "redis": "infrastructure",
        "load_balancer": "infrastructure",
        "stripe": "external",
        "twilio": "external",
        "sendgrid": "external",
    }
    assert dict(ERROR_BUDGETS) == {"payments": 0.01, "notifications": 0.03}
    defaults = HealthThresholds()
    assert defaults.min_uptime == (99.9, 99.0)
    assert defaults.max_response_ms == (200, 1000)
    assert defaults.max_error_rate == (0.01, 0.10)
    assert thresholds_for("twilio").max_error_rate == (0.01, 0.10)
    assert thresholds_for("notifications").max_error_rate == (0.03, 0.10)


@pytest.mark.parametrize(
    ("name", "value", "status"),
    [
        ("booking_completion_rate", 100, "healthy"),
        ("booking_completion_rate", 87.31, "healthy"),
        ("booking_completion_rate", 87.29, "degraded"),
        ("booking_completion_rate", 0, "down"),
        ("registration_completion_rate", 76.39, "degraded"),
        ("registration_completion_rate", 66.4, "degraded"),
        ("registration_completion_rate", 66.3, "down"),
    ],
)
def test_kpis_at_their_baselines_and_ten_points_under(name: str, value: float, status: str) -> None:
    assert kpi_status(name, value) == status
    assert dict(KPI_BASELINES) == {
        "booking_completion_rate": 87.3,
        "registration_completion_rate": 76.4,
    }
    assert KPI_DOWN_MARGIN == 10.0


@pytest.mark.parametrize(
    ("name", "value"), [("churn_rate", 50), ("booking_completion_rate", -0.1),
                        ("booking_completion_rate", 100.1)]
)  # fmt: skip
def test_bad_kpis_are_refused(name: str, value: float) -> None:
    with pytest.raises(InvalidAirbarInput):
        kpi_status(name, value)


@pytest.mark.parametrize(
    ("uptime", "ms", "errors"),
    [(0.0, 0, 0.0), (100.0, 0, 1.0), (None, None, None)],
)
def test_readings_at_their_limits_are_accepted(
    uptime: float | None, ms: float | None, errors: float | None
) -> None:
    assert snapshot_status(
        "database", uptime_percentage=uptime, response_time_ms=ms, error_rate=errors
    ) in ("healthy", "degraded", "down")


@pytest.mark.parametrize(
    ("uptime", "ms", "errors", "message"),
    [
        (-0.01, None, None, "uptime"),
        (None, None, -0.01, "error rate"),
        (None, None, 1.01, "error rate"),
        (True, None, None, "must be a number"),
        (None, "5", None, "must be a number"),
    ],
)
def test_readings_past_their_limits_are_refused(
    uptime: object, ms: object, errors: object, message: str
) -> None:
    with pytest.raises(InvalidAirbarInput, match=message):
        snapshot_status(
            "database",
            uptime_percentage=uptime,  # type: ignore[arg-type]
            response_time_ms=ms,  # type: ignore[arg-type]
            error_rate=errors,  # type: ignore[arg-type]
        )


def test_a_service_is_as_bad_as_its_worst_measure_and_degraded_ranks_between() -> None:
    assert worst_status(["degraded", "healthy"]) == "degraded"
    assert worst_status(["degraded", "down"]) == "down"
    assert worst_status(["down", "degraded"]) == "down"
    assert worst_status(["healthy", "degraded", "healthy"]) == "degraded"
    # one measure degraded, one down: down; degraded and healthy: degraded
    assert snapshot_status("auth", uptime_percentage=99.5, response_time_ms=5000,
                           error_rate=0.0) == "down"  # fmt: skip
    assert snapshot_status("auth", uptime_percentage=99.5, response_time_ms=10,
                           error_rate=0.0) == "degraded"  # fmt: skip


def test_a_summary_takes_the_median_response_time_and_the_mean_rates() -> None:
    summary = service_summary(
        "stripe",
        [
            HealthReading(99.0, 100, 0.02),
            HealthReading(100.0, 900, 0.0),
            HealthReading(None, 300, None),
            HealthReading(99.5, 10_000, 0.04),
        ],
    )
    assert summary.service_type == "external" and summary.readings == 4
    assert summary.uptime_percentage == pytest.approx(99.5)
    assert summary.error_rate == pytest.approx(0.02)
    assert summary.response_time_p50_ms == 600  # median of 100, 300, 900, 10,000
    assert summary.status == "degraded"
    empty = service_summary("redis", [HealthReading(None, None, None)])
    assert (empty.uptime_percentage, empty.error_rate, empty.response_time_p50_ms) == (
        None,
        None,
        None,
    )
    assert empty.status == "healthy"


def test_a_flag_rule_keeps_the_airbar_error_for_a_bad_key() -> None:
    with pytest.raises(InvalidAirbarInput, match="snake_case") as raised:
        flag_rule(
            key="Bad Key",
            enabled=True,
            rollout_percentage=5,
            target_segments=[],
            starts_at=None,
            ends_at=None,
        )
    assert raised.value.__cause__ is None
    with pytest.raises(InvalidAirbarInput, match=r"not in 0\.\.100") as converted:
        flag_rule(
            key="video_chat",
            enabled=True,
            rollout_percentage=105,
            target_segments=[],
            starts_at=None,
            ends_at=None,
        )
    assert isinstance(converted.value.__cause__, InvalidInputError)


def test_of_two_landings_at_the_same_instant_the_first_recorded_sets_the_source() -> None:
    # "The traffic source of the user's first landing": a tie keeps the one seen first,
    # so a report does not change with a later duplicate of the same moment.
    events = [
        FunnelEvent("u", "landing", NOW, "google"),
        FunnelEvent("u", "landing", NOW, "ads"),
    ]
    assert set(funnel_report(events).by_source) == {"google"}
    assert user_journey("u", events).traffic_source == "google"
    assert set(funnel_report(events[::-1]).by_source) == {"ads"}


def test_a_step_reached_twice_at_the_same_instant_keeps_the_first_record() -> None:
    # The same instant written in two zones: the journey keeps the first one as given.
    utc = FunnelEvent("u", "landing", NOW, None)
    shifted = FunnelEvent("u", "landing", NOW.astimezone(timezone(timedelta(hours=2))), None)
    assert user_journey("u", [utc, shifted]).reached[0][1].utcoffset() == timedelta(0)
    assert user_journey("u", [shifted, utc]).reached[0][1].utcoffset() == timedelta(hours=2)
