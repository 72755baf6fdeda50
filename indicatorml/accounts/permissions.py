"""Who may do what: one table, read by :func:`can`. The pages, the API and the CLI ask here, nowhere else.

Each action gives each role a scope: ``ALL`` (any department), ``OWN`` (only what belongs to
the user's own department — a review, a decision and a department model belong to one), or
nothing. The choices, where the issue left them open:

============================  ======  ======  ======  ==================================================
action                        填报    审核    管理    why
============================  ======  ======  ======  ==================================================
classify  (编码建议)            all     all     all     coding a draft reads nothing stored
search    (检索先例/指标库)      all     all     all     the library is the bureau's shared knowledge
check     (检查草稿/表格)        all     all     all     a stateless check stores nothing
review.create (上传审核)        —       own     —       a stored review is a reviewer's work
review.view   (查看审核)        own     own     all     a writer sees what reviewers found in their tables
review.decide (审核决定)        —       own     —       deciding is the reviewer's; an admin sees, not decides
model.train   (训练本单位模型)    —       —       all     a model changes every user's suggestions
model.department (训练本部门模型)  —      own     all     a department's own model changes only its own
                                                          reviewers' suggestions, from their decided rows
model.switch  (切换模型)         —       —       all     likewise
users.manage  (管理账号)         —       —       all
audit.view    (查看审计日志)      —       —       all
============================  ======  ======  ======  ==================================================

An object without a department (a review stored by the single-user server) is nobody's own:
only an admin sees it. A disabled user may do nothing. Without accounts (one person on
127.0.0.1) there is no user at all and everything is allowed — that is
:meth:`indicatorml.accounts.ServePolicy.allows`, not this table.
"""

from __future__ import annotations

from typing import Literal

from ..errors import IndicatormlError
from ..store import Role, User
from .roles import role_name

__all__ = ["ACTIONS", "ACTION_NAMES", "PERMISSIONS", "ALL", "OWN", "Forbidden", "can", "require", "scope"]

Scope = Literal["all", "own"]
ALL: Scope = "all"
OWN: Scope = "own"

ACTION_NAMES: dict[str, str] = {
    "classify": "编码建议",
    "search": "检索先例",
    "check": "检查表格",
    "review.create": "上传审核",
    "review.view": "查看审核",
    "review.decide": "做审核决定",
    "model.train": "训练本单位模型",
    "model.department": "训练本部门模型",
    "model.switch": "切换模型",
    "users.manage": "管理账号",
    "audit.view": "查看审计日志",
}
ACTIONS = tuple(ACTION_NAMES)

PERMISSIONS: dict[str, dict[Role, Scope]] = {
    "classify": {"writer": ALL, "reviewer": ALL, "admin": ALL},
    "search": {"writer": ALL, "reviewer": ALL, "admin": ALL},
    "check": {"writer": ALL, "reviewer": ALL, "admin": ALL},
    "review.create": {"reviewer": OWN},
    "review.view": {"writer": OWN, "reviewer": OWN, "admin": ALL},
    "review.decide": {"reviewer": OWN},
    "model.train": {"admin": ALL},
    "model.department": {"reviewer": OWN, "admin": ALL},
    "model.switch": {"admin": ALL},
    "users.manage": {"admin": ALL},
    "audit.view": {"admin": ALL},
}


class Forbidden(IndicatormlError):
    """The user may not do this (a page answers 403 with the message)."""


def scope(user: User | None, action: str) -> Scope | None:
    """How far ``user`` may do ``action``: ``"all"``, ``"own"`` (their department) or None."""
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}; the actions are {', '.join(ACTIONS)}")
    if user is None or user["disabled_at"] is not None:
        return None
    return PERMISSIONS[action].get(user["role"])


def can(user: User | None, action: str, department: str | None = None) -> bool:
    """Whether ``user`` may do ``action`` on something of ``department`` (None: of no
    department, or an action about no department's object — classify, search, users …)."""
    granted = scope(user, action)
    if granted == ALL:
        return True
    return granted == OWN and user is not None and department is not None and department == user["department"]


def require(user: User | None, action: str, department: str | None = None) -> None:
    """:class:`Forbidden` with a Chinese reason unless :func:`can`."""
    if can(user, action, department):
        return
    what = ACTION_NAMES[action]
    if user is None:
        raise Forbidden(f"请先登录再{what}")
    if user["disabled_at"] is not None:
        raise Forbidden(f"账号 {user['name']} 已停用")
    if scope(user, action) == OWN:
        raise Forbidden(f"只能{what}本部门（{user['department']}）的内容，这个属于{department or '没有部门'}")
    raise Forbidden(f"{role_name(user['role'])}账号不能{what}")
