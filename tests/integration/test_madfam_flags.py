"""madfam feature flags on the real database: environments, rollout, user groups."""

from __future__ import annotations

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.errors import NotFoundError
from domainlayer.flags import bucket
from domainlayer.madfam.repository import FeatureFlagRepository
from domainlayer.madfam.rules import InvalidFlagError


async def test_a_flag_is_on_only_in_its_switched_on_environments(client: Prisma) -> None:
    flags = FeatureFlagRepository(client)
    await flags.define(
        "CHAT_SUPPORT",
        "Live chat integration",
        enabled=True,
        environments={"staging": True},
        rollout_percentage=100,
    )
    # The columns' defaults: dev on, prod off; staging switched on above.
    assert await flags.is_enabled("CHAT_SUPPORT", "u1", environment="dev")
    assert await flags.is_enabled("CHAT_SUPPORT", "u1", environment="staging")
    assert not await flags.is_enabled("CHAT_SUPPORT", "u1", environment="prod")
    await flags.switch("CHAT_SUPPORT", True, environment="prod")
    assert await flags.is_enabled("CHAT_SUPPORT", "u1", environment="prod")
    await flags.switch("CHAT_SUPPORT", False)
    assert not await flags.is_enabled("CHAT_SUPPORT", "u1", environment="prod")


async def test_rollout_and_user_groups_select_subjects(client: Prisma) -> None:
    flags = FeatureFlagRepository(client)
    await flags.define(
        "NEW_LEAD_SCORING",
        "Enhanced scoring algorithm",
        enabled=True,
        environments={"prod": True},
        rollout_percentage=30,
        groups=["beta_users", "premium_customers"],
    )
    subjects = [f"lead-{n}" for n in range(200)]
    on = [
        s
        for s in subjects
        if await flags.is_enabled("NEW_LEAD_SCORING", s, environment="prod", groups=["beta_users"])
    ]
    assert on == [s for s in subjects if bucket("NEW_LEAD_SCORING", s) < 30]
    assert not await flags.is_enabled(
        "NEW_LEAD_SCORING", on[0], environment="prod", groups=["free"]
    )
    await flags.set_rollout("NEW_LEAD_SCORING", 60)
    wider = {
        s
        for s in subjects
        if await flags.is_enabled("NEW_LEAD_SCORING", s, environment="prod", groups=["beta_users"])
    }
    assert set(on) < wider


async def test_enabled_for_lists_the_subjects_flags(client: Prisma) -> None:
    flags = FeatureFlagRepository(client)
    await flags.define("A11Y_IMPROVEMENTS", "a11y", enabled=True, rollout_percentage=100)
    await flags.define("INTERACTIVE_CALCULATOR", "calc", enabled=True, rollout_percentage=0)
    await flags.define("PERFORMANCE_MONITORING", "perf", enabled=False, rollout_percentage=100)
    assert await flags.enabled_for("u9", environment="dev") == ["A11Y_IMPROVEMENTS"]
    assert await flags.enabled_for("u9", environment="prod") == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"key": "chat-support"},
        {"key": "CHAT_SUPPORT", "rollout_percentage": 101},
        {"key": "CHAT_SUPPORT", "rollout_percentage": -5},
        {"key": "CHAT_SUPPORT", "environments": {"qa": True}},
        {"key": "CHAT_SUPPORT", "groups": ["", "beta"]},
        {"key": "CHAT_SUPPORT", "name": " "},
    ],
)
async def test_bad_definitions_write_nothing(
    client: Prisma, db: asyncpg.Connection, kwargs: dict[str, object]
) -> None:
    arguments: dict[str, object] = {"name": "Chat"} | kwargs
    with pytest.raises(InvalidFlagError):
        await FeatureFlagRepository(client).define(**arguments)  # type: ignore[arg-type]
    assert await db.fetchval('SELECT count(*) FROM madfam."FeatureFlag"') == 0


async def test_bad_changes_and_unknown_flags_are_refused(
    client: Prisma, db: asyncpg.Connection
) -> None:
    flags = FeatureFlagRepository(client)
    await flags.define("CHAT_SUPPORT", "Chat", enabled=True, rollout_percentage=10)
    with pytest.raises(InvalidFlagError):
        await flags.set_rollout("CHAT_SUPPORT", 150)
    with pytest.raises(InvalidFlagError):
        await flags.switch("CHAT_SUPPORT", True, environment="production")
    with pytest.raises(InvalidFlagError):
        await flags.is_enabled("CHAT_SUPPORT", "u1", environment="qa")
    assert await db.fetchval('SELECT "rolloutPercentage" FROM madfam."FeatureFlag"') == 10
    with pytest.raises(NotFoundError, match="no feature flag 'NO_SUCH_FLAG'"):
        await flags.is_enabled("NO_SUCH_FLAG", "u1", environment="dev")
    with pytest.raises(NotFoundError, match="no feature flag 'NO_SUCH_FLAG'"):
        await flags.set_rollout("NO_SUCH_FLAG", 5)


async def test_a_stored_group_list_that_is_not_a_list_is_reported(
    client: Prisma, db: asyncpg.Connection
) -> None:
    await db.execute(
        """INSERT INTO madfam."FeatureFlag" (id, key, name, enabled, "rolloutPercentage",
           "userGroups", "updatedAt")
           VALUES ('f1', 'BROKEN_FLAG', 'b', true, 50, '"beta"', now())"""
    )
    with pytest.raises(InvalidFlagError):
        await FeatureFlagRepository(client).is_enabled("BROKEN_FLAG", "u1", environment="dev")
