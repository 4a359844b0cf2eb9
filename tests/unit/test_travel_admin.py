"""travel's admin RBAC (002, ``admin_users`` and ``audit_logs``), entry by entry.

The document gives the five roles and its first admin, a ``super_admin`` with
``permissions: null`` ("Null = all permissions"). What each role may do is our choice
(travel/admin.py); these tests pin every entry of that table, so a permission that moves
from one role to another is a deliberate change, never an accident.
"""

from __future__ import annotations

import itertools

import pytest

from domainlayer.errors import ConflictError, DomainError, InvalidInputError, NotFoundError
from domainlayer.travel.admin import (
    PERMISSIONS,
    ROLE_PERMISSIONS,
    ROLES,
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

EVERY_PERMISSION = [
    "admins:manage",
    "analytics:read",
    "audit:read",
    "deals:read",
    "deals:write",
    "destinations:read",
    "destinations:write",
    "errors:read",
    "errors:resolve",
    "flags:read",
    "flags:write",
    "health:read",
    "templates:read",
    "templates:write",
    "users:read",
    "users:support",
]

#: What a new admin of each role gets (None: all, the document's super admin).
DEFAULTS: dict[str, list[str] | None] = {
    "super_admin": None,
    "admin": EVERY_PERMISSION,
    "editor": [
        "deals:read",
        "deals:write",
        "destinations:read",
        "destinations:write",
        "templates:read",
        "templates:write",
    ],
    "analyst": ["analytics:read", "deals:read", "destinations:read", "flags:read", "health:read"],
    "support": ["errors:read", "health:read", "users:read", "users:support"],
}


def test_the_errors_sit_in_the_tree() -> None:
    assert issubclass(PermissionDenied, DomainError)
    assert issubclass(AdminNotFound, NotFoundError)
    assert issubclass(AdminsExist, ConflictError)


def test_the_five_roles_and_sixteen_permissions() -> None:
    assert ROLES == ("super_admin", "admin", "editor", "analyst", "support")
    assert SUPER_ADMIN == "super_admin"
    assert sorted(PERMISSIONS) == EVERY_PERMISSION
    assert set(ROLE_PERMISSIONS) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_is_known(role: str) -> None:
    assert check_role(role) == role


@pytest.mark.parametrize("role", ["owner", "Admin", "superadmin", "", None])
def test_other_roles_are_refused(role: object) -> None:
    with pytest.raises(InvalidInputError, match=r"unknown role"):
        check_role(role)  # type: ignore[arg-type]


@pytest.mark.parametrize(("role", "defaults"), DEFAULTS.items())
def test_each_roles_defaults(role: str, defaults: list[str] | None) -> None:
    assert default_permissions(role) == defaults
    if defaults is not None:
        assert sorted(ROLE_PERMISSIONS[role]) == defaults


def test_the_super_admins_table_entry_is_everything() -> None:
    assert ROLE_PERMISSIONS[SUPER_ADMIN] == PERMISSIONS


def test_defaults_of_an_unknown_role_are_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"unknown role"):
        default_permissions("owner")


@pytest.mark.parametrize(
    ("role", "permission"), list(itertools.product(DEFAULTS, EVERY_PERMISSION))
)
def test_what_each_role_may_do_by_default(role: str, permission: str) -> None:
    defaults = DEFAULTS[role]
    expected = defaults is None or permission in defaults
    assert can(is_active=True, permissions=default_permissions(role), permission=permission) is (
        expected
    )
    # an inactive admin may do nothing, whatever they hold
    assert (
        can(is_active=False, permissions=default_permissions(role), permission=permission) is False
    )


@pytest.mark.parametrize("permission", EVERY_PERMISSION)
def test_a_wildcard_grants_every_action_of_its_resource_only(permission: str) -> None:
    resource = permission.split(":")[0]
    assert can(is_active=True, permissions=[f"{resource}:*"], permission=permission)
    others = [p for p in EVERY_PERMISSION if not p.startswith(resource + ":")]
    assert not any(can(is_active=True, permissions=[f"{resource}:*"], permission=p) for p in others)


def test_null_permissions_mean_all() -> None:
    assert all(can(is_active=True, permissions=None, permission=p) for p in EVERY_PERMISSION)
    assert not any(can(is_active=False, permissions=None, permission=p) for p in EVERY_PERMISSION)


def test_held_permissions_may_be_any_iterable() -> None:
    assert can(is_active=True, permissions=iter(["deals:read"]), permission="deals:read")
    assert not can(is_active=True, permissions=("deals:read",), permission="deals:write")


@pytest.mark.parametrize("permission", ["deals:fly", "deals:*", "deals", ""])
def test_can_asks_only_about_known_permissions(permission: str) -> None:
    with pytest.raises(InvalidInputError, match=r"unknown permission"):
        can(is_active=True, permissions=None, permission=permission)


def test_an_unknown_permission_is_refused_even_for_an_inactive_admin() -> None:
    with pytest.raises(InvalidInputError, match=r"unknown permission"):
        can(is_active=False, permissions=[], permission="deals:fly")


# Stored permissions -----------------------------------------------------------------------


def test_every_permission_and_every_resource_wildcard_may_be_stored() -> None:
    assert check_permissions(EVERY_PERMISSION) == EVERY_PERMISSION
    wildcards = sorted({p.split(":")[0] + ":*" for p in EVERY_PERMISSION})
    assert check_permissions(wildcards) == wildcards
    assert check_permissions(iter(["users:support", "deals:*", "users:support"])) == [
        "deals:*",
        "users:support",
    ]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (["deals"], "'resource:action'"),
        (["Deals:read"], "'resource:action'"),
        (["deals:read:x"], "'resource:action'"),
        ([None], "'resource:action'"),
        (["planes:*"], "unknown resource"),
        (["deals:fly"], "unknown permission"),
        (["deals:read", "planes:read"], "unknown permission"),
        ("deals:read", "not one string"),
    ],
)
def test_bad_stored_permissions(bad: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        check_permissions(bad)  # type: ignore[arg-type]


# Managing admins --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "target", "new"),
    list(itertools.product(ROLES, ROLES, [None, *ROLES])),
)
def test_only_a_super_admin_touches_or_makes_super_admins(
    actor: str, target: str, new: str | None
) -> None:
    expected = actor == SUPER_ADMIN or SUPER_ADMIN not in (target, new)
    assert may_manage(actor_role=actor, target_role=target, new_role=new) is expected


@pytest.mark.parametrize(
    ("actor", "target", "new"),
    [("owner", "admin", None), ("admin", "owner", None), ("admin", "editor", "owner")],
)
def test_may_manage_checks_every_role(actor: str, target: str, new: str | None) -> None:
    with pytest.raises(InvalidInputError, match=r"unknown role 'owner'"):
        may_manage(actor_role=actor, target_role=target, new_role=new)


def test_a_super_admin_still_names_known_roles() -> None:
    with pytest.raises(InvalidInputError, match=r"unknown role 'owner'"):
        may_manage(actor_role=SUPER_ADMIN, target_role="editor", new_role="owner")


# Audited actions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    ["deal.featured", "admin.created", "flag.rollout_changed", "a.b.c", "a." + "b" * 98],
)
def test_audited_actions(action: str) -> None:
    assert check_action(action) == action


@pytest.mark.parametrize(
    "action",
    ["a." + "b" * 99, "deal", "Deal.featured", "deal.", ".deal", "deal..x", "deal.1", "", None],
)
def test_bad_actions(action: object) -> None:
    with pytest.raises(InvalidInputError, match=r"dotted lowercase name"):
        check_action(action)  # type: ignore[arg-type]
