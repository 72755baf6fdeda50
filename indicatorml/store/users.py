"""Departments and users: who may log in, with which role, in which department.

The rules that keep the accounts whole are checked here, inside the writing transaction, so no
caller can break them and two administrators acting at once cannot either:

* a login name has one normal form (:func:`user_key`: Unicode NFKC, trimmed, case folded), so
  ``Zhang`` and ``zhang`` are one user, and a name is letters (Chinese too), digits and ``.@_-``;
* a reviewer or writer belongs to a department that exists; an administrator may or may not;
* a user is disabled, never deleted (the audit log keeps naming them); disabling a user or
  changing their password revokes their sessions in the same transaction;
* the last enabled administrator can be neither disabled nor given another role — else nobody
  could manage the accounts again;
* the store keeps only an argon2 hash (a ``$argon2…`` PHC string), never a password: anything
  else handed in as a hash is refused, so a password cannot be stored by mistake.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .account_shapes import Department, User, UserChange, UserIn
from .errors import InvalidError, NotFoundError
from .schema import ROLES, departments, sessions, users, utcnow
from .validate import Spec, check_item, check_lengths

__all__ = [
    "user_key",
    "department_name",
    "add_department",
    "list_departments",
    "add_user",
    "get_user",
    "login_of",
    "list_users",
    "change_user",
    "count_users",
    "rehash_password",
]

_NAME = re.compile(r"[\w.@-]{1,64}")
_USER_COLUMNS = [c for c in users.c if c.name != "password_hash"]
USER_SPEC: Spec = {
    "name": ((str,), True),
    "role": ((str,), True),
    "password_hash": ((str,), True),
    "display_name": ((str, None), False),
    "department": ((str, None), False),
}
CHANGE_SPEC: Spec = {
    "display_name": ((str, None), False),
    "department": ((str, None), False),
    "role": ((str,), False),
    "password_hash": ((str,), False),
    "disabled": ((bool,), False),
}


def user_key(name: object) -> str:
    """A login name in its one stored form; InvalidError for a name that cannot be one."""
    if not isinstance(name, str):
        raise InvalidError(f"用户名应为文本，收到 {type(name).__name__}")
    key = unicodedata.normalize("NFKC", name).strip().casefold()
    if not _NAME.fullmatch(key):
        raise InvalidError(
            f"用户名 {name!r:.80} 不可用：应为 1 到 64 个字母（可以是汉字）、数字或 . @ _ -，不含空格"
        )
    return key


def department_name(name: object) -> str:
    """A department's name, trimmed; InvalidError for an empty, overlong or control-character one."""
    if not isinstance(name, str):
        raise InvalidError(f"部门名称应为文本，收到 {type(name).__name__}")
    text = unicodedata.normalize("NFKC", name).strip()
    if not 0 < len(text) <= 200 or any(unicodedata.category(ch)[0] == "C" for ch in text):
        raise InvalidError(f"部门名称 {name!r:.80} 不可用：应为 1 到 200 个字符，不含控制字符")
    return text


# ------------------------------------------------------------------ departments
def add_department(conn: Connection, name: str, exist_ok: bool = False) -> Department:
    """A new department (or, with ``exist_ok``, the existing one of that name)."""
    name = department_name(name)
    if _department_exists(conn, name):
        if not exist_ok:
            raise InvalidError(f"部门 {name} 已经有了")
    else:
        conn.execute(sa.insert(departments).values(name=name, created_at=utcnow()))
    return next(d for d in list_departments(conn) if d["name"] == name)


def list_departments(conn: Connection) -> list[Department]:
    """Every department by name, with its number of enabled users."""
    enabled = (
        sa.select(users.c.department, sa.func.count().label("n"))
        .where(users.c.disabled_at.is_(None))
        .group_by(users.c.department)
        .subquery()
    )
    q = (
        sa.select(departments.c.name, departments.c.created_at, sa.func.coalesce(enabled.c.n, 0))
        .select_from(departments.outerjoin(enabled, enabled.c.department == departments.c.name))
        .order_by(departments.c.name)
    )
    return [Department(name=n, created_at=at, users=int(k)) for n, at, k in conn.execute(q)]


def _department_exists(conn: Connection, name: str) -> bool:
    return conn.execute(sa.select(departments.c.name).where(departments.c.name == name)).first() is not None


# ------------------------------------------------------------------ users
def add_user(conn: Connection, user: UserIn, create_department: bool = False) -> User:
    """A new user (see the module docstring for the rules); ``create_department`` adds a
    department not yet known instead of refusing it."""
    u = check_item(user, USER_SPEC, "用户")
    name = user_key(u["name"])
    role = _role(u["role"])
    department = _department_of(conn, role, u.get("department"), create_department)
    _check_hash(u["password_hash"])
    values = {
        "name": name,
        "display_name": _display(u.get("display_name")),
        "department": department,
        "role": role,
        "password_hash": u["password_hash"],
    }
    check_lengths(values, users, "用户")
    if conn.execute(sa.select(users.c.name).where(users.c.name == name)).first() is not None:
        raise InvalidError(f"用户 {name} 已经有了")
    now = utcnow()
    conn.execute(sa.insert(users).values(**values, created_at=now, updated_at=now, password_changed_at=now))
    return get_user(conn, name)


def get_user(conn: Connection, name: str) -> User:
    m = conn.execute(sa.select(*_USER_COLUMNS).where(users.c.name == user_key(name))).mappings().first()
    if m is None:
        raise NotFoundError(f"没有用户 {name}")
    return cast(User, dict(m))


def login_of(conn: Connection, name: str) -> tuple[User, str] | None:
    """The user of that login name and their password hash, or None (a name that is no
    user's — also one that cannot be a name at all: a login form gets anything)."""
    try:
        key = user_key(name)
    except InvalidError:
        return None
    m = conn.execute(sa.select(users).where(users.c.name == key)).mappings().first()
    if m is None:
        return None
    user = {k: v for k, v in m.items() if k != "password_hash"}
    return cast(User, user), m["password_hash"]


def list_users(conn: Connection, department: str | None = None, include_disabled: bool = True) -> list[User]:
    """Users by department then name (administrators without a department first)."""
    q = sa.select(*_USER_COLUMNS).order_by(users.c.department.is_not(None), users.c.department, users.c.name)
    if department is not None:
        q = q.where(users.c.department == department)
    if not include_disabled:
        q = q.where(users.c.disabled_at.is_(None))
    return [cast(User, dict(m)) for m in conn.execute(q).mappings()]


def count_users(conn: Connection, enabled_only: bool = True, role: str | None = None) -> int:
    q = sa.select(sa.func.count()).select_from(users)
    if enabled_only:
        q = q.where(users.c.disabled_at.is_(None))
    if role is not None:
        q = q.where(users.c.role == role)
    return int(conn.execute(q).scalar_one())


def change_user(
    conn: Connection, name: str, change: UserChange, create_department: bool = False
) -> tuple[User, list[str]]:
    """Apply ``change`` to user ``name``; the user as now stored and the keys that changed.

    Disabling, or a new password hash, revokes the user's sessions. Refused (nothing written):
    an unknown user, a reviewer/writer without a department, a department not known (unless
    ``create_department``), and leaving no enabled administrator.
    """
    c = check_item(change, CHANGE_SPEC, "用户的修改")
    before = get_user(conn, name)
    key = before["name"]
    role = _role(c["role"]) if "role" in c else before["role"]
    values: dict[str, Any] = {}
    if "display_name" in c:
        values["display_name"] = _display(c["display_name"])
    if "department" in c or "role" in c:
        wanted = c["department"] if "department" in c else before["department"]
        values["department"] = _department_of(conn, role, wanted, create_department)
    if "role" in c:
        values["role"] = role
    now = utcnow()
    if "password_hash" in c:
        _check_hash(c["password_hash"])
        values["password_hash"] = c["password_hash"]
        values["password_changed_at"] = now
    if "disabled" in c:
        values["disabled_at"] = (before["disabled_at"] or now) if c["disabled"] else None
    check_lengths(values, users, "用户")
    old: dict[str, Any] = dict(before)
    changed = sorted(
        k
        for k, v in values.items()
        if k == "password_hash" or (k != "password_changed_at" and v != old.get(k))
    )
    if not changed:
        return before, []
    conn.execute(sa.update(users).where(users.c.name == key).values(**values, updated_at=now))
    was_admin = before["role"] == "admin" and before["disabled_at"] is None
    if was_admin and count_users(conn, role="admin") == 0:
        raise InvalidError(
            f"{key} 是最后一个可用的管理账号：不能停用它或改掉它的角色（先新建或启用另一个管理账号）"
        )
    if "password_hash" in changed or values.get("disabled_at") is not None:
        conn.execute(
            sa.update(sessions)
            .where(sessions.c.user_name == key, sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return get_user(conn, key), ["disabled" if k == "disabled_at" else k for k in changed]


def rehash_password(conn: Connection, name: str, old_hash: str, new_hash: str) -> bool:
    """The same password under new hash parameters (at login): replaced only if the stored hash
    is still ``old_hash`` (a password changed meanwhile wins); no session is revoked and the
    password's date stays. False if it was not replaced."""
    _check_hash(new_hash)
    q = (
        sa.update(users)
        .where(users.c.name == user_key(name), users.c.password_hash == old_hash)
        .values(password_hash=new_hash)
    )
    return conn.execute(q).rowcount == 1


def _role(role: object) -> str:
    if not isinstance(role, str) or role not in ROLES:
        raise InvalidError(f"角色只能是 {'、'.join(ROLES)}，收到 {role!r:.40}")
    return role


def _department_of(conn: Connection, role: str, department: str | None, create: bool) -> str | None:
    if department is None:
        if role != "admin":
            raise InvalidError("审核和填报账号要属于一个部门：请给出部门")
        return None
    name = department_name(department)
    if not _department_exists(conn, name):
        if not create:
            raise NotFoundError(f"没有部门 {name}")
        add_department(conn, name)
    return name


def _display(name: str | None) -> str | None:
    if name is None:
        return None
    text = unicodedata.normalize("NFKC", name).strip()
    if any(unicodedata.category(ch)[0] == "C" for ch in text):
        raise InvalidError("显示名不能含控制字符")
    return text or None


def _check_hash(password_hash: str) -> None:
    if not password_hash.startswith("$argon2"):
        raise InvalidError("密码只以 argon2 哈希保存（$argon2…）：不收明文或别的格式")
