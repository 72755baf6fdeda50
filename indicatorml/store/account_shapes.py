"""The plain-data shapes of accounts, sessions and the audit log (revision 0004), as the store takes and gives them.

Like :mod:`indicatorml.store.shapes`: dicts of plain values, times as aware UTC datetimes. The
store keeps roles as English ids (``admin``, ``reviewer``, ``writer``); the Chinese names users
read (管理, 审核, 填报) and what each role may do live in :mod:`indicatorml.accounts`. A user's
password is never here: only its argon2 hash, and that only in what :meth:`AccountStore.login_of`
returns. A session's token is never here either: only its sha256 (``token_hash``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypedDict

__all__ = [
    "Role",
    "Department",
    "UserIn",
    "User",
    "UserChange",
    "SessionIn",
    "Session",
    "LoginFailures",
    "AuditIn",
    "AuditEntry",
]

Role = Literal["admin", "reviewer", "writer"]
JSON = Any


class Department(TypedDict):
    name: str
    created_at: datetime
    users: int  # enabled users in it


class _UserRequired(TypedDict):
    name: str  # the login name, kept in its normal form (store.users.user_key)
    role: Role
    password_hash: str  # an argon2 PHC string ($argon2id$…)


class UserIn(_UserRequired, total=False):
    """A new user. ``department`` is required for a reviewer or writer, optional for an admin."""

    display_name: str | None  # the name pages show (a person's name)
    department: str | None


class User(TypedDict):
    name: str
    display_name: str | None
    department: str | None
    role: Role
    created_at: datetime
    updated_at: datetime
    password_changed_at: datetime
    last_login_at: datetime | None
    disabled_at: datetime | None  # None: the user may log in


class UserChange(TypedDict, total=False):
    """What ``change_user`` changes: only the keys given."""

    display_name: str | None
    department: str | None
    role: Role
    password_hash: str
    disabled: bool


class SessionIn(TypedDict):
    token_hash: str  # sha256 (hex) of the token the browser holds
    user_name: str
    expires_at: datetime
    ip: str | None
    user_agent: str | None


class Session(TypedDict):
    token_hash: str
    user_name: str
    created_at: datetime
    expires_at: datetime  # the absolute end, however active the session
    last_seen_at: datetime  # updated at most once a minute (accounts.sessions)
    revoked_at: datetime | None  # logged out, or the user disabled / password changed
    ip: str | None
    user_agent: str | None


class LoginFailures(TypedDict):
    """The failed logins of one (name, address) in the current window."""

    failures: int  # since the window began (0 right after a lock begins)
    locked_until: datetime | None


class _AuditRequired(TypedDict):
    action: str  # an id: "reviewed", "decided", "login" … (accounts.audit names them in Chinese)


class AuditIn(_AuditRequired, total=False):
    """One line of the audit log. ``created_at`` defaults to now."""

    created_at: datetime
    user_name: str | None  # who; None for the single-user server or an unknown name
    department: str | None  # the department of what was acted on
    object_kind: str | None  # "review", "decision", "user", "model", "job", "session" …
    object_id: str | None
    ip: str | None
    details: JSON  # anything else worth keeping, as JSON


class AuditEntry(TypedDict):
    id: int  # increasing in the order the lines were written
    created_at: datetime
    user_name: str | None
    department: str | None
    action: str
    object_kind: str | None
    object_id: str | None
    ip: str | None
    details: JSON
