"""travel admin RBAC on the real database: roles, permissions, and an audit row per action."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.errors import DomainError, InvalidInputError
from domainlayer.travel.admin import AdminNotFound, AdminsExist, PermissionDenied
from domainlayer.travel.repositories.admin import AdminRepository, AuditContext
from domainlayer.travel.repositories.cms import DealRepository

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


async def _count(db: asyncpg.Connection, table: str) -> int:
    return int(await db.fetchval(f"SELECT count(*) FROM travel.{table}"))


async def test_the_first_super_admin_has_all_permissions_and_is_audited(
    client: Prisma, db: asyncpg.Connection
) -> None:
    admins = AdminRepository(client)
    root = await admins.create_first_super_admin(
        "user_root", context=AuditContext(ip_address="10.0.0.1", user_agent="cli")
    )
    assert root.role == "super_admin" and root.permissions is None
    assert await db.fetchval("SELECT permissions IS NULL FROM travel.admin_users") is True
    for permission in ("admins:manage", "deals:write", "errors:resolve"):
        assert await admins.allowed(root.id, permission)
    trail = await admins.audit_trail(admin_id=root.id)
    assert [(t.action, t.ipAddress) for t in trail] == [("admin.bootstrapped", "10.0.0.1")]
    with pytest.raises(AdminsExist):
        await admins.create_first_super_admin("user_other")
    assert await _count(db, "admin_users") == 1


async def test_concurrent_bootstraps_make_one_super_admin(
    client: Prisma, db: asyncpg.Connection
) -> None:
    admins = AdminRepository(client)
    results = await asyncio.gather(
        *(admins.create_first_super_admin(f"user_{n}") for n in range(8)),
        return_exceptions=True,
    )
    assert sum(1 for r in results if not isinstance(r, BaseException)) == 1
    assert all(isinstance(r, AdminsExist) for r in results if isinstance(r, BaseException))
    assert await _count(db, "admin_users") == 1
    assert await _count(db, "audit_logs") == 1


async def test_roles_get_their_default_permissions(client: Prisma) -> None:
    admins = AdminRepository(client)
    root = await admins.create_first_super_admin("root")
    editor = await admins.create_admin(root.id, user_id="ed", role="editor")
    analyst = await admins.create_admin(root.id, user_id="an", role="analyst")
    assert await admins.allowed(editor.id, "deals:write")
    assert not await admins.allowed(editor.id, "admins:manage")
    assert await admins.allowed(analyst.id, "analytics:read")
    assert not await admins.allowed(analyst.id, "deals:write")
    custom = await admins.create_admin(
        root.id, user_id="cu", role="support", permissions=["deals:*", "users:read"]
    )
    assert custom.permissions == ["deals:*", "users:read"]
    assert await admins.allowed(custom.id, "deals:write")
    assert not await admins.allowed(custom.id, "users:support")
    assert not await admins.allowed("nobody", "deals:read")


async def test_an_audited_action_commits_the_change_and_its_log_together(
    client: Prisma, db: asyncpg.Connection
) -> None:
    admins = AdminRepository(client)
    root = await admins.create_first_super_admin("root")
    editor = await admins.create_admin(root.id, user_id="ed", role="editor")
    async with admins.action(
        editor.id, "deals:write", action="deal.created", resource_type="deal"
    ) as act:
        deal = await DealRepository(act.tx).create(
            title="Lisbon in Spring", origin="JFK", destination="LIS", price="399.00"
        )
        act.resource_id = deal.id
        act.changes["price"] = "399.00"
    trail = await admins.audit_trail(resource_type="deal", resource_id=deal.id)
    assert [(t.action, t.adminUserId, t.changes) for t in trail] == [
        ("deal.created", editor.id, {"price": "399.00"})
    ]

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with admins.action(
            editor.id, "deals:write", action="deal.created", resource_type="deal"
        ) as act:
            await DealRepository(act.tx).create(
                title="Rome", origin="JFK", destination="FCO", price="450"
            )
            raise Boom
    assert await _count(db, "deals") == 1
    assert await _count(db, "audit_logs") == 3  # bootstrap, editor created, deal created


async def test_permission_denied_writes_nothing(client: Prisma, db: asyncpg.Connection) -> None:
    admins = AdminRepository(client)
    root = await admins.create_first_super_admin("root")
    analyst = await admins.create_admin(root.id, user_id="an", role="analyst")
    before = await _count(db, "audit_logs")
    with pytest.raises(PermissionDenied):
        async with admins.action(
            analyst.id, "deals:write", action="deal.created", resource_type="deal"
        ) as act:
            await DealRepository(act.tx).create(
                title="Nope", origin="A", destination="B", price="1"
            )
    with pytest.raises(PermissionDenied):
        await admins.create_admin(analyst.id, user_id="x", role="editor")
    with pytest.raises(AdminNotFound):
        await admins.create_admin("ghost", user_id="x", role="editor")
    assert await _count(db, "deals") == 0
    assert await _count(db, "audit_logs") == before
    assert isinstance(PermissionDenied("x"), DomainError)


async def test_only_a_super_admin_touches_super_admins(client: Prisma) -> None:
    admins = AdminRepository(client)
    root = await admins.create_first_super_admin("root")
    boss = await admins.create_admin(root.id, user_id="boss", role="admin")
    with pytest.raises(PermissionDenied):
        await admins.create_admin(boss.id, user_id="x", role="super_admin")
    with pytest.raises(PermissionDenied):
        await admins.set_active(boss.id, root.id, False)
    ed = await admins.create_admin(boss.id, user_id="ed", role="editor")
    with pytest.raises(PermissionDenied):
        await admins.change_role(boss.id, ed.id, "super_admin")
    promoted = await admins.change_role(root.id, ed.id, "analyst")
    assert promoted.role == "analyst" and "analytics:read" in (promoted.permissions or [])


async def test_role_permission_and_activity_changes_are_audited(
    client: Prisma, db: asyncpg.Connection
) -> None:
    admins = AdminRepository(client)
    root = await admins.create_first_super_admin("root")
    ed = await admins.create_admin(root.id, user_id="ed", role="editor")
    await admins.set_permissions(root.id, ed.id, ["deals:read"])
    assert not await admins.allowed(ed.id, "deals:write")
    await admins.set_active(root.id, ed.id, False)
    assert not await admins.allowed(ed.id, "deals:read")
    with pytest.raises(PermissionDenied):
        await admins.record_login(ed.id, now=NOW)
    await admins.set_active(root.id, ed.id, True)
    logged = await admins.record_login(ed.id, now=NOW)
    assert logged.lastLoginAt == NOW
    actions = [t.action for t in await admins.audit_trail(resource_id=ed.id)]
    assert sorted(actions) == sorted(
        [
            "admin.created",
            "admin.permissions_changed",
            "admin.deactivated",
            "admin.activated",
            "admin.logged_in",
        ]
    )
    changes = await db.fetchval(
        "SELECT changes::text FROM travel.audit_logs WHERE action = 'admin.permissions_changed'"
    )
    assert '"deals:read"' in changes


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        ("bad_role", InvalidInputError, "unknown role 'owner'"),
        ("bad_permission", InvalidInputError, "a permission is 'resource:action': 'fly'"),
        ("null_for_editor", InvalidInputError, "only a super admin may have null"),
        ("self_deactivate", InvalidInputError, "an admin cannot deactivate themselves"),
        ("bad_action", InvalidInputError, "an action is a dotted lowercase name"),
    ],
)
async def test_bad_input_writes_nothing(
    client: Prisma, db: asyncpg.Connection, call: str, error: type[Exception], match: str
) -> None:
    admins = AdminRepository(client)
    root = await admins.create_first_super_admin("root")
    ed = await admins.create_admin(root.id, user_id="ed", role="editor")
    before = (await _count(db, "admin_users"), await _count(db, "audit_logs"))
    with pytest.raises(error, match=match):
        if call == "bad_role":
            await admins.create_admin(root.id, user_id="x", role="owner")
        elif call == "bad_permission":
            await admins.create_admin(root.id, user_id="x", role="editor", permissions=["fly"])
        elif call == "null_for_editor":
            await admins.set_permissions(root.id, ed.id, None)
        elif call == "self_deactivate":
            await admins.set_active(root.id, root.id, False)
        else:
            async with admins.action(
                root.id, "deals:write", action="Deal Made", resource_type="deal"
            ):
                pass
    after = (await _count(db, "admin_users"), await _count(db, "audit_logs"))
    assert after == before
    assert (
        await db.fetchval("SELECT permissions::text FROM travel.admin_users WHERE id = $1", ed.id)
        is not None
    )
