"""travel's admin RBAC (002, ``admin_users`` and ``audit_logs``). Pure.

Five roles: ``super_admin``, ``admin``, ``editor``, ``analyst``, ``support``. A permission
is ``resource:action`` (``deals:write``); ``resource:*`` grants every action on a resource.
An admin's ``permissions`` column holds their permissions; **null means all permissions**,
as the document says of its first super admin.

Choices (the document gives the roles, not what they may do):

* a new admin without explicit permissions gets their role's defaults
  (:data:`ROLE_PERMISSIONS`), written out, so null is never an accident: only a
  ``super_admin`` may have null permissions;
* an inactive admin may do nothing;
* managing admins (``admins:manage``) belongs to ``super_admin`` and ``admin``, and only a
  ``super_admin`` may create, promote to, or change another ``super_admin``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

from domainlayer.errors import ConflictError, DomainError, InvalidInputError, NotFoundError
from domainlayer.typed_rules import rule

__all__ = [
    "PERMISSIONS",
    "ROLES",
    "ROLE_PERMISSIONS",
    "SUPER_ADMIN",
    "AdminNotFound",
    "AdminsExist",
    "PermissionDenied",
    "can",
    "check_action",
    "check_permissions",
    "check_role",
    "default_permissions",
    "may_manage",
]

SUPER_ADMIN: Final = "super_admin"
ROLES: Final = (SUPER_ADMIN, "admin", "editor", "analyst", "support")

#: Every permission the travel back office knows.
PERMISSIONS: Final = frozenset(
    {
        "admins:manage",
        "audit:read",
        "analytics:read",
        "deals:read",
        "deals:write",
        "destinations:read",
        "destinations:write",
        "templates:read",
        "templates:write",
        "flags:read",
        "flags:write",
        "errors:read",
        "errors:resolve",
        "health:read",
        "users:read",
        "users:support",
    }
)

_READ_ALL: Final = frozenset(p for p in PERMISSIONS if p.endswith(":read"))

#: What each role may do when the admin is created without explicit permissions.
ROLE_PERMISSIONS: Final[Mapping[str, frozenset[str]]] = {
    SUPER_ADMIN: PERMISSIONS,
    "admin": PERMISSIONS,
    "editor": frozenset(
        {
            "deals:read",
            "deals:write",
            "destinations:read",
            "destinations:write",
            "templates:read",
            "templates:write",
        }
    ),
    "analyst": frozenset(
        {"analytics:read", "deals:read", "destinations:read", "flags:read", "health:read"}
    ),
    "support": frozenset({"users:read", "users:support", "errors:read", "health:read"}),
}

_PERMISSION: Final = re.compile(r"^([a-z]+):([a-z]+|\*)$")
_ACTION: Final = re.compile(r"^[a-z][a-z_]*(?:\.[a-z][a-z_]*)+$")


class PermissionDenied(DomainError):
    """The admin may not do this (or is inactive)."""


class AdminNotFound(NotFoundError):
    """No admin user has this id."""


class AdminsExist(ConflictError):
    """The first super admin can be created only while there is no admin at all."""


@rule
def check_role(role: str) -> str:
    if not isinstance(role, str) or role not in ROLES:
        raise InvalidInputError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    return role


@rule
def check_permissions(permissions: Iterable[str]) -> list[str]:
    """Known ``resource:action`` permissions or ``resource:*`` wildcards, sorted, unique."""
    if isinstance(permissions, str):
        raise InvalidInputError("permissions is a list of names, not one string")
    resources = {p.split(":", 1)[0] for p in PERMISSIONS}
    result: set[str] = set()
    for permission in permissions:
        match = _PERMISSION.fullmatch(permission) if isinstance(permission, str) else None
        if match is None:
            raise InvalidInputError(f"a permission is 'resource:action': {permission!r}")
        if match[2] == "*":
            if match[1] not in resources:
                raise InvalidInputError(f"unknown resource in {permission!r}")
        elif permission not in PERMISSIONS:
            raise InvalidInputError(f"unknown permission {permission!r}")
        result.add(permission)
    return sorted(result)


@rule
def default_permissions(role: str) -> list[str] | None:
    """What a new admin of ``role`` gets: None (all) for a super admin, else the defaults."""
    if check_role(role) == SUPER_ADMIN:
        return None
    return sorted(ROLE_PERMISSIONS[role])


@rule
def can(*, is_active: bool, permissions: Iterable[str] | None, permission: str) -> bool:
    """Whether an admin with these ``permissions`` (None: all) may use ``permission``."""
    if permission not in PERMISSIONS:
        raise InvalidInputError(f"unknown permission {permission!r}")
    if not is_active:
        return False
    if permissions is None:
        return True
    held = set(permissions)
    return permission in held or f"{permission.split(':', 1)[0]}:*" in held


@rule
def may_manage(*, actor_role: str, target_role: str, new_role: str | None = None) -> bool:
    """Whether an admin (who holds ``admins:manage``) may change an admin of ``target_role``.

    Only a super admin touches super admins, or makes one.
    """
    check_role(actor_role)
    check_role(target_role)
    if new_role is not None:
        check_role(new_role)
    if actor_role == SUPER_ADMIN:
        return True
    return SUPER_ADMIN not in (target_role, new_role)


@rule
def check_action(action: str) -> str:
    """Audited actions are dotted lowercase names: ``deal.featured``, ``admin.created``."""
    if not isinstance(action, str) or len(action) > 100 or not _ACTION.fullmatch(action):
        raise InvalidInputError(f"an action is a dotted lowercase name: {action!r}")
    return action
