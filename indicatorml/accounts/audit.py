"""The audit log as people read it: what each action id means in Chinese, a line built in one call, an export.

The store writes the lines (:mod:`indicatorml.store.audit`, in the transaction of what they
record; "reviewed" and "decided" by itself). Here: :func:`event` builds the line a caller hands
to a store method (``store.set_setting(key, value, audit=event(user, "model_switched", …))``),
:func:`record` appends a line of its own, :func:`audit_rows` turns lines into rows for
``indicatorml audit`` (table, CSV, JSONL) or a page.
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from typing import Any

from ..store import AuditEntry, AuditIn, Store, User

__all__ = [
    "AUDIT_ACTIONS",
    "AUDIT_COLUMNS",
    "AUDIT_HEADERS",
    "event",
    "cli_event",
    "record",
    "audit_rows",
    "action_name",
]

AUDIT_ACTIONS: dict[str, str] = {
    "reviewed": "审核",
    "decided": "审核决定",
    "trained": "训练模型",
    "model_switched": "切换模型",
    "login": "登录",
    "logout": "退出",
    "login_failed": "登录失败",
    "user_created": "新建账号",
    "user_changed": "修改账号",
    "password_changed": "修改密码",
    "user_disabled": "停用账号",
    "user_enabled": "启用账号",
    "department_created": "新建部门",
}
AUDIT_COLUMNS = ("id", "time", "user", "department", "action", "action_name", "object", "ip", "details")
AUDIT_HEADERS = {
    "id": "序号",
    "time": "时间",
    "user": "用户",
    "department": "部门",
    "action": "操作代码",
    "action_name": "操作",
    "object": "对象",
    "ip": "地址",
    "details": "详情",
}


def action_name(action: str) -> str:
    """The Chinese name of an action id (an unknown id as itself)."""
    return AUDIT_ACTIONS.get(action, action)


def event(
    user: User | str | None,
    action: str,
    *,
    ip: str | None = None,
    department: str | None = None,
    object_kind: str | None = None,
    object_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditIn:
    """One audit line, by ``user`` (a User, a name, or None: the single-user server). The
    department defaults to the user's. Fields left None are filled by the store method that
    writes it where it knows better (the object it wrote)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; known: {', '.join(AUDIT_ACTIONS)}")
    name = user["name"] if isinstance(user, dict) else user
    if department is None and isinstance(user, dict):
        department = user["department"]
    line: AuditIn = {"action": action, "user_name": name, "department": department, "ip": ip}
    if object_kind is not None:
        line["object_kind"] = object_kind
    if object_id is not None:
        line["object_id"] = object_id
    if details is not None:
        line["details"] = details
    return line


def cli_event(action: str, **fields: Any) -> AuditIn:
    """A line for what the command line did: no logged-in user, so the operating system's user
    and ``"via": "cli"`` go into the details."""
    details = {"via": "cli", "os_user": _os_user(), **(fields.pop("details", None) or {})}
    return event(None, action, details=details, **fields)


def record(store: Store, line: AuditIn) -> AuditEntry:
    """Append a line that goes with no other write (e.g. an export)."""
    return store.append_audit(line)


def audit_rows(entries: list[AuditEntry], local_time: bool = True) -> list[dict[str, Any]]:
    """Rows of ``AUDIT_COLUMNS`` for output.write_rows: the time in this computer's zone
    (``local_time``) or ISO 8601 UTC, the action's Chinese name beside its id, the object as
    ``kind:id``, the details as JSON text."""
    return [
        {
            "id": e["id"],
            "time": _time(e["created_at"], local_time),
            "user": e["user_name"] or _cli_actor(e["details"]),
            "department": e["department"],
            "action": e["action"],
            "action_name": action_name(e["action"]),
            "object": f"{e['object_kind']}:{e['object_id']}" if e["object_kind"] else e["object_id"],
            "ip": e["ip"],
            "details": json.dumps(e["details"], ensure_ascii=False, sort_keys=True)
            if e["details"] is not None
            else None,
        }
        for e in entries
    ]


def _cli_actor(details: Any) -> str | None:
    """Who, for a line the command line wrote: 命令行 and the operating-system user."""
    if isinstance(details, dict) and details.get("via") == "cli":
        return f"命令行（{details.get('os_user') or '?'}）"
    return None


def _time(at: datetime, local_time: bool) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S") if local_time else at.isoformat()


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None
