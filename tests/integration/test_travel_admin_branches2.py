"""travel admin RBAC (002: "admin_users: Roles, custom permissions"; "audit_logs: Complete
admin activity trail"; "permissions: null // Null = all permissions") on the real database:
the branches the first suite left out. Role changes that keep custom permissions, null (all)
permissions only for a super admin, unknown admins and bad contexts refused with nothing
written, and the audit trail's filters.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import asyncpg
import pytest
from prisma import Prisma
from prisma.models import TravelAdminUser

from domainlayer.errors import InvalidInputError
from domainlayer.travel.admin import PERMISSIONS, AdminNotFound, PermissionDenied
from domainlayer.travel.repositories.admin import AdminRepository, AuditContext

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


async def _state(db: asyncpg.Connection) -> tuple[object, ...]:
    """Everything an admin operation may write: admins and the audit trail."""
    admins = await db.fetch(
        "SELECT id, role, permissions::text, is_active FROM travel.admin_users ORDER BY id"
    )
    audit = await db.fetchval("SELECT count(*) FROM travel.audit_logs")
    return (tuple(tuple(r) for r in admins), audit)


async def _team(client: Prisma) -> tuple[AdminRepository, TravelAdminUser, TravelAdminUser]:
    """The document's first super admin, and an editor they created."""
    admins = AdminRepository(client)
    root = await admins.create_first_super_admin("your_user_id_here")
    editor = await admins.create_admin(root.id, user_id="ed", role="editor")
    return admins, root, editor


async def test_a_role_change_can_keep_the_admins_custom_permissions(
    client: Prisma, db: asyncpg.Connection
) -> None:
    admins, root, editor = await _team(client)
    await admins.set_permissions(root.id, editor.id, ["deals:read", "flags:read"])

    moved = await admins.change_role(root.id, editor.id, "analyst", reset_permissions=False)

    assert moved.role == "analyst" and moved.permissions == ["deals:read", "flags:read"]
    assert await admins.allowed(editor.id, "flags:read")
    assert not await admins.allowed(editor.id, "analytics:read")  # not the analyst default
    changes = await db.fetchval(
        "SELECT changes::text FROM travel.audit_logs WHERE action = 'admin.role_changed'"
    )
    assert json.loads(changes) == {"role": ["editor", "analyst"]}


async def test_a_super_admin_demoted_without_a_reset_cannot_keep_null_permissions(
    client: Prisma, db: asyncpg.Connection
) -> None:
    admins, root, _ = await _team(client)
    second = await admins.create_admin(root.id, user_id="second_root", role="super_admin")
    assert second.permissions is None  # a super admin's default: all
    before = await _state(db)

    with pytest.raises(InvalidInputError, match="only a super admin may keep null"):
        await admins.change_role(root.id, second.id, "admin", reset_permissions=False)

    assert await _state(db) == before
    demoted = await admins.change_role(root.id, second.id, "admin")
    assert demoted.permissions == sorted(PERMISSIONS)


async def test_a_promotion_to_super_admin_gives_all_permissions(client: Prisma) -> None:
    admins, root, editor = await _team(client)

    promoted = await admins.change_role(root.id, editor.id, "super_admin")

    assert promoted.role == "super_admin" and promoted.permissions is None
    for permission in sorted(PERMISSIONS):
        assert await admins.allowed(editor.id, permission), permission


async def test_null_permissions_are_for_super_admins_only(
    client: Prisma, db: asyncpg.Connection
) -> None:
    admins, root, editor = await _team(client)
    await admins.set_permissions(root.id, root.id, ["admins:manage"])
    assert not await admins.allowed(root.id, "deals:write")

    restored = await admins.set_permissions(root.id, root.id, None)

    assert restored.permissions is None and await admins.allowed(root.id, "deals:write")
    before = await _state(db)
    with pytest.raises(InvalidInputError, match="only a super admin may have null"):
        await admins.set_permissions(root.id, editor.id, None)
    assert await _state(db) == before


async def test_an_admin_cannot_change_a_super_admins_permissions_or_role(
    client: Prisma, db: asyncpg.Connection
) -> None:
    admins, root, _ = await _team(client)
    boss = await admins.create_admin(root.id, user_id="boss", role="admin")
    before = await _state(db)

    with pytest.raises(PermissionDenied, match="only a super admin manages super admins"):
        await admins.set_permissions(boss.id, root.id, ["deals:read"])
    with pytest.raises(PermissionDenied, match="only a super admin manages super admins"):
        await admins.change_role(boss.id, root.id, "admin")

    assert await _state(db) == before


async def test_changes_to_an_unknown_admin_are_not_found_and_write_nothing(
    client: Prisma, db: asyncpg.Connection
) -> None:
    admins, root, _ = await _team(client)
    before = await _state(db)

    with pytest.raises(AdminNotFound, match="no admin 'ghost'"):
        await admins.set_permissions(root.id, "ghost", ["deals:read"])
    with pytest.raises(AdminNotFound, match="no admin 'ghost'"):
        await admins.change_role(root.id, "ghost", "editor")
    with pytest.raises(AdminNotFound, match="no admin 'ghost'"):
        await admins.set_active(root.id, "ghost", False)
    with pytest.raises(AdminNotFound, match="no admin 'ghost'"):
        await admins.record_login("ghost", now=NOW)

    assert await _state(db) == before
    assert not await admins.allowed("ghost", "deals:read")


async def test_an_inactive_admin_may_do_nothing(client: Prisma, db: asyncpg.Connection) -> None:
    admins, root, editor = await _team(client)
    await admins.set_active(root.id, editor.id, False)
    before = await _state(db)

    with pytest.raises(PermissionDenied, match=f"admin {editor.id} may not deals:write"):
        async with admins.action(
            editor.id, "deals:write", action="deal.created", resource_type="deal"
        ):
            pass

    assert await _state(db) == before


async def test_a_login_is_audited_with_where_it_came_from(
    client: Prisma, db: asyncpg.Connection
) -> None:
    admins, _, editor = await _team(client)

    await admins.record_login(
        editor.id, now=NOW, context=AuditContext(ip_address="203.0.113.9", user_agent="Firefox")
    )

    row = await db.fetchrow(
        "SELECT admin_user_id, ip_address, user_agent, changes FROM travel.audit_logs"
        " WHERE action = 'admin.logged_in'"
    )
    assert row is not None and tuple(row) == (editor.id, "203.0.113.9", "Firefox", None)
    stamp = await db.fetchval(
        "SELECT last_login_at FROM travel.admin_users WHERE id = $1", editor.id
    )
    assert stamp == NOW


async def test_an_action_without_changes_leaves_the_changes_column_null(
    client: Prisma, db: asyncpg.Connection
) -> None:
    admins, _, editor = await _team(client)

    async with admins.action(
        editor.id, "deals:read", action="deals.exported", resource_type="deal"
    ) as act:
        assert act.admin.id == editor.id and act.changes == {}

    row = await db.fetchrow(
        "SELECT resource_id, changes FROM travel.audit_logs WHERE action = 'deals.exported'"
    )
    assert row is not None and tuple(row) == (None, None)


@pytest.mark.parametrize(
    ("make_call", "match"),
    [
        ("context", "context must be an AuditContext"),
        ("permission", "unknown permission 'deals:fly'"),
        ("changes", "changes"),
    ],
)
async def test_a_bad_action_is_refused_before_anything_is_written(
    client: Prisma, db: asyncpg.Connection, make_call: str, match: str
) -> None:
    admins, _, editor = await _team(client)
    arguments: dict[str, object] = {"action": "deal.created", "resource_type": "deal"}
    permission = "deals:write"
    if make_call == "context":
        arguments["context"] = {"ip_address": "10.0.0.1"}
    elif make_call == "permission":
        permission = "deals:fly"
    else:
        arguments["changes"] = ["not", "an", "object"]
    before = await _state(db)

    with pytest.raises(InvalidInputError, match=match):
        async with admins.action(editor.id, permission, **arguments):  # type: ignore[arg-type]
            pass

    assert await _state(db) == before


def test_an_audit_context_refuses_a_field_longer_than_1000_characters() -> None:
    with pytest.raises(InvalidInputError, match="user_agent is longer than 1000 characters"):
        AuditContext(user_agent="x" * 1001)


async def test_the_audit_trail_filters_by_admin_and_resource_newest_first(
    client: Prisma,
) -> None:
    admins, root, editor = await _team(client)
    await admins.record_login(editor.id, now=NOW)

    by_editor = await admins.audit_trail(admin_id=editor.id)
    assert [t.action for t in by_editor] == ["admin.logged_in"]
    by_root = await admins.audit_trail(admin_id=root.id, resource_type="admin_user")
    assert [t.action for t in by_root] == ["admin.created", "admin.bootstrapped"]
    assert [t.action for t in await admins.audit_trail(limit=1)] == ["admin.logged_in"]
    assert await admins.audit_trail(resource_type="deal") == []


@pytest.mark.parametrize("limit", [0, 1001])
async def test_an_audit_trail_limit_outside_1_to_1000_is_refused(
    client: Prisma, limit: int
) -> None:
    with pytest.raises(InvalidInputError, match=r"limit must be an int in 1\.\.1000"):
        await AdminRepository(client).audit_trail(limit=limit)
