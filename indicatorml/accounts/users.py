"""Creating and changing accounts: what ``indicatorml users …`` and an admin's page call, one function each.

Every change is written with its audit line in one transaction (``by``: the admin who did it,
or None for the command line, whose line names the operating-system user instead). The rules
the store keeps (one spelling of a name, a department for reviewers and writers, never the
last admin disabled, sessions revoked on disabling or a new password) hold whoever calls;
here come the password rules and the hashing, which the store never sees undone.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..store import AuditIn, Store, User, UserChange, department_name, user_key
from .audit import cli_event, event
from .passwords import check_password, hash_password
from .policy import DEFAULT_POLICY, AccountPolicy
from .roles import role_id

__all__ = [
    "create_user",
    "change_user",
    "set_password",
    "disable_user",
    "enable_user",
    "list_users",
    "get_user",
    "has_accounts",
]


def create_user(
    store: Store,
    name: str,
    password: str,
    role: str,
    department: str | None = None,
    display_name: str | None = None,
    *,
    by: User | None = None,
    ip: str | None = None,
    policy: AccountPolicy = DEFAULT_POLICY,
) -> User:
    """A new account. ``role``: 审核/填报/管理 (or reviewer/writer/admin); ``department`` is
    required for 审核 and 填报, and created with the user if new (the audit line says so:
    ``"new_department": true``). PasswordError, InvalidError (a name taken or not a name, no
    department) with a Chinese message; nothing is written then."""
    role = role_id(role)
    key = user_key(name)
    check_password(password, key, policy)
    password_hash = hash_password(password, policy)
    known = {d["name"] for d in store.accounts.departments()}
    details = {
        "role": role,
        "department": department,
        "display_name": display_name,
        "new_department": department is not None and department_name(department) not in known,
    }
    return store.accounts.add_user(
        {
            "name": key,
            "role": role,
            "password_hash": password_hash,
            "department": department,
            "display_name": display_name,
        },
        create_department=True,
        audit=_line(by, "user_created", ip, details, department),
    )


def change_user(
    store: Store,
    name: str,
    *,
    role: str | None = None,
    department: str | None = None,
    display_name: str | None = None,
    by: User | None = None,
    ip: str | None = None,
) -> User:
    """Change a user's role, department or display name (only those given). A new department
    is created. The audit line lists what changed (none: nothing written)."""
    change: UserChange = {}
    if role is not None:
        change["role"] = role_id(role)
    if department is not None:
        change["department"] = department
    if display_name is not None:
        change["display_name"] = display_name
    details = {k: v for k, v in change.items()}
    line = _line(by, "user_changed", ip, details, department or _department(store, name))
    user, _ = store.accounts.change_user(name, change, create_department=True, audit=line)
    return user


def set_password(
    store: Store,
    name: str,
    password: str,
    *,
    by: User | None = None,
    ip: str | None = None,
    policy: AccountPolicy = DEFAULT_POLICY,
) -> User:
    """A new password (rules: :func:`~indicatorml.accounts.passwords.check_password`); every
    session of the user ends, so a stolen session dies with the old password."""
    key = user_key(name)
    check_password(password, key, policy)
    line = _line(by, "password_changed", ip, None, _department(store, key))
    user, _ = store.accounts.change_user(key, {"password_hash": hash_password(password, policy)}, audit=line)
    return user


def disable_user(store: Store, name: str, *, by: User | None = None, ip: str | None = None) -> User:
    """The user can no longer log in; their sessions end now. Kept, not deleted: the audit log
    and their reviews and decisions keep naming them. The last enabled admin is refused."""
    line = _line(by, "user_disabled", ip, None, _department(store, name))
    user, _ = store.accounts.change_user(name, {"disabled": True}, audit=line)
    return user


def enable_user(store: Store, name: str, *, by: User | None = None, ip: str | None = None) -> User:
    line = _line(by, "user_enabled", ip, None, _department(store, name))
    user, _ = store.accounts.change_user(name, {"disabled": False}, audit=line)
    return user


def list_users(store: Store, department: str | None = None, include_disabled: bool = True) -> list[User]:
    """Accounts by department, then name (admins without a department first)."""
    return store.accounts.list_users(department, include_disabled)


def get_user(store: Store, name: str) -> User:
    return store.accounts.get_user(name)


def has_accounts(store: Store) -> bool:
    """Whether any account may log in (an enabled user): the server then asks everyone to."""
    return store.accounts.count_users(enabled_only=True) > 0


def _department(store: Store, name: str) -> str | None:
    return store.accounts.get_user(name)["department"]


def _line(
    by: User | None, action: str, ip: str | None, details: Mapping[str, object] | None, department: str | None
) -> AuditIn:
    """The audit line of a change to an account; its department is the account's."""
    extra = dict(details) if details is not None else None
    if by is None:
        return cli_event(action, ip=ip, details=extra, department=department)
    return event(by, action, ip=ip, details=extra, department=department)
