"""travel's back-office admins over :mod:`domainlayer.travel.admin`, with their audit trail.

Every admin action goes through :meth:`AdminRepository.action`: one transaction that reads
the acting admin, checks the permission, runs the caller's writes on the transaction's
client, and writes the ``audit_logs`` row. Either all of it commits or none of it does, so
the trail never misses a change and never records one that did not happen. The repository's
own operations (creating admins, changing roles and permissions, deactivating) are actions
too.

The first super admin is created while holding a transaction-scoped advisory lock, so two
concurrent bootstraps cannot both find "no admin yet" (the second gets
:class:`~domainlayer.travel.admin.AdminsExist`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prisma import Prisma
from prisma.models import TravelAdminUser, TravelAuditLog

from domainlayer.errors import InvalidInputError
from domainlayer.repository import Json, translating_errors, unit_of_work
from domainlayer.travel.admin import (
    SUPER_ADMIN,
    AdminNotFound,
    AdminsExist,
    PermissionDenied,
    can,
    check_action,
    check_permissions,
    check_role,
    default_permissions,
    may_manage,
)
from domainlayer.validation import (
    boolean,
    ident,
    integer,
    json_object,
    moment,
    optional_ident,
    optional_text,
    strings,
    text,
)

__all__ = ["AdminRepository", "AuditContext"]

#: pg_advisory_xact_lock key serialising the first super admin's creation ("travel-admin").
_BOOTSTRAP_LOCK = 0x7472_6176_656C_6164


@dataclass(frozen=True, slots=True)
class AuditContext:
    """Where an admin acted from (stored with each audit row)."""

    ip_address: str | None = None
    user_agent: str | None = None

    def __post_init__(self) -> None:
        for name in ("ip_address", "user_agent"):
            optional_text(name, getattr(self, name), 1000)


def _context(context: object) -> AuditContext:
    if context is None:
        return AuditContext()
    if not isinstance(context, AuditContext):
        raise InvalidInputError("context must be an AuditContext")
    return context


def _permission_list(permissions: object) -> list[str] | None:
    return None if permissions is None else strings("permissions", permissions)


@dataclass(slots=True)
class _Action:
    """What the caller's block may add to the audit row it is writing."""

    tx: Prisma
    admin: TravelAdminUser
    resource_id: str | None
    changes: dict[str, Any] = field(default_factory=dict)


def _permissions_value(permissions: list[str] | None) -> Json:
    return Json(permissions)


class AdminRepository:
    def __init__(self, client: Prisma) -> None:
        self._client = client

    # Actions ------------------------------------------------------------------------------

    @asynccontextmanager
    async def action(
        self,
        admin_id: str,
        permission: str,
        *,
        action: str,
        resource_type: str,
        resource_id: str | None = None,
        changes: Mapping[str, Any] | None = None,
        context: AuditContext | None = None,
    ) -> AsyncIterator[_Action]:
        """An audited admin action: ``async with repo.action(...) as act: ... act.tx ...``.

        Raises :class:`PermissionDenied` (nothing written) unless the admin is active and
        holds ``permission``. The block's writes go through ``act.tx``; it may set
        ``act.resource_id`` and add to ``act.changes``. The audit row is written last, in
        the same transaction.
        """
        ident("admin_id", admin_id)
        text("permission", permission, 200)
        text("action", action, 200)
        check_action(action)
        text("resource_type", resource_type, 100)
        optional_ident("resource_id", resource_id)
        initial_changes = {} if changes is None else json_object("changes", changes)
        can(is_active=True, permissions=None, permission=permission)  # known permission
        context = _context(context)
        async with unit_of_work(self._client) as tx:
            admin = await tx.traveladminuser.find_unique(where={"id": ident("admin_id", admin_id)})
            if admin is None:
                raise AdminNotFound(f"no admin {admin_id!r}")
            held = admin.permissions if admin.permissions is None else list(admin.permissions)
            if not can(is_active=admin.isActive, permissions=held, permission=permission):
                raise PermissionDenied(f"admin {admin_id} may not {permission}")
            act = _Action(tx, admin, resource_id, initial_changes)
            yield act
            row: dict[str, Any] = {
                "adminUserId": admin.id,
                "action": action,
                "resourceType": resource_type,
                "resourceId": act.resource_id,
                "ipAddress": context.ip_address,
                "userAgent": context.user_agent,
            }
            if act.changes:
                row["changes"] = Json(act.changes)
            await tx.travelauditlog.create(data=row)  # type: ignore[arg-type]

    # Admin users --------------------------------------------------------------------------

    async def create_first_super_admin(
        self, user_id: str, *, context: AuditContext | None = None
    ) -> TravelAdminUser:
        """The document's initial admin: ``super_admin`` with null (all) permissions.

        Only while no admin exists; its own creation is the first audit row.
        """
        ident("user_id", user_id)
        context = _context(context)
        async with unit_of_work(self._client) as tx:
            await tx.execute_raw(
                "SELECT pg_advisory_xact_lock($1::text::bigint)", str(_BOOTSTRAP_LOCK)
            )
            if await tx.traveladminuser.count() > 0:
                raise AdminsExist("the first super admin exists already")
            admin = await tx.traveladminuser.create(
                data={"userId": user_id, "role": SUPER_ADMIN}  # permissions NULL: all
            )
            await tx.travelauditlog.create(
                data={
                    "adminUserId": admin.id,
                    "action": "admin.bootstrapped",
                    "resourceType": "admin_user",
                    "resourceId": admin.id,
                    "changes": Json({"role": SUPER_ADMIN, "permissions": None}),
                    "ipAddress": context.ip_address,
                    "userAgent": context.user_agent,
                }
            )
        return admin

    async def create_admin(
        self,
        actor_id: str,
        *,
        user_id: str,
        role: str,
        permissions: Iterable[str] | None = None,
        context: AuditContext | None = None,
    ) -> TravelAdminUser:
        """A new admin with ``role``; without ``permissions`` they get the role's defaults."""
        ident("actor_id", actor_id)
        ident("user_id", user_id)
        text("role", role, 100)
        given = _permission_list(permissions)
        check_role(role)
        chosen = default_permissions(role) if given is None else check_permissions(given)
        async with self.action(
            actor_id,
            "admins:manage",
            action="admin.created",
            resource_type="admin_user",
            changes={"userId": user_id, "role": role, "permissions": chosen},
            context=context,
        ) as act:
            if not may_manage(actor_role=act.admin.role, target_role=role):
                raise PermissionDenied("only a super admin creates super admins")
            data: dict[str, Any] = {"userId": user_id, "role": role}
            if chosen is not None:
                data["permissions"] = Json(chosen)
            created = await act.tx.traveladminuser.create(data=data)  # type: ignore[arg-type]
            act.resource_id = created.id
        return created

    async def change_role(
        self,
        actor_id: str,
        admin_id: str,
        role: str,
        *,
        reset_permissions: bool = True,
        context: AuditContext | None = None,
    ) -> TravelAdminUser:
        """Give an admin another role (and, by default, that role's permissions)."""
        ident("actor_id", actor_id)
        ident("admin_id", admin_id)
        text("role", role, 100)
        boolean("reset_permissions", reset_permissions)
        check_role(role)
        async with self.action(
            actor_id,
            "admins:manage",
            action="admin.role_changed",
            resource_type="admin_user",
            resource_id=admin_id,
            context=context,
        ) as act:
            target = await self._target(act, admin_id, new_role=role)
            data: dict[str, Any] = {"role": role}
            act.changes.update({"role": [target.role, role]})
            if reset_permissions:
                data["permissions"] = _permissions_value(default_permissions(role))
                act.changes["permissions"] = [target.permissions, default_permissions(role)]
            elif role != SUPER_ADMIN and target.permissions is None:
                raise InvalidInputError("only a super admin may keep null (all) permissions")
            updated = await act.tx.traveladminuser.update(where={"id": admin_id}, data=data)  # type: ignore[arg-type]
        assert updated is not None
        return updated

    async def set_permissions(
        self,
        actor_id: str,
        admin_id: str,
        permissions: Iterable[str] | None,
        *,
        context: AuditContext | None = None,
    ) -> TravelAdminUser:
        """Custom permissions for an admin; None (all) only for a super admin."""
        ident("actor_id", actor_id)
        ident("admin_id", admin_id)
        given = _permission_list(permissions)
        chosen = None if given is None else check_permissions(given)
        async with self.action(
            actor_id,
            "admins:manage",
            action="admin.permissions_changed",
            resource_type="admin_user",
            resource_id=admin_id,
            context=context,
        ) as act:
            target = await self._target(act, admin_id)
            if chosen is None and target.role != SUPER_ADMIN:
                raise InvalidInputError("only a super admin may have null (all) permissions")
            act.changes["permissions"] = [target.permissions, chosen]
            updated = await act.tx.traveladminuser.update(
                where={"id": admin_id}, data={"permissions": _permissions_value(chosen)}
            )
        assert updated is not None
        return updated

    async def set_active(
        self,
        actor_id: str,
        admin_id: str,
        active: bool,
        *,
        context: AuditContext | None = None,
    ) -> TravelAdminUser:
        """Deactivate (or reactivate) an admin; an admin cannot deactivate themselves."""
        ident("actor_id", actor_id)
        ident("admin_id", admin_id)
        boolean("active", active)
        if not active and actor_id == admin_id:
            raise InvalidInputError("an admin cannot deactivate themselves")
        async with self.action(
            actor_id,
            "admins:manage",
            action="admin.activated" if active else "admin.deactivated",
            resource_type="admin_user",
            resource_id=admin_id,
            context=context,
        ) as act:
            target = await self._target(act, admin_id)
            act.changes["isActive"] = [target.isActive, active]
            updated = await act.tx.traveladminuser.update(
                where={"id": admin_id}, data={"isActive": active}
            )
        assert updated is not None
        return updated

    async def record_login(
        self, admin_id: str, *, now: datetime, context: AuditContext | None = None
    ) -> TravelAdminUser:
        """Stamp ``lastLoginAt`` and audit the login (an inactive admin cannot log in)."""
        ident("admin_id", admin_id)
        now = moment("now", now)
        context = _context(context)
        async with unit_of_work(self._client) as tx:
            admin = await tx.traveladminuser.find_unique(where={"id": ident("admin_id", admin_id)})
            if admin is None:
                raise AdminNotFound(f"no admin {admin_id!r}")
            if not admin.isActive:
                raise PermissionDenied(f"admin {admin_id} is inactive")
            updated = await tx.traveladminuser.update(
                where={"id": admin_id}, data={"lastLoginAt": now}
            )
            await tx.travelauditlog.create(
                data={
                    "adminUserId": admin_id,
                    "action": "admin.logged_in",
                    "resourceType": "admin_user",
                    "resourceId": admin_id,
                    "ipAddress": context.ip_address,
                    "userAgent": context.user_agent,
                }
            )
        assert updated is not None
        return updated

    async def allowed(self, admin_id: str, permission: str) -> bool:
        """Whether the admin may use ``permission`` now (False when unknown or inactive)."""
        ident("admin_id", admin_id)
        text("permission", permission, 200)
        can(is_active=True, permissions=None, permission=permission)
        with translating_errors():
            admin = await self._client.traveladminuser.find_unique(where={"id": admin_id})
        if admin is None:
            return False
        held = admin.permissions if admin.permissions is None else list(admin.permissions)
        return can(is_active=admin.isActive, permissions=held, permission=permission)

    async def audit_trail(
        self,
        *,
        admin_id: str | None = None,
        resource_type: str | None = None,
        resource_id: str | None = None,
        limit: int = 100,
    ) -> list[TravelAuditLog]:
        """Audit rows, newest first, filtered by admin and/or resource."""
        integer("limit", limit, 1, 1000)
        optional_ident("admin_id", admin_id)
        optional_ident("resource_type", resource_type)
        optional_ident("resource_id", resource_id)
        where: dict[str, Any] = {}
        if admin_id is not None:
            where["adminUserId"] = admin_id
        if resource_type is not None:
            where["resourceType"] = resource_type
        if resource_id is not None:
            where["resourceId"] = resource_id
        with translating_errors():
            return await self._client.travelauditlog.find_many(
                where=where,  # type: ignore[arg-type]
                order=[{"createdAt": "desc"}, {"id": "desc"}],
                take=limit,
            )

    @staticmethod
    async def _target(
        act: _Action, admin_id: str, *, new_role: str | None = None
    ) -> TravelAdminUser:
        target = await act.tx.traveladminuser.find_unique(where={"id": ident("admin_id", admin_id)})
        if target is None:
            raise AdminNotFound(f"no admin {admin_id!r}")
        if not may_manage(actor_role=act.admin.role, target_role=target.role, new_role=new_role):
            raise PermissionDenied("only a super admin manages super admins")
        return target
